"""The OpenAPI description of ``/api/v1/inbox/failed`` (:mod:`handoff.failed_inbox`)."""

from __future__ import annotations

from typing import Any

from handoff.web.openapi_base import CSRF, ERRORS, ID, OK, SECURED

INBOX_PATHS: dict[str, Any] = {
    "/inbox/failed": {
        "get": {
            "summary": "Admin: customer events the bot gave up on after repeated failures, "
            "newest first (at most 50; `total` counts all): `id`, `channel`, `user_id`, "
            "`customer_id` and `customer_name` (when known), `received_at`, `failed_at`, "
            "`attempts`, `error` (exception types, never the customer's words) and `text` "
            "(what the customer wrote or did)",
            "security": SECURED,
            "responses": {**OK, **ERRORS},
        }
    },
    "/inbox/failed/{id}/retry": {
        "post": {
            "summary": "Admin: process the event again the normal way; `outcome` `processed` "
            "(the customer's message is in their conversation) or `failed` (counted, still "
            "listed, the new `error`). 404 `not_found` (processed or dismissed meanwhile), "
            "400 `unreadable`",
            "parameters": [ID],
            "security": CSRF,
            "responses": {**OK, **ERRORS},
        }
    },
    "/inbox/failed/{id}/dismiss": {
        "post": {
            "summary": "Admin: drop the event without processing it (logged with who did); "
            "409 `gone` if it was processed or dismissed meanwhile",
            "parameters": [ID],
            "security": CSRF,
            "responses": {**OK, **ERRORS},
        }
    },
}

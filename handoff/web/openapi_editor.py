"""The OpenAPI description of the editor's «Фразы бота» (``/api/v1/editor/phrases``)."""

from __future__ import annotations

from typing import Any

from handoff.web.openapi_base import CSRF, ERRORS, OK, REFUSED, SECURED, body

PHRASE_PATHS: dict[str, Any] = {
    "/editor/phrases": {
        "get": {
            "summary": "The bot's own phrases from domain.yml: `name`, Russian `title`, "
            "`variants` with `index`, `channel`, `text`, `placeholders` and `source` "
            "(`domain.yml:line`)",
            "security": SECURED,
            "responses": {**OK, "403": {"$ref": "#/components/responses/Error"}},
        }
    },
    "/editor/phrase": {
        "post": {
            "summary": "Rewrite one variant of a phrase in domain.yml (the rest stays byte for "
            "byte) and reload (validated, gated); 200 when live, 422 when refused (the file is "
            "restored), 400 `new_placeholder` for a `{placeholder}` the phrase did not have, "
            "`empty`, `too_long`, `unchanged`, `bad_index`; 404 for an unknown phrase",
            "security": CSRF,
            "requestBody": body(
                {
                    "name": {"type": "string"},
                    "index": {"type": "integer", "minimum": 0},
                    "text": {"type": "string", "maxLength": 4000},
                },
                ["name", "index", "text"],
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
}

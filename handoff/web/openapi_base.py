"""Pieces the hand-written OpenAPI description of ``/api/v1`` is built from."""

from __future__ import annotations

from typing import Any

ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
ERRORS = {
    "400": {"$ref": "#/components/responses/Error"},
    "401": {"$ref": "#/components/responses/Error"},
    "403": {"$ref": "#/components/responses/Error"},
    "404": {"$ref": "#/components/responses/Error"},
    "409": {"$ref": "#/components/responses/Error"},
}


def body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def action(summary: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``POST /…/{id}/…`` action with ``request`` as its body (an empty object if None)."""
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [ID],
        "security": [{"session": [], "csrf": []}],
        "responses": {**OK, **ERRORS},
    }
    operation["requestBody"] = request or body({})
    return {"post": operation}


TEXT = {"text": {"type": "string", "maxLength": 4000}}
SECURED: list[dict[str, list[str]]] = [{"session": []}]
CSRF: list[dict[str, list[str]]] = [{"session": [], "csrf": []}]
REFUSED = {
    "description": "Refused by validation or the regression gate; nothing went live",
    "content": {"application/json": {"schema": {"type": "object"}}},
}

"""``/api/v1/replies``: ready replies (:mod:`handoff.canned`). Everyone in the console reads the
team's and their own, adds and deletes their own (``"personal": true``); administrators add
and delete the team's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Operator
from handoff import canned
from handoff.errors import HandoffError
from handoff.service import CONSOLE_ROLES
from handoff.web.context import Console, error, json_body, str_field
from handoff.web.security import guarded


def reply_routes(console: Console) -> list[BaseRoute]:
    agents = guarded(console.sessions, CONSOLE_ROLES)

    @agents
    async def list_replies(request: Request, operator: Operator) -> Response:
        async with console.db.read() as session:
            found = await canned.matching(session, request.query_params.get("q", ""), operator.id)
        return JSONResponse({"replies": [canned.as_json(r) for r in found]})

    @agents
    async def add_reply(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            personal = data.get("personal") is True or operator.role != "admin"
            reply = await canned.create(
                console.db,
                str_field(data, "shortcut"),
                str_field(data, "text"),
                operator.id,
                personal=personal,
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "reply": canned.as_json(reply)})

    @agents
    async def delete_reply(request: Request, operator: Operator) -> Response:
        try:
            await canned.remove(
                console.db,
                int(request.path_params["id"]),
                operator.id,
                admin=operator.role == "admin",
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True})

    base = "/api/v1/replies"
    return [
        Route(base, list_replies, methods=["GET"]),
        Route(base, add_reply, methods=["POST"]),
        Route(f"{base}/{{id:int}}", delete_reply, methods=["DELETE"]),
    ]

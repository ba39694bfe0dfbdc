"""``/api/v1/labels`` and ``/api/v1/conversations/{id}/labels`` (:mod:`handoff.labels`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Operator
from handoff import labels
from handoff.errors import HandoffError
from handoff.service import CONSOLE_ROLES
from handoff.web.context import Console, error, json_body
from handoff.web.security import guarded


def label_routes(console: Console) -> list[BaseRoute]:
    agents = guarded(console.sessions, CONSOLE_ROLES)

    @agents
    async def list_labels(request: Request, operator: Operator) -> Response:
        titles = console.brain().config.handoff.labels
        return JSONResponse({"labels": labels.available(titles)})

    @agents
    async def set_labels(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            wanted = data.get("labels")
            if not isinstance(wanted, list) or not all(isinstance(x, str) for x in wanted):
                raise HandoffError('Ожидается список меток: {"labels": ["return"]}.', "bad_labels")
            saved = await labels.set_labels(
                console.service, int(request.path_params["id"]), operator, wanted[:30]
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "labels": saved})

    base = "/api/v1"
    return [
        Route(f"{base}/labels", list_labels, methods=["GET"]),
        Route(f"{base}/conversations/{{id:int}}/labels", set_labels, methods=["POST"]),
    ]

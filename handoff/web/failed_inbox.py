"""``/api/v1/inbox/failed``: customer events the bot gave up on (:mod:`handoff.failed_inbox`),
for administrators to see, retry or dismiss."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Operator
from handoff import failed_inbox
from handoff.errors import HandoffError, Unavailable
from handoff.web.context import Console, error
from handoff.web.security import guarded


def failed_inbox_routes(console: Console) -> list[BaseRoute]:
    admins = guarded(console.sessions, ("admin",))

    @admins
    async def list_failed(request: Request, operator: Operator) -> Response:
        async with console.db.read() as session:
            events, total = await failed_inbox.listed(session)
        return JSONResponse({"total": total, "events": [e.to_json() for e in events]})

    @admins
    async def retry(request: Request, operator: Operator) -> Response:
        try:
            if console.failed_inbox is None:  # a console without a runtime (tests of views)
                raise Unavailable("Повтор недоступен: бот здесь не запущен.", "no_runtime")
            outcome = await console.failed_inbox.retry(int(request.path_params["id"]))
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, **outcome.to_json()})

    @admins
    async def dismiss(request: Request, operator: Operator) -> Response:
        try:
            await failed_inbox.dismiss(
                console.db, int(request.path_params["id"]), operator.username
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True})

    base = "/api/v1/inbox/failed"
    return [
        Route(base, list_failed, methods=["GET"]),
        Route(f"{base}/{{id:int}}/retry", retry, methods=["POST"]),
        Route(f"{base}/{{id:int}}/dismiss", dismiss, methods=["POST"]),
    ]

"""Content endpoints for editors and admins: put edited YAML live (validated and gated)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Operator
from handoff.web.context import Console
from handoff.web.security import guarded

CONTENT_ROLES = ("admin", "editor")


def content_routes(console: Console) -> list[BaseRoute]:
    editors = guarded(console.sessions, CONTENT_ROLES)

    @editors
    async def reload(request: Request, operator: Operator) -> Response:
        """Reload config, domain, knowledge base, flows and NLU data from disk.

        200 with the report when the new content is live; 422 with ``file:line`` problems or
        the regression gate's failures when it is refused (the bot keeps the old content).
        """
        if console.reload is None:
            return JSONResponse(
                {"error": "unavailable", "message": "Перезагрузка недоступна."}, status_code=503
            )
        report = await console.reload(None)
        return JSONResponse(report.to_json(), status_code=200 if report.ok else 422)

    return [Route("/api/v1/admin/reload", reload, methods=["POST"])]

"""Customers' photos and documents, shown to operators behind the console's login.

Files stay in the messenger (Telegram keeps them behind ``getFile``, Viber gives media URLs);
the console fetches them through the channel adapter on demand, so no customer file sits on our
disk and the bot token never reaches the browser.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.base import DeliveryError
from bot.storage.models import Message, Operator
from handoff.service import CONSOLE_ROLES
from handoff.web.context import Console
from handoff.web.security import guarded

log = logging.getLogger(__name__)
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def _missing(message: str = "Вложение не найдено.") -> JSONResponse:
    return JSONResponse({"error": "not_found", "message": message}, status_code=404)


def media_routes(console: Console) -> list[BaseRoute]:
    agents = guarded(console.sessions, CONSOLE_ROLES)

    @agents
    async def attachment(request: Request, operator: Operator) -> Response:
        message_id = int(request.path_params["id"])
        index = int(request.path_params["n"])
        async with console.db.read() as session:
            message = await session.get(Message, message_id)
        attachments = (message.data or {}).get("attachments", []) if message else []
        if message is None or message.direction != "in" or not 0 <= index < len(attachments):
            return _missing()
        channel = console.channels.get(message.channel)
        if channel is None:
            return _missing("Канал этого вложения сейчас не подключён.")
        meta = attachments[index]
        try:
            content, mime = await channel.download(str(meta.get("url", "")))
        except DeliveryError as exc:
            log.warning("attachment %s/%s unavailable: %s", message_id, index, exc)
            return JSONResponse(
                {"error": "unavailable", "message": "Мессенджер не отдал файл, попробуйте позже."},
                status_code=502,
            )
        mime = (meta.get("mime_type") or mime or "application/octet-stream").split(";")[0]
        inline = mime in INLINE_TYPES
        name = str(meta.get("name") or f"{meta.get('kind', 'file')}-{message_id}-{index}")
        disposition = "inline" if inline else "attachment"
        return Response(
            content,
            media_type=mime if inline else "application/octet-stream",
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, max-age=300",
            },
        )

    return [Route("/api/v1/messages/{id:int}/attachments/{n:int}", attachment)]

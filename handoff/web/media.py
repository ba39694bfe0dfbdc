"""Files both ways: customers' photos and documents shown to operators, and files operators
send to customers.

A customer's file stays in the messenger (Telegram keeps it behind ``getFile``, Viber gives
media URLs); the console fetches it through the channel adapter on demand, so no customer file
sits on our disk and the bot token never reaches the browser.

An operator's file is uploaded as ``multipart/form-data`` (``file``, optional ``caption``),
checked (:func:`bot.files.check_upload`) and sent like a reply (:meth:`HandoffService.send_file`).
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from urllib.parse import quote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import files
from bot.channels.base import DeliveryError
from bot.storage.models import Conversation, Message, Operator
from handoff.errors import Conflict, HandoffError, NotFound
from handoff.service import CONSOLE_ROLES
from handoff.web.context import Console, error
from handoff.web.security import guarded

log = logging.getLogger(__name__)
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# What messengers send, named the way the operator's computer opens them (mimetypes alone
# would say «.jpe» for a JPEG, and knows no «audio/ogg» on some systems).
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "audio/ogg": ".ogg",  # a Telegram voice note (Opus in Ogg; Telegram itself says .oga)
    "audio/opus": ".opus",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "application/pdf": ".pdf",
    "application/x-tgsticker": ".tgs",
    "text/plain": ".txt",
}


def _missing(message: str = "Вложение не найдено.") -> JSONResponse:
    return JSONResponse({"error": "not_found", "message": message}, status_code=404)


def download_name(name: object, kind: str, mime: str, message_id: int, index: int) -> str:
    """The file name a download is saved under: the customer's own, else one made of the kind
    and the message, and always with an extension from the MIME type when it has none
    (``photo-24-0.jpg``, not ``photo-24-0``), so the operator's computer knows how to open it."""
    base = str(name or "").strip() or f"{kind}-{message_id}-{index}"
    if posixpath.splitext(base)[1] or mime == "application/octet-stream":
        return base  # has one, or nothing is known of the content («.bin» would say nothing)
    extension = EXTENSIONS.get(mime) or mimetypes.guess_extension(mime, strict=False) or ""
    return base + extension


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
        kind = str(meta.get("kind", "file"))
        # A sticker's «name» is its emoji: the file is named by kind instead.
        named = meta.get("name") if kind != "sticker" else None
        name = download_name(named, kind, mime, message_id, index)
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

    @agents
    async def send_file(request: Request, operator: Operator) -> Response:
        conversation_id = int(request.path_params["id"])
        try:
            await _check_channel(console, conversation_id)  # before reading 10 MB for nothing
            upload, caption = await _read_upload(request)
            message_id = await console.service.send_file(
                conversation_id, operator.id, upload, caption
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "message_id": message_id})

    return [
        Route("/api/v1/messages/{id:int}/attachments/{n:int}", attachment),
        Route("/api/v1/conversations/{id:int}/files", send_file, methods=["POST"]),
    ]


async def _read_upload(request: Request) -> tuple[files.Upload, str]:
    try:
        upload, fields = await files.read_upload(request, ("caption",))
    except files.FileRefused as exc:
        raise HandoffError(str(exc), exc.code) from exc
    return upload, fields["caption"]


async def _check_channel(console: Console, conversation_id: int) -> None:
    """Refuse before storing anything if the customer's messenger cannot take a file."""
    async with console.db.read() as session:
        channel_name = await session.scalar(
            select(Conversation.channel).where(Conversation.id == conversation_id)
        )
    if channel_name is None:
        raise NotFound("Диалог не найден.", "conversation_not_found")
    channel = console.channels.get(channel_name)
    if channel is None or not channel.accepts_files():
        raise Conflict("В этот канал файлы отправить нельзя.", "files_not_supported")

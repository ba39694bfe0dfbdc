"""Files operators send to customers, and web chat visitors send us: what is accepted, where
the bytes live, who may fetch them.

An operator attaches a receipt, a return form or a photo of the right cable in the console;
the file goes to the customer in their messenger as a photo or a document
(:class:`~bot.events.OutboundFile`). Accepted are the kinds customer care actually sends —
pictures, PDF, office documents, plain text and archives — by the file name's extension (the
browser's type is not trusted), up to :data:`MAX_FILE_BYTES`. Anything else is refused with a
message the operator can act on; an executable never reaches a customer.

A web chat visitor attaches a photo of a broken kettle or a receipt the same way (the same
checks); the message refers to it as ``file:<token>`` (:data:`FILE_REF`) and the operator
console fetches it through :meth:`WebChatChannel.download`. Telegram and Viber keep their
customers' files themselves.

The bytes are kept in the ``files`` table, so every process of a deployment serves the same
file and erasing a customer's data deletes it (:mod:`bot.storage.erasure`). Messengers that
fetch media by URL (Viber) and the web chat get ``{ZABOTA_PUBLIC_URL}/files/{token}/{name}``:
the token is 192 random bits, the only key to the file.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.events import Attachment, Inbound, OutboundFile
from bot.storage.db import Database
from bot.storage.models import StoredFile

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Telegram's limit for a photo; Viber and the web chat take the same without trouble."""

MAX_UPLOAD_BODY = MAX_FILE_BYTES + 256 * 1024  # the form's own fields and boundaries
_TOO_LARGE = (
    f"Файл больше {MAX_FILE_BYTES // (1024 * 1024)} МБ — такой не отправить. "
    "Сожмите его или пришлите ссылкой."
)

ALLOWED: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "rtf": "application/rtf",
    "zip": "application/zip",
}
"""Extension → the type sent along. What a messenger shows inline is decided by the type."""

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
"""Shown in a browser tab; everything else is served as a download."""

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


class FileRefused(ValueError):
    """An upload that cannot be sent; ``str(exc)`` is Russian, for the operator.

    ``code`` is the API's machine-readable reason."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Upload:
    """A checked upload: a safe name and the type its extension stands for."""

    name: str
    mime_type: str
    content: bytes


def clean_name(name: str) -> str:
    """The file name as the customer will see it: no path, no control characters, at most
    120 characters (the extension kept)."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 119 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else name[:120]
    return name


def check_upload(name: str, content: bytes) -> Upload:
    """Refuse what must not reach a customer; :class:`FileRefused` says why."""
    name = clean_name(name)
    if not content:
        raise FileRefused("Файл пустой.", "empty_file")
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused(_TOO_LARGE, "file_too_large")
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    mime = ALLOWED.get(ext)
    if not name or mime is None:
        kinds = ", ".join(sorted({e for e in ALLOWED if e != "jpeg"}))
        raise FileRefused(f"Такой файл не отправить. Можно: {kinds}.", "file_type_not_allowed")
    return Upload(name, mime, content)


def store(
    session: AsyncSession,
    upload: Upload,
    *,
    conversation_id: int | None,
    operator_id: int | None = None,
    uploader: str | None = None,
) -> OutboundFile:
    """Keep the file (with its conversation, or its uploader's account until the engine links
    it); return its reference."""
    row = StoredFile(
        token=secrets.token_urlsafe(24),
        conversation_id=conversation_id,
        operator_id=operator_id,
        uploader=uploader,
        name=upload.name,
        mime_type=upload.mime_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        content=upload.content,
    )
    session.add(row)
    return OutboundFile(row.token, row.name, row.mime_type, row.size)


def public_path(file: OutboundFile) -> str:
    return f"/files/{file.token}/{quote(file.name)}"


def file_view(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A file as the web chat and the console show it, from its history row's data: the one
    an operator sent, or the first a visitor attached."""
    data = data or {}
    if data.get("file"):
        file = OutboundFile.from_json(data["file"])
    else:
        refs = [a for a in data.get("attachments", []) if _token(str(a.get("url", "")))]
        if not refs:
            return None
        first = refs[0]
        file = OutboundFile(
            token=_token(str(first["url"])) or "",
            name=str(first.get("name") or "файл"),
            mime_type=str(first.get("mime_type") or ""),
            size=int(first.get("size") or 0),
        )
    return {
        "url": public_path(file),
        "name": file.name,
        "size": file.size,
        "picture": file.mime_type in INLINE_TYPES,
    }


FILE_REF = "file:"
"""How a message's :class:`~bot.events.Attachment` refers to a file kept here."""

UNLINKED_KEEP = timedelta(days=1)
"""A visitor's file whose message was never processed (a duplicate upload) is deleted after."""


def _token(ref: str) -> str | None:
    return ref.removeprefix(FILE_REF) if ref.startswith(FILE_REF) else None


def attachment(file: OutboundFile) -> Attachment:
    """A visitor's stored file as their message carries it."""
    kind = "photo" if file.mime_type in INLINE_TYPES else "document"
    return Attachment(kind, FILE_REF + file.token, file.name, file.mime_type, file.size)


async def link(session: AsyncSession, event: Inbound, conversation_id: int) -> None:
    """Attach the files a visitor's message refers to to its conversation (so erasure and
    retention find them). Only the uploader's own files: a token seen elsewhere links
    nothing."""
    tokens = [t for a in event.attachments if (t := _token(a.url))]
    if not tokens:
        return
    await session.execute(
        update(StoredFile)
        .where(
            StoredFile.token.in_(tokens),
            StoredFile.conversation_id.is_(None),
            StoredFile.uploader == f"{event.channel}:{event.user_id}",
        )
        .values(conversation_id=conversation_id)
    )


async def read_ref(session: AsyncSession, ref: str) -> tuple[bytes, str] | None:
    """``(content, mime_type)`` of the file ``file:<token>`` refers to, if it still exists."""
    token = _token(ref)
    if token is None:
        return None
    row = (
        await session.execute(
            select(StoredFile.content, StoredFile.mime_type).where(StoredFile.token == token)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def uploads_since(session: AsyncSession, uploader: str, since: datetime) -> int:
    """How many files ``uploader`` stored after ``since`` (a visitor's hourly quota)."""
    count = await session.scalar(
        select(func.count())
        .select_from(StoredFile)
        .where(StoredFile.uploader == uploader, StoredFile.created_at > since)
    )
    return int(count or 0)


async def prune_unlinked(session: AsyncSession, before: datetime) -> int:
    """Delete visitors' files that no processed message refers to, uploaded before ``before``."""
    result = await session.execute(
        delete(StoredFile).where(
            StoredFile.conversation_id.is_(None), StoredFile.created_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def read_upload(
    request: Request, fields: tuple[str, ...] = ()
) -> tuple[Upload, dict[str, str]]:
    """The ``file`` of a ``multipart/form-data`` request, checked, and the named text fields.

    The body is refused by its declared length before anything is read; a request without
    one is refused too (browsers always send it with a form)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise FileRefused("Ожидается multipart/form-data с полем file.", "bad_content_type")
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise FileRefused("Нужен заголовок Content-Length.", "length_required")
    if int(declared) > MAX_UPLOAD_BODY:
        raise FileRefused(_TOO_LARGE, "file_too_large")
    try:
        async with request.form(max_files=1, max_fields=len(fields) + 2) as form:
            file = form.get("file")
            values = {name: form.get(name) or "" for name in fields}
            if not isinstance(file, UploadFile):
                raise FileRefused("Выберите файл.", "no_file")
            content = await file.read(MAX_UPLOAD_BODY + 1)
            name = file.filename or ""
    except FileRefused:
        raise
    except Exception as exc:  # python-multipart's parse errors, a client gone mid-upload
        raise FileRefused("Файл не удалось принять, попробуйте ещё раз.", "bad_upload") from exc
    return check_upload(name, content), {k: v for k, v in values.items() if isinstance(v, str)}


class DbFileStore:
    """:class:`~bot.channels.base.FileStore` over the ``files`` table."""

    def __init__(self, db: Database, public_url: str | None = None) -> None:
        self.db = db
        self.base = public_url.rstrip("/") if public_url else None

    async def read(self, token: str) -> bytes | None:
        async with self.db.read() as session:
            content: bytes | None = await session.scalar(
                select(StoredFile.content).where(StoredFile.token == token)
            )
        return content

    def public_url(self, file: OutboundFile) -> str | None:
        # The route finds the file by its token alone; the name is there for the customer (a
        # download keeps it) and for Viber, which wants a picture's URL to end in .jpg/.png.
        return f"{self.base}{public_path(file)}" if self.base else None


def file_routes(db: Database) -> list[BaseRoute]:
    """``GET /files/{token}/{name}``: the file, for whoever holds the token."""

    async def serve(request: Request) -> Response:
        token = request.path_params["token"]
        async with db.read() as session:
            row = await session.scalar(select(StoredFile).where(StoredFile.token == token))
        if row is None:
            return JSONResponse(
                {"error": "not_found", "message": "Файл не найден или удалён."}, status_code=404
            )
        inline = row.mime_type in INLINE_TYPES
        disposition = "inline" if inline else "attachment"
        return Response(
            row.content,
            media_type=row.mime_type if inline else "application/octet-stream",
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.name)}",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, max-age=86400",
                "Referrer-Policy": "no-referrer",
            },
        )

    return [Route("/files/{token}/{name}", serve)]

"""What travels over the Telegram Bot API stand-in's wire: faults, users, what the customer saw,
and how requests are read (JSON, forms, multipart uploads with Telegram's size limits).

Telegram's HTML parse mode is reproduced strictly (:func:`render_html`), so a reply that the real
server would refuse with 400 fails here too. Used by :mod:`tests.standins.telegram`.
"""

from __future__ import annotations

import json
import struct
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request

from tests.standins._server import Fault

DEFAULT_TOKEN = "123456:TEST-stand-in-token"
BOT_ID = 123456
MAX_CAPTION = 1024  # UTF-16 units, after entity parsing
MAX_PHOTO_UPLOAD = 10_000_000  # «10 MB max size for photos» (decimal: the strict reading)
MAX_UPLOAD = 50_000_000  # «50 MB for other files»
_STRING_PARAMS = {
    "text",
    "caption",
    "parse_mode",
    "url",
    "secret_token",
    "callback_query_id",
    "photo",
    "file_id",
    "action",
    "ip_address",
    "document",
}


class TgFault:
    """Canned Telegram error responses."""

    @staticmethod
    def error(code: int, description: str, **parameters: Any) -> Fault:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return Fault(code, body)

    @classmethod
    def too_many_requests(cls, retry_after: int = 2) -> Fault:
        return cls.error(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    @classmethod
    def server_error(cls, code: int = 500) -> Fault:
        return cls.error(code, "Internal Server Error" if code == 500 else "Bad Gateway")

    @classmethod
    def blocked(cls) -> Fault:
        return cls.error(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def chat_not_found(cls) -> Fault:
        return cls.error(400, "Bad Request: chat not found")

    @staticmethod
    def slow(seconds: float) -> Fault:
        """Answer normally, but only after ``seconds`` (to provoke client timeouts)."""
        return Fault(200, None, delay=seconds)


@dataclass(frozen=True, slots=True)
class TgUser:
    id: int
    first_name: str = "Иван"
    last_name: str | None = "Петров"
    username: str | None = None
    language_code: str | None = "ru"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


UserLike = TgUser | int


def _user(user: UserLike) -> TgUser:
    return user if isinstance(user, TgUser) else TgUser(user)


@dataclass(frozen=True, slots=True)
class SeenButton:
    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False  # a reply keyboard's «share my phone number» button


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the bot uploaded in a ``multipart/form-data`` request."""

    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class SeenMessage:
    """One message as the customer saw it.

    A photo or document the bot uploaded has its ``file_name`` and ``content`` (the exact
    bytes); ``text`` is then the rendered caption."""

    message_id: int
    chat_id: int
    text: str  # rendered: entities decoded, tags stripped
    raw: str  # as sent
    kind: str = "text"  # text | photo | document
    photo: str | None = None  # a photo sent by URL (or file_id)
    keyboard: str | None = None  # inline | reply | remove (ReplyKeyboardRemove) | None
    # Sent with ReplyKeyboardRemove: the reply keyboard went away then, even if an inline
    # keyboard was put on the message afterwards (``keyboard`` is the markup as it is now)
    removed_reply_keyboard: bool = False
    buttons: tuple[tuple[SeenButton, ...], ...] = ()
    file_name: str | None = None  # an uploaded photo/document
    content: bytes | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def button_titles(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    @property
    def button_rows(self) -> list[list[str]]:
        return [[b.text for b in row] for row in self.buttons]


class HtmlError(ValueError):
    pass


class _TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode, strict like the real server."""

    TAGS: ClassVar[set[str]] = {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
    ENTITIES: ClassVar[dict[str, str]] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.TAGS:
            raise HtmlError(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise HtmlError(f'Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if any(ch in data for ch in "<>&"):
            raise HtmlError("Unexpected character; <, > and & must be escaped")
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in self.ENTITIES:
            raise HtmlError(f'Unsupported HTML entity "&{name};"')
        self.out.append(self.ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        self.out.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def render_html(raw: str) -> str:
    parser = _TelegramHtml()
    parser.feed(raw)
    parser.close()
    if parser.rawdata:
        raise HtmlError("Unexpected end of input")
    if parser.stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.out)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


async def read_params(request: Request) -> tuple[dict[str, Any], int]:
    """Parameters as Telegram reads them, and the body size: query string, JSON, a form, or a
    multipart form (how python-telegram-bot uploads an ``InputFile``; a file part becomes an
    :class:`Upload` with its exact bytes and file name)."""
    body = await request.body()
    params: dict[str, Any] = dict(request.query_params)
    ctype = request.headers.get("content-type", "")
    if "json" in ctype and body:
        params.update(json.loads(body))
    elif ctype.startswith("multipart/form-data"):
        async with request.form(max_part_size=MAX_UPLOAD) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    params[key] = Upload(
                        value.filename or "",
                        await value.read(),
                        value.content_type or "application/octet-stream",
                    )
                else:
                    params[key] = _form_value(key, value)
    elif body:
        for key, value in parse_qsl(body.decode(), keep_blank_values=True):
            params[key] = _form_value(key, value)
    return params, len(body)


def _form_value(key: str, value: str) -> Any:
    """Form fields carry JSON (numbers, booleans, reply_markup) except plain strings."""
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def check_upload(params: dict[str, Any], field: str, limit: int) -> Upload | None:
    """The file uploaded in ``field`` (None: sent by URL or file_id), within Telegram's limits:
    empty → 400, over ``limit`` (a photo's 10 MB) → 400, over 50 MB → 413."""
    value = params.get(field)
    if value is None or value == "":
        raise _ApiError(400, f"Bad Request: there is no {field} in the request")
    if not isinstance(value, Upload):
        return None
    if not value.content:
        raise _ApiError(400, "Bad Request: file must be non-empty")
    if len(value.content) > MAX_UPLOAD:
        raise _ApiError(413, "Request Entity Too Large")
    if len(value.content) > limit:
        raise _ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
    return value


def check_photo_dimensions(upload: Upload) -> None:
    """Telegram's rule for a photo: width + height at most 10000, sides at most 1:20. Checked
    for PNGs, whose size is in the header (other uploads pass)."""
    head = upload.content[:24]
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return
    width, height = struct.unpack(">II", head[16:24])
    if width + height > 10_000 or max(width, height) > 20 * max(min(width, height), 1):
        raise _ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")

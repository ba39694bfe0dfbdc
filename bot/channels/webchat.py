"""The web chat: a page anyone can open to talk to the bot, no messenger needed.

The browser holds a visitor id signed by the server (so nobody can read another visitor's
history by guessing ids), posts messages, and long-polls for new ones. Replies are already in
the ``messages`` table when the outbox "sends" them; :meth:`WebChatChannel.send` only wakes
the visitor's long-poll.

A visitor can attach a photo or a document (``POST /webchat/api/upload``, the same checks as
an operator's file, :mod:`bot.files`); it is kept in the database and the message refers to it
as ``file:<token>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import files
from bot.bus import CLOSING, Bus, BusEvent
from bot.channels._common import BodyTooLarge, parse_json, read_body
from bot.channels.base import Capabilities, Channel, InboundHandler, PermanentError
from bot.events import Inbound, InboundKind, Outbound
from bot.files import file_view
from bot.ownership import Owner
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Conversation, Identity, Message, Operator, utcnow
from bot.web import embed

NAME = "webchat"
MAX_TEXT = 4000
MAX_BODY = 64 * 1024
TYPING_EVERY = 3.0  # seconds between two «Клиент печатает…» signals of one visitor


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


class SentMessage(BaseModel):
    """What ``chat.js`` posts to ``/webchat/api/send`` (besides ``visitor`` and ``token``).

    Strict: a number, a list or an object where a string belongs is refused (400 ``bad_field``),
    not turned into its Python spelling in the conversation («[{'a': 1}]»)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    text: str | None = None
    payload: str | None = None  # a button pressed (its title is ``title``)
    title: str | None = None
    start: bool | None = None  # the chat was opened: the greeting, no text
    id: str | None = None  # the client's id of this message, the dedupe key when resent
    name: str | None = None
    page: str | None = None  # the company site's page the chat is on (``/widget.js``)
    page_title: str | None = None


class WebChatChannel(Channel):
    name = NAME
    capabilities = Capabilities(max_text_length=MAX_TEXT, max_buttons=12, inline_buttons=True)

    def __init__(
        self,
        db: Database,
        bus: Bus,
        secret: bytes,
        embed_origins: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        self.db = db
        self.bus = bus
        self.secret = secret
        # The sites that show the chat in their pages (config: channels.webchat.embed_origins),
        # asked at each message: a reload may change them.
        self.embed_origins = embed_origins
        # Files one visitor may send per hour: enough for any real request, and a script
        # cannot fill the database 10 MB at a time.
        self.uploads_per_hour = 20
        self._typing: dict[str, float] = {}  # visitor → when their typing was last passed on
        self.clock = time.monotonic

    async def send(self, chat_id: str, message: Outbound) -> Sequence[str]:
        self.bus.publish(BusEvent("webchat", data={"chat_id": chat_id}))
        return []

    def accepts_files(self) -> bool:
        return True  # the chat shows them from /files/… (bot.files)

    async def download(self, ref: str) -> tuple[bytes, str]:
        """A visitor's file, for the operator console."""
        async with self.db.read() as session:
            found = await files.read_ref(session, ref)
        if found is None:
            raise PermanentError("file not found (erased?)")
        return found

    async def notify_typing(self, chat_id: str) -> None:
        """Wake the visitor's long poll with ``typing: true``: the chat shows «Печатает…»
        until a message arrives or a few seconds pass (as Telegram's chat action does)."""
        self.bus.publish(BusEvent("webchat", data={"chat_id": chat_id, "typing": True}))

    def sign(self, visitor: str) -> str:
        return hmac.new(self.secret, visitor.encode(), hashlib.sha256).hexdigest()[:32]

    def _visitor(self, data: dict[str, Any] | Any) -> str | None:
        visitor = str(data.get("visitor") or "")
        token = str(data.get("token") or "")
        if not visitor or len(visitor) > 64 or not hmac.compare_digest(self.sign(visitor), token):
            return None
        return visitor

    def _page(self, url: object, title: object) -> dict[str, str]:
        """The site's page the visitor writes from, if it is one of the configured sites'."""
        page = embed.page_of(url, title, self.embed_origins())
        return {"page_url": page.url, "page_title": page.title} if page else {}

    def routes(self, on_event: InboundHandler) -> list[BaseRoute]:
        async def session(request: Request) -> Response:
            visitor = secrets.token_urlsafe(16)
            return JSONResponse({"visitor": visitor, "token": self.sign(visitor)})

        async def send(request: Request) -> Response:
            try:  # refused by its length while it streams in: never buffered whole
                body = await read_body(request, MAX_BODY)
            except BodyTooLarge:
                return _error(413, "too_large", "Сообщение слишком длинное.")
            try:
                data = parse_json(body)  # also: nested too deep, lone surrogates replaced
                if not isinstance(data, dict):
                    raise ValueError
            except ValueError:
                return _error(400, "bad_json", "Некорректный запрос.")
            visitor = self._visitor(data)
            if visitor is None:
                return _error(403, "bad_token", "Сессия чата недействительна, обновите страницу.")
            try:
                sent = SentMessage.model_validate(data)
            except ValidationError as exc:
                field = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "?"
                return _error(400, "bad_field", f"Некорректный запрос: поле «{field}».")
            text, payload = sent.text or "", sent.payload
            if len(text) > MAX_TEXT:
                return _error(
                    413,
                    "too_long",
                    f"Сообщение длиннее {MAX_TEXT} символов — разбейте его, пожалуйста.",
                )
            if payload:
                kind = InboundKind.BUTTON
            elif sent.start:
                kind = InboundKind.START
            else:
                kind = InboundKind.TEXT
            if kind is InboundKind.TEXT and not text.strip():
                return _error(400, "empty", "Пустое сообщение.")
            await on_event(
                _inbound(
                    visitor,
                    sent.id,
                    sent.name,
                    kind=kind,
                    text=text if kind is not InboundKind.BUTTON else sent.title or "",
                    payload=payload or None,
                    **self._page(sent.page, sent.page_title),
                )
            )
            return JSONResponse({"ok": True}, status_code=202)

        async def upload(request: Request) -> Response:
            visitor = self._visitor(request.query_params)  # before a byte of the body is read
            if visitor is None:
                return _error(403, "bad_token", "Сессия чата недействительна, обновите страницу.")
            try:
                stored, fields = await files.read_upload(
                    request, ("id", "text", "name", "page", "page_title")
                )
            except files.FileRefused as exc:
                status = 413 if exc.code == "file_too_large" else 400
                return _error(status, exc.code, str(exc))
            text = fields.get("text", "").strip()
            if len(text) > MAX_TEXT:
                return _error(413, "too_long", f"Подпись длиннее {MAX_TEXT} символов.")
            uploader = f"{NAME}:{visitor}"
            async with self.db.write() as session:
                hour_ago = utcnow() - timedelta(hours=1)
                if await files.uploads_since(session, uploader, hour_ago) >= self.uploads_per_hour:
                    return _error(
                        429,
                        "too_many_files",
                        "Слишком много файлов за час. Опишите, пожалуйста, словами — "
                        "или пришлите файл чуть позже.",
                    )
                file = files.store(session, stored, conversation_id=None, uploader=uploader)
            await on_event(
                _inbound(
                    visitor,
                    fields.get("id"),
                    fields.get("name"),
                    kind=InboundKind.TEXT if text else InboundKind.ATTACHMENT,
                    text=text,
                    attachments=(files.attachment(file),),
                    **self._page(fields.get("page"), fields.get("page_title")),
                )
            )
            return JSONResponse({"ok": True}, status_code=202)

        async def typing(request: Request) -> Response:
            """The visitor is typing: an operator who has the conversation sees «Клиент
            печатает…». Passed on at most every :data:`TYPING_EVERY` seconds per visitor, and
            only while a person has (or is about to get) the conversation."""
            try:
                body = await read_body(request, 4096)
                data = parse_json(body)
            except BodyTooLarge:
                return _error(413, "too_large", "Слишком большой запрос.")
            except ValueError:
                return _error(400, "bad_json", "Некорректный запрос.")
            visitor = self._visitor(data if isinstance(data, dict) else {})
            if visitor is None:
                return _error(403, "bad_token", "Сессия чата недействительна, обновите страницу.")
            now = self.clock()
            if now - self._typing.get(visitor, -TYPING_EVERY) < TYPING_EVERY:
                return JSONResponse({"ok": True, "sent": False}, status_code=202)
            async with self.db.read() as session:
                found = await repo.conversation_with_person(session, NAME, visitor)
            if found is None:
                return JSONResponse({"ok": True, "sent": False}, status_code=202)
            if len(self._typing) > 10_000:  # forget the oldest half, never grow without bound
                for old in sorted(self._typing, key=self._typing.__getitem__)[:5_000]:
                    del self._typing[old]
            self._typing[visitor] = now
            self.bus.publish(BusEvent("customer_typing", found[0], found[1]))
            return JSONResponse({"ok": True, "sent": True}, status_code=202)

        async def messages(request: Request) -> Response:
            visitor = self._visitor(request.query_params)
            if visitor is None:
                return _error(403, "bad_token", "Сессия чата недействительна, обновите страницу.")
            try:
                after = int(request.query_params.get("after", "0"))
                wait = min(float(request.query_params.get("wait", "0")), 25.0)
            except ValueError:
                return _error(400, "bad_query", "Некорректный запрос.")
            typing = False
            with self.bus.subscribe() as queue:
                customer_id, rows = await self._history(visitor, after)
                if not rows and wait > 0:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(wait):
                            woke = await self._wait_for(queue, visitor, customer_id)
                            typing = bool(woke.data.get("typing"))
                    customer_id, rows = await self._history(visitor, after)
            return JSONResponse(
                {
                    "messages": rows,
                    "typing": typing and not rows,
                    "operator_in_chat": await self._operator_in_chat(customer_id),
                }
            )

        return [
            Route("/webchat/api/session", session, methods=["POST"]),
            Route("/webchat/api/send", send, methods=["POST"]),
            Route("/webchat/api/upload", upload, methods=["POST"]),
            Route("/webchat/api/typing", typing, methods=["POST"]),
            Route("/webchat/api/messages", messages, methods=["GET"]),
        ]

    async def _wait_for(
        self, queue: asyncio.Queue[BusEvent], visitor: str, customer_id: int | None
    ) -> BusEvent:
        """Until something new may be in the visitor's history: a reply sent to them, or a
        message of theirs processed — also one that gets no reply (a person owns the
        conversation), which must not wait for the poll's timeout to show up in the chat.
        A visitor not yet known as a customer wakes on their own first message. A person
        taking or leaving the conversation wakes it too, with no message (taking by hand while
        «Не на месте» says nothing): the header names who is in the chat."""
        while True:
            event = await queue.get()
            if event.kind == "webchat" and event.data.get("chat_id") == visitor:
                return event
            if event.kind == CLOSING.kind:  # the server stops: answer now, the chat polls again
                return event
            if event.kind in ("assignment", "transition"):
                if customer_id is not None and event.customer_id == customer_id:
                    return event
                continue
            if event.kind != "message":
                continue
            if customer_id is not None and event.customer_id == customer_id:
                return event
            if event.data.get("channel") == NAME and event.data.get("user_id") == visitor:
                return event

    async def _operator_in_chat(self, customer_id: int | None) -> str | None:
        """The name of the person who has this visitor's conversation now, if one has it
        (whatever their status: an operator «Не на месте» may take and answer a conversation).

        The chat's header says «Оператор Анна в чате» then, not the team's availability."""
        if customer_id is None:
            return None
        async with self.db.read() as session:
            name = await session.scalar(
                select(Operator.display_name)
                .join(Conversation, Conversation.operator_id == Operator.id)
                .where(
                    Conversation.customer_id == customer_id,
                    Conversation.owner == Owner.OPERATOR.value,
                )
                .order_by(Conversation.id.desc())
                .limit(1)
            )
        return str(name) if name else None

    async def _history(self, visitor: str, after: int) -> tuple[int | None, list[dict[str, Any]]]:
        async with self.db.read() as session:
            customer_id = await session.scalar(
                select(Identity.customer_id).where(
                    Identity.channel == NAME, Identity.user_id == visitor
                )
            )
            if customer_id is None:
                return None, []
            rows = (
                await session.scalars(
                    select(Message)
                    .where(
                        Message.customer_id == customer_id,
                        Message.id > after,
                        Message.kind == "message",
                    )
                    .order_by(Message.id)
                    .limit(200)
                )
            ).all()
            ids = {m.operator_id for m in rows if m.operator_id}
            names: dict[int, str] = {}
            if ids:
                found = await session.execute(
                    select(Operator.id, Operator.display_name).where(Operator.id.in_(ids))
                )
                names = {operator_id: name for operator_id, name in found.all()}
        shown = []
        for m in rows:
            file = file_view(m.data)
            if not (m.text or m.direction == "out" or file):
                continue  # the chat's silent «start» is no bubble
            shown.append(
                {
                    "id": m.id,
                    "author": m.author,
                    "operator": names.get(m.operator_id or 0),  # «Оператор Анна» over it
                    "text": m.text,
                    "channel": m.channel,
                    "buttons": (m.data or {}).get("buttons", []) if m.direction == "out" else [],
                    "file": file,
                    "at": m.created_at.isoformat(),
                }
            )
        return customer_id, shown


def _inbound(visitor: str, client_id: Any, name: Any, **what: Any) -> Inbound:
    """The visitor's event; the client's id (kept when chat.js resends) is the dedupe key."""
    client = str(client_id or secrets.token_hex(8))[:64]
    return Inbound(
        channel=NAME,
        external_id=f"{visitor}:{client}",
        user_id=visitor,
        chat_id=visitor,
        display_name=str(name or "")[:100] or None,
        **what,
    )

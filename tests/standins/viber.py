"""A Viber REST API stand-in: a real HTTP server that aioviberbot talks to.

Usage::

    async with ViberStandIn.running() as vb:
        channel = ViberChannel(ViberSettings(token=vb.token, api_url=vb.api_url, ...))
        await channel.send(user_id, Outbound("Привет"))
        assert vb.texts(user_id) == ["Привет"]

Serves ``/pa/{method}`` for send_message, set_webhook, get_account_info and
get_user_details. Requires the ``X-Viber-Auth-Token`` header (status 2 otherwise, as Viber
answers), rejects bodies over 30 KB, texts over 7000 characters and malformed keyboards
(status 3), and answers status 6 for users marked with :meth:`ViberStandIn.unsubscribe`.
Picture, video and file messages need ``media`` (status 4); a file message also ``size`` and
``file_name`` (status 4 if missing, 3 if not a positive size, over 50 MB or a name over 256
characters).

Like Viber's servers, the stand-in fetches a media message's ``media`` URL over HTTP before it
answers: the bytes land in the message's ``content`` (or the reason in ``fetch_error``), so a
test can check the customer got the exact file. It only reaches hosts on this machine (other
URLs are recorded as not fetched), unless ``vb.media_transport`` is set, e.g. to an
``httpx.ASGITransport`` into the app that serves the files.

What the customer saw: :meth:`ViberStandIn.sent_to` lists each user's messages in order with
text, media (with ``file_name``, ``size``, fetched ``content``) and keyboard buttons. Every
call is in ``vb.calls`` (with body ``size``).

Faults: ``vb.fail_next("send_message", ViberFault.status(12))``, ``ViberFault.http(500)``.

Callbacks: ``vb.message_event(user, text)``, ``button_event``, ``contact_event``,
``picture_event``, ``conversation_started``, ``subscribed``, ``unsubscribed``, ``delivered``,
``seen``, ``failed``, ``webhook_event`` return a :class:`SignedCallback` (raw body + signature
headers, signed with :func:`sign`); ``await vb.deliver(cb, client)`` POSTs one to the webhook.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.standins._server import Fault, StandIn

DEFAULT_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
MAX_BODY = 30 * 1024
MAX_FILE_SIZE = 50_000_000  # a file message's «50 MB»
MAX_FILE_NAME = 256
MEDIA_TYPES = frozenset({"picture", "video", "file"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
STATUS_MESSAGES = {
    0: "ok",
    1: "invalidUrl",
    2: "invalidAuthToken",
    3: "badData",
    4: "missingData",
    5: "receiverNotRegistered",
    6: "receiverNotSubscribed",
    7: "publicAccountBlocked",
    12: "tooManyRequests",
}


def sign(body: bytes, token: str) -> str:
    """``X-Viber-Content-Signature``: hex HMAC-SHA256 of the raw body keyed by the token."""
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


class ViberFault:
    """Canned Viber failures."""

    @staticmethod
    def status(code: int, message: str | None = None) -> Fault:
        return Fault(
            200, {"status": code, "status_message": message or STATUS_MESSAGES.get(code, "error")}
        )

    @staticmethod
    def http(code: int = 500) -> Fault:
        return Fault(code, {"error": "internal"})

    @staticmethod
    def slow(seconds: float) -> Fault:
        return Fault(200, None, delay=seconds)


@dataclass(frozen=True, slots=True)
class ViberUser:
    id: str
    name: str = "Мария"
    language: str = "ru"
    country: str = "RU"
    api_version: int = 10

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "avatar": "https://avatar.example/1.jpg",
            "language": self.language,
            "country": self.country,
            "api_version": self.api_version,
        }


UserLike = ViberUser | str


def _user(user: UserLike) -> ViberUser:
    return user if isinstance(user, ViberUser) else ViberUser(user)


@dataclass(frozen=True, slots=True)
class SignedCallback:
    event: str
    body: bytes
    signature: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Viber-Content-Signature": self.signature, "Content-Type": "application/json"}

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass(frozen=True, slots=True)
class SeenButton:
    text: str  # as displayed (HTML entities decoded)
    action_type: str
    action_body: str
    columns: int = 6  # of the keyboard row's 6


@dataclass(frozen=True, slots=True)
class SeenMessage:
    """One message as the customer saw it.

    For a picture or file, ``content`` is what Viber fetched from ``media`` (the exact bytes
    the customer gets), or ``fetch_error`` says why it could not."""

    token: int
    user_id: str
    type: str
    text: str
    media: str | None = None
    sender: str | None = None
    buttons: tuple[SeenButton, ...] = ()
    file_name: str | None = None  # a file message's
    size: int | None = None  # a file message's declared size
    content: bytes | None = None
    fetch_error: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def button_titles(self) -> list[str]:
        return [b.text for b in self.buttons]

    @property
    def button_rows(self) -> list[list[str]]:
        """Titles as the keyboard shows them: a row is 6 columns, buttons fill it in order."""
        rows: list[list[str]] = []
        used = 6
        for b in self.buttons:
            if used + b.columns > 6:
                rows.append([])
                used = 0
            rows[-1].append(b.text)
            used += b.columns
        return rows


class _ApiError(Exception):
    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message or STATUS_MESSAGES.get(status, "error")


class ViberStandIn(StandIn):
    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.webhook: dict[str, Any] | None = None
        self.unsubscribed_users: set[str] = set()
        self.missing_header_calls = 0
        self._seen: dict[str, list[SeenMessage]] = {}
        self._tokens = itertools.count(5_000_000_000_000_000_001)
        # Media URLs are fetched through this transport when set (e.g. an ASGITransport into
        # the app under test); otherwise over real HTTP, from hosts on this machine only.
        self.media_transport: httpx.AsyncBaseTransport | None = None

    @property
    def api_url(self) -> str:
        """``ViberSettings.api_url`` for this stand-in."""
        return f"{self.base_url}/pa"

    def sent_to(self, user_id: str) -> list[SeenMessage]:
        return list(self._seen.get(user_id, []))

    def texts(self, user_id: str) -> list[str]:
        return [m.text for m in self.sent_to(user_id)]

    def unsubscribe(self, user_id: str) -> None:
        self.unsubscribed_users.add(user_id)

    async def wait_sent(self, user_id: str, count: int, within: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.sent_to(user_id)) >= count, within)

    # -- callbacks -------------------------------------------------------------------------------

    def _callback(self, event: str, **fields: Any) -> SignedCallback:
        data = {
            "event": event,
            "timestamp": int(time.time() * 1000),
            "chat_hostname": "SN-CHAT-01_",
            **fields,
        }
        if "message_token" not in data:
            data["message_token"] = next(self._tokens)
        body = json.dumps(data, ensure_ascii=False).encode()
        return SignedCallback(event, body, sign(body, self.token))

    def message_event(self, user: UserLike, text: str) -> SignedCallback:
        return self._callback(
            "message",
            sender=_user(user).to_json(),
            message={"type": "text", "text": text},
            silent=False,
        )

    def button_event(self, user: UserLike, action_body: str) -> SignedCallback:
        """A reply-button press: Viber sends the button's ActionBody as a text message."""
        return self.message_event(user, action_body)

    def contact_event(self, user: UserLike, phone: str = "+7 912 345-67-89") -> SignedCallback:
        u = _user(user)
        return self._callback(
            "message",
            sender=u.to_json(),
            message={"type": "contact", "contact": {"name": u.name, "phone_number": phone}},
        )

    def picture_event(
        self, user: UserLike, media: str = "https://media.example/p.jpg", caption: str = ""
    ) -> SignedCallback:
        return self._callback(
            "message",
            sender=_user(user).to_json(),
            message={
                "type": "picture",
                "media": media,
                "text": caption,
                "file_name": "p.jpg",
                "size": 1234,
            },
        )

    def sticker_event(self, user: UserLike, sticker_id: int = 40133) -> SignedCallback:
        """A sticker: Viber gives its id and picture, never what it means."""
        return self._callback(
            "message",
            sender=_user(user).to_json(),
            message={
                "type": "sticker",
                "sticker_id": sticker_id,
                "media": f"https://media.example/stickers/{sticker_id}.png",
            },
        )

    def file_event(
        self,
        user: UserLike,
        media: str = "https://media.example/f.pdf",
        name: str = "акт.pdf",
        size: int = 2048,
    ) -> SignedCallback:
        return self._callback(
            "message",
            sender=_user(user).to_json(),
            message={"type": "file", "media": media, "file_name": name, "size": size},
        )

    def conversation_started(
        self, user: UserLike, context: str | None = None, subscribed: bool = False
    ) -> SignedCallback:
        fields: dict[str, Any] = {
            "type": "open",
            "user": _user(user).to_json(),
            "subscribed": subscribed,
        }
        if context is not None:
            fields["context"] = context
        return self._callback("conversation_started", **fields)

    def subscribed(self, user: UserLike, *, timestamp: int | None = None) -> SignedCallback:
        """``timestamp``: when Viber says it happened (ms), now by default."""
        extra = {"timestamp": timestamp} if timestamp is not None else {}
        return self._callback("subscribed", user=_user(user).to_json(), **extra)

    def unsubscribed(self, user_id: str, *, timestamp: int | None = None) -> SignedCallback:
        extra = {"timestamp": timestamp} if timestamp is not None else {}
        return self._callback("unsubscribed", user_id=user_id, **extra)

    def location_event(
        self, user: UserLike, lat: float = 59.939095, lon: float = 30.315868
    ) -> SignedCallback:
        return self._callback(
            "message",
            sender=_user(user).to_json(),
            message={"type": "location", "location": {"lat": lat, "lon": lon}},
        )

    def delivered(self, user_id: str, message_token: int) -> SignedCallback:
        return self._callback("delivered", user_id=user_id, message_token=message_token)

    def seen(self, user_id: str, message_token: int) -> SignedCallback:
        return self._callback("seen", user_id=user_id, message_token=message_token)

    def failed(self, user_id: str, message_token: int, desc: str = "failure") -> SignedCallback:
        return self._callback("failed", user_id=user_id, message_token=message_token, desc=desc)

    def webhook_event(self) -> SignedCallback:
        return self._callback("webhook")

    async def deliver(
        self, callback: SignedCallback, client: httpx.AsyncClient | None = None
    ) -> httpx.Response:
        """POST a callback to the registered webhook (path only when ``client`` is given)."""
        if self.webhook is None:
            raise RuntimeError("no webhook registered (set_webhook was not called)")
        url = str(self.webhook["url"])
        if client is None:
            async with httpx.AsyncClient() as own:
                return await own.post(url, content=callback.body, headers=callback.headers)
        return await client.post(
            httpx.URL(url).path, content=callback.body, headers=callback.headers
        )

    # -- HTTP ------------------------------------------------------------------------------------

    def build_app(self) -> Starlette:
        return Starlette(routes=[Route("/pa/{method}", self._api, methods=["POST"])])

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        body = await request.body()
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            return JSONResponse({"status": 3, "status_message": "badData"})
        self.record(method, params, len(body))
        header = request.headers.get("x-viber-auth-token")
        if header is None:
            self.missing_header_calls += 1
        if header != self.token:
            return JSONResponse({"status": 2, "status_message": "invalidAuthToken"})
        fault = self.take_fault(method)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.body is not None:
                return JSONResponse(fault.body, status_code=fault.status)
        if len(body) > MAX_BODY:
            return JSONResponse({"status": 3, "status_message": "Request body exceeds 30KB"})
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return JSONResponse({"status": 3, "status_message": "unknown method"}, status_code=404)
        try:
            result = await handler(params)
        except _ApiError as exc:
            return JSONResponse({"status": exc.status, "status_message": exc.message})
        return JSONResponse({"status": 0, "status_message": "ok", **result})

    async def _m_set_webhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = params if params.get("url") else None
        events = params.get("event_types") or [
            "delivered",
            "seen",
            "failed",
            "subscribed",
            "unsubscribed",
            "conversation_started",
        ]
        return {"event_types": events}

    async def _m_get_account_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "pa:1",
            "name": "Zabota",
            "uri": "zabota",
            "category": "Services",
            "webhook": (self.webhook or {}).get("url", ""),
            "subscribers_count": 1,
        }

    async def _m_get_user_details(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"user": _user(str(params.get("id"))).to_json()}

    @staticmethod
    def _keyboard(keyboard: Any) -> tuple[SeenButton, ...]:
        if keyboard is None:
            return ()
        if keyboard.get("Type") != "keyboard" or not 1 <= len(keyboard.get("Buttons") or []) <= 24:
            raise _ApiError(3, "keyboard is not valid")
        seen = []
        used = 0
        for b in keyboard["Buttons"]:
            columns = b.get("Columns", 6)
            if not isinstance(columns, int) or not 1 <= columns <= 6:
                raise _ApiError(3, "keyboard: Columns must be 1..6")
            # Viber wraps a button that does not fit the row; a row left part-empty shows a
            # ragged keyboard, so (as we lay keyboards out) every row must add up to 6 columns.
            if used + columns > 6:
                raise _ApiError(3, "keyboard: a row's Columns must add up to 6")
            used = (used + columns) % 6
            if b.get("ActionType", "reply") not in {
                "reply",
                "open-url",
                "share-phone",
                "location-picker",
                "none",
            }:
                raise _ApiError(3, "keyboard: bad ActionType")
            if not b.get("ActionBody"):
                raise _ApiError(3, "keyboard: ActionBody is required")
            seen.append(
                SeenButton(
                    html.unescape(str(b.get("Text", ""))),
                    b.get("ActionType", "reply"),
                    str(b["ActionBody"]),
                    columns,
                )
            )
        if used:
            raise _ApiError(3, "keyboard: a row's Columns must add up to 6")
        return tuple(seen)

    async def _m_send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        receiver = params.get("receiver")
        if not receiver:
            raise _ApiError(4, "missing receiver")
        buttons = (params.get("keyboard") or {}).get("Buttons") or []
        if any(b.get("ActionType") == "share-phone" for b in buttons) and not (
            int(params.get("min_api_version") or 1) >= 3
        ):
            raise _ApiError(3, "keyboard: share-phone needs min_api_version 3")
        if receiver in self.unsubscribed_users:
            raise _ApiError(6)
        kind = params.get("type")
        text = str(params.get("text") or "")
        if kind == "text" and not text:
            raise _ApiError(3, "text is empty")
        if len(text) > 7000:
            raise _ApiError(3, "text is too long")
        if kind in MEDIA_TYPES and not params.get("media"):
            raise _ApiError(4, "media is missing")
        if kind == "file":
            self._check_file(params)
        buttons = self._keyboard(params.get("keyboard"))
        content, fetch_error = None, None
        if kind in MEDIA_TYPES:
            content, fetch_error = await self._fetch(str(params["media"]))
        token = next(self._tokens)
        seen = SeenMessage(
            token,
            receiver,
            str(kind),
            text,
            params.get("media"),
            (params.get("sender") or {}).get("name"),
            buttons,
            file_name=params.get("file_name"),
            size=params.get("size"),
            content=content,
            fetch_error=fetch_error,
        )
        self._seen.setdefault(receiver, []).append(seen)
        self.changes.notify()
        return {"message_token": token, "chat_hostname": "SN-CHAT-01_"}

    @staticmethod
    def _check_file(params: dict[str, Any]) -> None:
        """A file message needs its size and name (with an extension), within Viber's limits."""
        size, name = params.get("size"), params.get("file_name")
        if size is None or not name:
            raise _ApiError(4, "size and file_name are required")
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise _ApiError(3, "size is not valid")
        if size > MAX_FILE_SIZE:
            raise _ApiError(3, "file is too big")
        if not isinstance(name, str) or len(name) > MAX_FILE_NAME:
            raise _ApiError(3, "file_name is not valid")

    async def _fetch(self, url: str) -> tuple[bytes | None, str | None]:
        """Download ``media`` as Viber's servers do; ``(content, None)`` or ``(None, why)``."""
        try:
            host = httpx.URL(url).host
        except httpx.InvalidURL as exc:
            return None, f"InvalidURL: {exc}"
        if self.media_transport is None and host not in LOOPBACK:
            return None, f"not fetched: {host or url!r} is not on this machine"
        try:
            async with httpx.AsyncClient(transport=self.media_transport, timeout=10) as client:
                response = await client.get(url)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        if response.status_code != 200:
            return None, f"HTTP {response.status_code}"
        return response.content, None

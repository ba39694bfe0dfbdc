"""Viber adapter on aioviberbot 0.7 (async port of the official ``viberbot``).

Chosen over ``viberbot`` because that one calls blocking ``requests.post`` without a timeout
inside the event loop. aioviberbot stays behind this module: the rest of the code sees only
:class:`~bot.events.Inbound` / :class:`~bot.events.Outbound` and our error tree.

Operators' files (:class:`~bot.events.OutboundFile`) go by URL (Viber fetches media itself):
``file_store.public_url``, so they need ``ZABOTA_PUBLIC_URL``; a JPEG/PNG up to 1 MB as a
picture, anything else as a file message.

Library quirks handled here:

* the API URL is hard-coded (``consts.VIBER_BOT_API_URL``): overridden in :meth:`_api_client`;
* it puts ``auth_token`` only in the JSON body; Viber's REST API documents the
  ``X-Viber-Auth-Token`` header, so our own ``aiohttp.ClientSession`` sends it by default;
* aiohttp's default ``json.dumps`` escapes non-ASCII (Cyrillic triples in size against the
  30 KB body limit): our session serializes UTF-8;
* on errors it logs the full request payload (personal data, even the token) at ERROR:
  its logger is muted and we log a sanitized line instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aioviberbot import Api, BotConfiguration
from aioviberbot.api.errors import ViberValidationError
from aioviberbot.api.messages import FileMessage, PictureMessage, TextMessage
from aioviberbot.api.viber_requests import create_request
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels._common import BodyTooLarge, error_response, parse_json, read_body
from bot.channels._viber_inbound import CHANNEL, KNOWN_EVENTS, to_inbound
from bot.channels._viber_outbound import (
    MAX_FILE_BYTES,
    MAX_PICTURE_BYTES,
    MAX_TEXT,
    SHARE_PHONE_API,
    build_keyboard,
    dumps,
    map_error,
    picture_caption,
    split_for_viber,
)
from bot.channels.base import (
    Capabilities,
    Channel,
    DeliveryError,
    FileStore,
    InboundHandler,
    PayloadStore,
    PermanentError,
)
from bot.events import Button, Outbound, OutboundFile, split_text
from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/viber"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
WEBHOOK_EVENTS = [
    "delivered",
    "seen",
    "failed",
    "subscribed",
    "unsubscribed",
    "conversation_started",
]


_PROBE = OutboundFile("probe", "probe.png", "image/png", 1)
"""Asks a file store whether it has a public URL at all."""


class _Mute(logging.Filter):
    """Drops aioviberbot's own records: they embed request payloads (personal data)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _mute_library_logger() -> None:
    logger = logging.getLogger("aioviberbot")
    if not any(isinstance(f, _Mute) for f in logger.filters):
        logger.addFilter(_Mute())


@dataclass(frozen=True, slots=True, kw_only=True)
class ViberSettings:
    """How to reach Viber and what to greet customers with.

    ``keyboard_default`` (e.g. «Позвать оператора») is attached to every bot message that has
    no buttons of its own: a Viber keyboard disappears as soon as a message without one arrives.
    A message said while a person is called or has the conversation
    (:attr:`~bot.events.Outbound.person_called`) and an operator's reply get none: the customer
    has a person coming or talking to them already.
    """

    token: str = field(repr=False)
    payload_store: PayloadStore
    bot_name: str
    file_store: FileStore | None = None  # operators' files, fetched by Viber at public_url
    avatar: str | None = None
    api_url: str = "https://chatapi.viber.com/pa"
    webhook_url: str | None = None
    # The conversation_started reply; a function of the deep link's ``context`` (None without
    # one) to answer ``viber://pa?…&context=faq_…`` with that answer, read at each start.
    welcome: Outbound | Callable[[str | None], Outbound | None] | None = None
    keyboard_default: tuple[Button, ...] = ()
    request_timeout: float = 10.0
    retry_after: float = 5.0  # Viber's «too many requests» (status 12) carries no delay


class ViberChannel(Channel):
    """:class:`~bot.channels.base.Channel` for Viber."""

    name = CHANNEL
    capabilities = Capabilities(
        max_text_length=MAX_TEXT,
        max_buttons=24,
        inline_buttons=False,
        per_chat_interval=0.2,
        global_rate=50.0,
    )

    def __init__(self, settings: ViberSettings) -> None:
        _mute_library_logger()
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._api: Any = None
        self._registering: asyncio.Task[None] | None = None
        self.registered = asyncio.Event()  # set once Viber accepted our webhook

    # -- plumbing ----------------------------------------------------------------------------

    def _api_client(self) -> Any:
        """aioviberbot's ``Api`` over our session (created lazily: it needs a running loop)."""
        if self._api is None:
            s = self._settings
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=s.request_timeout),
                headers={"X-Viber-Auth-Token": s.token},
                json_serialize=dumps,
            )
            api = Api(BotConfiguration(s.token, s.bot_name, s.avatar), client_session=self._session)
            # aioviberbot 0.7 hard-codes https://chatapi.viber.com/pa and has no option for it;
            # this private attribute is the ONLY place its URL is overridden.
            api._request_sender._viber_bot_api_url = s.api_url.rstrip("/")
            self._api = api
        return self._api

    def _sender(self) -> dict[str, str]:
        sender = {"name": self._settings.bot_name}
        if self._settings.avatar:
            sender["avatar"] = self._settings.avatar
        return sender

    async def start(self, on_event: InboundHandler) -> None:
        """Register the webhook in the background.

        Viber calls the URL back *during* ``set_webhook`` and refuses it if that call fails, but
        ``start`` runs in the app's startup, before the server accepts connections. So the
        registration is retried with backoff until Viber accepts it (``registered`` is set).
        """
        if not self._settings.webhook_url:
            return
        self._registering = asyncio.create_task(self._register(), name="viber-set-webhook")

    async def _register(self, first_delay: float = 0.2, max_delay: float = 60.0) -> None:
        url = (self._settings.webhook_url or "").rstrip("/") + WEBHOOK_PATH
        delay = first_delay
        while True:
            await asyncio.sleep(delay)
            try:
                await self._api_client().set_webhook(url, webhook_events=WEBHOOK_EVENTS)
            except Exception as exc:
                error = map_error(exc, self._settings.retry_after)
                log.warning("viber set_webhook failed (%s); retrying in %.0f s", error, delay * 2)
                delay = min(delay * 2, max_delay)
                continue
            log.info("viber webhook registered")
            self.registered.set()
            return

    async def stop(self) -> None:
        await cancel_and_wait(self._registering)
        self._registering = None
        if self._session is not None:
            await self._session.close()
        self._session = None
        self._api = None

    # -- incoming ----------------------------------------------------------------------------

    async def _welcome_body(self, context: str | None) -> dict[str, Any] | None:
        """The conversation_started reply, sent in the HTTP response (Viber's only way to
        greet a user who is not subscribed yet: a message sent later is refused, status 6)."""
        welcome = self._settings.welcome
        if callable(welcome):
            welcome = welcome(context)
        if welcome is None or not welcome.text:
            return None
        body: dict[str, Any] = {
            "sender": self._sender(),
            "type": "text",
            "text": split_text(welcome.text, MAX_TEXT)[0],
        }
        keyboard = await build_keyboard(
            welcome.buttons or self._settings.keyboard_default, self._settings.payload_store
        )
        if keyboard:
            body["keyboard"] = keyboard
        return body

    def routes(self, on_event: InboundHandler) -> list[BaseRoute]:
        key = self._settings.token.encode()

        async def webhook(request: Request) -> Response:
            try:
                body = await read_body(request)
            except BodyTooLarge:
                return error_response(413, "body too large")
            given = request.headers.get(SIGNATURE_HEADER, "").encode()
            expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
            if not hmac.compare_digest(given, expected):
                log.warning("viber webhook: bad or missing signature")
                return error_response(403, "forbidden")
            try:
                raw = parse_json(body)  # also: nested too deep, lone surrogates replaced
            except ValueError:
                log.warning("viber webhook: malformed JSON (%d bytes)", len(body))
                return error_response(400, "malformed JSON")
            if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
                return error_response(400, "not a Viber callback")
            event = raw["event"]
            if event not in KNOWN_EVENTS:
                return JSONResponse({"status": 0})  # new event types: ignore, don't retry
            try:
                parsed = create_request(raw)
                inbound = await to_inbound(event, parsed, raw, self._settings.payload_store)
            except ViberValidationError:
                return JSONResponse({"status": 0})  # e.g. an unsupported message type
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                log.warning("viber webhook: unparsable %s (%s)", event, type(exc).__name__)
                return error_response(400, "not a Viber callback")
            if inbound is not None:
                try:
                    await on_event(inbound)
                except Exception:
                    log.exception("viber webhook: handing %s over failed", event)
                    return error_response(500, "internal error")
            if event == "conversation_started":
                context = raw.get("context")
                welcome = await self._welcome_body(context if isinstance(context, str) else None)
                if welcome is not None:
                    return Response(dumps(welcome), media_type="application/json")
            return JSONResponse({"status": 0})

        return [Route(WEBHOOK_PATH, webhook, methods=["POST"], name="viber_webhook")]

    # -- outgoing ----------------------------------------------------------------------------

    def _body_size(self, chat_id: str, message: Any) -> int:
        """Bytes of the request aioviberbot will build for ``message`` (same fields)."""
        payload = {
            **message.to_dict(),
            "receiver": chat_id,
            "sender": self._sender(),
            "auth_token": self._settings.token,
        }
        return len(dumps(payload).encode("utf-8"))

    async def send(self, chat_id: str, message: Outbound) -> Sequence[str]:
        s = self._settings
        api = self._api_client()
        # No «Позвать оператора» once a person is called or has the conversation (the
        # operator's replies, the handoff and queue messages): the customer has one coming.
        called = message.person_called or message.author == "operator"
        default = () if called else s.keyboard_default
        keyboard = await build_keyboard(message.buttons or default, s.payload_store)
        if self._body_size(chat_id, TextMessage(text="", keyboard=keyboard)) > 25_000:
            raise PermanentError("viber keyboard too large for one request")
        chunks = split_for_viber(
            message.text,
            lambda chunk: self._body_size(chat_id, TextMessage(text=chunk, keyboard=keyboard)),
        )
        # A share-phone button (a contact request) needs API version 3 on the message.
        contact = any(b.request_contact for b in message.buttons)
        version = {"min_api_version": SHARE_PHONE_API} if contact else {}
        outgoing: list[Any] = []
        if message.file is not None:
            outgoing.append(self._file_message(message.file, chunks, keyboard, version))
        elif message.image_url:
            caption = picture_caption(chunks)
            outgoing.append(
                PictureMessage(media=message.image_url, text=caption, keyboard=keyboard, **version)
            )
        elif not chunks:
            raise PermanentError("empty message")
        outgoing.extend(TextMessage(text=chunk, keyboard=keyboard, **version) for chunk in chunks)
        tokens: list[str] = []
        try:
            for item in outgoing:
                tokens.extend(str(t) for t in await api.send_messages(chat_id, [item]))
        except Exception as exc:
            error: DeliveryError = map_error(exc, s.retry_after)
            log.info(
                "viber send failed after %d of %d messages: %s", len(tokens), len(outgoing), error
            )
            raise error from exc
        return tokens

    def accepts_files(self) -> bool:
        # Viber fetches files by URL: without a public one the console refuses the upload
        # up front instead of the outbox failing it later.
        files = self._settings.file_store
        return files is not None and files.public_url(_PROBE) is not None

    def _file_message(
        self,
        file: OutboundFile,
        chunks: list[str],
        keyboard: dict[str, Any] | None,
        version: dict[str, int],
    ) -> Any:
        """The operator's file: a picture (taking the caption from ``chunks``) or a file."""
        files = self._settings.file_store
        if files is None:
            raise PermanentError("viber: no file store, files cannot be sent")
        url = files.public_url(file)
        if url is None:
            raise PermanentError("Viber fetches files by URL: set ZABOTA_PUBLIC_URL")
        if file.is_picture and file.size <= MAX_PICTURE_BYTES:
            caption = picture_caption(chunks)
            return PictureMessage(media=url, text=caption, keyboard=keyboard, **version)
        if file.size > MAX_FILE_BYTES:
            raise PermanentError("file over Viber's 50 MB limit")
        # A file message has no text: the caption follows as text messages.
        return FileMessage(
            media=url, size=file.size, file_name=file.name, keyboard=keyboard, **version
        )

    async def download(self, ref: str) -> tuple[bytes, str]:
        """Fetch a media URL Viber gave us (they expire after a while).

        Uses a separate session: the API session's auth header must never reach a media host.
        """
        if not ref.startswith(("https://", "http://")):
            raise PermanentError("not a Viber media URL")
        timeout = aiohttp.ClientTimeout(total=self._settings.request_timeout * 3)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(ref) as response,
            ):
                if 400 <= response.status < 500:
                    raise PermanentError(f"viber media: HTTP {response.status}")
                response.raise_for_status()
                return await response.read(), response.content_type or "application/octet-stream"
        except DeliveryError:
            raise
        except Exception as exc:
            raise map_error(exc, self._settings.retry_after) from exc

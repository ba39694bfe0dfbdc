"""Telegram adapter on python-telegram-bot 22 (used as an HTTP client, not as a framework).

We build a bare :class:`telegram.Bot` rather than an ``Application``: the runtime owns
dispatching, queues and webhooks, so PTB's update queue, handlers, job queue and built-in
webhook server would only sit unused. ``Bot`` still gives us the typed API, ``Update.de_json``,
file downloads and PTB's error classes.

Modes:

* **webhook** (``webhook_url`` set): :meth:`TelegramChannel.start` registers
  ``{webhook_url}/webhooks/telegram`` with a secret token; :meth:`routes` serves it.
* **polling** (no ``webhook_url``): :meth:`start` deletes any webhook and long-polls
  ``getUpdates`` in a background task.

Both feed the same :func:`~bot.channels._telegram_inbound.to_inbound` mapping.

Operators' files (:class:`~bot.events.OutboundFile`) are read through ``file_store`` and
uploaded: a JPEG/PNG up to 10 MB as a photo, anything else as a document.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import mimetypes
import secrets
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram import error as tg_error
from telegram.constants import ChatAction, ParseMode
from telegram.request import HTTPXRequest

from bot.channels._aiohttp_request import AiohttpRequest
from bot.channels._common import (
    BackgroundTasks,
    BodyTooLarge,
    error_response,
    parse_json,
    read_body,
)
from bot.channels._telegram_inbound import ALLOWED_UPDATES, CHANNEL, marked_keyboard, to_inbound
from bot.channels._telegram_outbound import (
    MAX_DOCUMENT_BYTES,
    MAX_PHOTO_BYTES,
    Markup,
    build_markup,
    escape,
    fits_caption,
    map_error,
    removes_keyboard_first,
    retry_seconds,
    split_for_telegram,
)
from bot.channels.base import (
    Capabilities,
    Channel,
    FileStore,
    InboundHandler,
    PayloadStore,
    PermanentError,
    TransientError,
)
from bot.commands import COMMANDS, START_DESCRIPTION
from bot.events import Inbound, Outbound, OutboundFile
from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class BadUpdate(Exception):
    """An update that parses but lacks what its kind always has (a message without its
    chat): answered 400 in webhook mode, skipped when polling — never retried."""


WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One CA bundle load per process instead of one per HTTP client (~40 ms each).

    Shared by the aiohttp send pool and the httpx getUpdates client, so both trust the same CAs.
    """
    return httpx.create_ssl_context()


def _random_secret() -> str:
    return secrets.token_urlsafe(32)  # [A-Za-z0-9_-], as Telegram requires


_NOT_A_PHOTO = ("PHOTO_INVALID_DIMENSIONS", "IMAGE_PROCESS_FAILED", "PHOTO_SAVE_FILE_INVALID")


def _not_a_photo(exc: tg_error.BadRequest) -> bool:
    """Telegram refused the picture as a photo, not the message."""
    return any(reason in str(exc).upper() for reason in _NOT_A_PHOTO)


@dataclass(frozen=True, slots=True)
class _Upload:
    """An operator's file read from the store: sent as a photo or as a document."""

    input_file: InputFile
    is_picture: bool  # a JPEG/PNG within the photo limit


@dataclass(frozen=True, slots=True, kw_only=True)
class TelegramSettings:
    """How to reach Telegram.

    ``secret_token`` defaults to a random value per process: with several processes behind one
    webhook give it explicitly, or only the last process to call ``setWebhook`` accepts updates.
    """

    token: str = field(repr=False)
    payload_store: PayloadStore
    file_store: FileStore | None = None  # where operators' files are read from (None: no files)
    api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    secret_token: str = field(default_factory=_random_secret, repr=False)
    poll_timeout: int = 25  # seconds a getUpdates long-poll may hang
    poll_backoff_max: float = 30.0
    request_timeout: float = 10.0
    connection_pool_size: int = 256
    # Telegram's published limits: about 1 message/s to one chat, 30/s in total (more for
    # replies in practice, and raised on request); config.yml → channels.telegram overrides.
    per_chat_interval: float = 1.0
    global_rate: float = 30.0


class TelegramChannel(Channel):
    """:class:`~bot.channels.base.Channel` for Telegram."""

    name = CHANNEL
    capabilities = Capabilities(
        max_text_length=4096,
        max_buttons=12,
        inline_buttons=True,
        per_chat_interval=1.0,
        global_rate=30.0,
    )

    def __init__(self, settings: TelegramSettings) -> None:
        self._settings = settings
        self.capabilities = dataclasses.replace(
            self.capabilities,
            per_chat_interval=settings.per_chat_interval,
            global_rate=settings.global_rate,
        )
        root = settings.api_url.rstrip("/")
        timeout = settings.request_timeout
        # Sends go through aiohttp: about half the CPU of httpx per call (see that module).
        send_pool = AiohttpRequest(
            ssl_context=_ssl_context(),
            connection_pool_size=settings.connection_pool_size,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        )
        # getUpdates gets its own connection so a hanging long-poll never blocks sends.
        poll_pool = HTTPXRequest(
            httpx_kwargs={"verify": _ssl_context()},
            connection_pool_size=1,
            read_timeout=timeout,
        )
        self._pools = (send_pool, poll_pool)
        self.bot = Bot(
            settings.token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=send_pool,
            get_updates_request=poll_pool,
        )
        self._ready = False
        self._ready_lock = asyncio.Lock()
        self._tasks = BackgroundTasks(log)
        self._poller: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def _ensure_ready(self) -> None:
        """Initialize PTB once (opens the HTTP pools, calls getMe)."""
        if self._ready:
            return
        async with self._ready_lock:
            if not self._ready:
                try:
                    await self.bot.initialize()
                except tg_error.TelegramError as exc:
                    raise map_error(exc) from exc
                self._ready = True

    async def start(self, on_event: InboundHandler) -> None:
        """Register the webhook, or drop it and start long-polling; set the command menu."""
        await self._ensure_ready()
        await self._set_commands()
        s = self._settings
        try:
            if s.webhook_url:
                await self.bot.set_webhook(
                    url=s.webhook_url.rstrip("/") + WEBHOOK_PATH,
                    secret_token=s.secret_token,
                    allowed_updates=ALLOWED_UPDATES,
                )
                log.info("telegram webhook registered")
                return
            await self.bot.delete_webhook(drop_pending_updates=False)
        except tg_error.TelegramError as exc:
            raise map_error(exc) from exc
        self._poller = asyncio.create_task(self._poll(on_event), name="telegram-poller")
        log.info("telegram polling started")

    async def _set_commands(self) -> None:
        """The menu next to the message box: /start, /operator, /help, /link (read as in every
        channel: :mod:`bot.commands`). Cosmetic: a failure is logged and the channel starts
        anyway."""
        commands = [BotCommand("start", START_DESCRIPTION)]
        commands += [BotCommand(name, c.description) for name, c in COMMANDS.items()]
        try:
            await self.bot.set_my_commands(commands)
        except tg_error.TelegramError as exc:
            log.warning("telegram command menu not set: %s", type(exc).__name__)

    async def stop(self) -> None:
        await cancel_and_wait(self._poller)
        self._poller = None
        await self._tasks.drain()
        if self._ready:
            await self.bot.shutdown()
            self._ready = False
        # PTB opens the pools before its getMe and leaves them open when getMe fails.
        for pool in self._pools:
            await pool.shutdown()  # idempotent

    # -- incoming ----------------------------------------------------------------------------

    async def _map(self, update: Update) -> Inbound | None:
        """The update as an event; None if it is ignored. Raises :class:`BadUpdate` when
        the update lacks what every update of its kind has (a message without its chat)."""
        if update.callback_query is not None:
            # Always answer, so the button stops spinning; don't hold the ack for it.
            self._tasks.spawn(
                self.bot.answer_callback_query(update.callback_query.id),
                "answerCallbackQuery",
            )
            self._mark_pressed(update.callback_query)
        try:
            return await to_inbound(update, self._settings.payload_store)
        except (AttributeError, KeyError, TypeError) as exc:
            # A shape PTB parsed but we cannot map. (A failing payload store raises others:
            # a handover failure, retried.)
            raise BadUpdate(type(exc).__name__) from exc

    def _mark_pressed(self, query: CallbackQuery) -> None:
        """«✓» on the pressed button (a cosmetic edit: not retried, never holds the ack)."""
        marked = marked_keyboard(query)
        message = query.message
        if marked is None or message is None:
            return
        self._tasks.spawn(
            self.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=marked
            ),
            "editMessageReplyMarkup",
        )

    async def _handle_update(self, update: Update, on_event: InboundHandler) -> bool:
        """Map and hand over one update; False if it was ignored."""
        inbound = await self._map(update)
        if inbound is None:
            return False
        await on_event(inbound)
        return True

    def routes(self, on_event: InboundHandler) -> list[BaseRoute]:
        async def webhook(request: Request) -> Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not secrets.compare_digest(given, self._settings.secret_token.encode()):
                log.warning("telegram webhook: bad or missing secret token")
                return error_response(403, "forbidden")
            try:
                body = await read_body(request)
            except BodyTooLarge:
                return error_response(413, "body too large")
            try:
                data = parse_json(body)  # also: nested too deep, lone surrogates replaced
            except ValueError:
                log.warning("telegram webhook: malformed JSON (%d bytes)", len(body))
                return error_response(400, "malformed JSON")
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                log.warning("telegram webhook: JSON is not an Update")
                return error_response(400, "not a Telegram Update")
            try:
                update = Update.de_json(data, self.bot)
            except Exception as exc:  # PTB raises assorted errors on odd shapes
                log.warning("telegram webhook: unparsable update (%s)", type(exc).__name__)
                return error_response(400, "not a Telegram Update")
            try:
                inbound = await self._map(update)
            except BadUpdate as exc:  # it would fail at every redelivery: not a 500
                log.warning("telegram webhook: unusable update %s (%s)", update.update_id, exc)
                return error_response(400, "not a Telegram Update")
            if inbound is None:
                return JSONResponse({"ok": True})
            try:
                await on_event(inbound)
            except Exception:
                # Let Telegram redeliver; the runtime dedupes on update_id.
                log.exception("telegram webhook: handing update %s over failed", update.update_id)
                return error_response(500, "internal error")
            return JSONResponse({"ok": True})

        return [Route(WEBHOOK_PATH, webhook, methods=["POST"], name="telegram_webhook")]

    async def _poll(self, on_event: InboundHandler) -> None:
        """Long-poll forever: never crashes, backs off on errors, never skips a failed handover.

        An update whose *mapping* fails is skipped (it would fail forever); one whose handover
        to the runtime fails is retried (at-least-once, the runtime dedupes).
        """
        offset: int | None = None
        first_backoff = min(1.0, self._settings.poll_backoff_max)
        backoff = first_backoff
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=self._settings.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                )
            except asyncio.CancelledError:
                raise
            except tg_error.RetryAfter as exc:
                seconds = retry_seconds(exc)
                log.warning("telegram getUpdates: flood control, retry in %.0f s", seconds)
                await asyncio.sleep(seconds)
                continue
            except Exception as exc:
                log.warning(
                    "telegram getUpdates failed (%s); retry in %.0f s", type(exc).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._settings.poll_backoff_max)
                continue
            backoff = first_backoff
            for update in updates:
                try:
                    await self._handle_update(update, on_event)
                except asyncio.CancelledError:
                    raise
                except BadUpdate as exc:  # it would fail forever: skipped
                    log.warning("telegram update %s skipped: unusable (%s)", update.update_id, exc)
                except Exception:
                    log.exception("telegram update %s: handover failed", update.update_id)
                    await asyncio.sleep(backoff)
                    break
                offset = update.update_id + 1

    # -- outgoing ----------------------------------------------------------------------------

    async def send(self, chat_id: str, message: Outbound) -> Sequence[str]:
        await self._ensure_ready()
        try:
            return [str(m.message_id) for m in await self._send(chat_id, message)]
        except tg_error.TelegramError as exc:
            raise map_error(exc) from exc

    async def _send(self, chat_id: str, message: Outbound) -> list[Message]:
        # The file first: an erased one fails the message before anything reaches the chat.
        upload = await self._read_file(message.file) if message.file is not None else None
        store = self._settings.payload_store
        markup, extra_html = await build_markup(message, store)
        chunks = [escape(c) for c in split_for_telegram(message.text)]
        if extra_html:
            chunks = chunks or [""]
            chunks[-1] += extra_html
        media: InputFile | str | None = upload.input_file if upload else message.image_url
        caption = chunks.pop(0) if media and fits_caption(chunks) else None
        if not media and not chunks:
            raise PermanentError("empty message")
        parts = len(chunks) + (1 if media else 0)
        # A reply keyboard to take away and inline buttons to show: no message carries both.
        removal = removes_keyboard_first(message, markup)
        sent: list[Message] = []

        def markup_of(index: int) -> Markup | None:
            """The first part takes the reply keyboard away, the last shows the buttons; a
            single part does the first now and gets the buttons by an edit (below)."""
            if removal and index == 0:
                return ReplyKeyboardRemove()
            return markup if index == parts - 1 else None

        if media:
            document = upload is not None and not upload.is_picture
            caption_args = (caption, ParseMode.HTML if caption else None, markup_of(0))
            try:
                sent.append(await self._media(chat_id, media, document, *caption_args))
            except tg_error.BadRequest as exc:
                # A panorama or a long screenshot is no photo to Telegram (sides over 10000
                # together, or a ratio over 20): the customer still gets it, as a document.
                if upload is None or document or not _not_a_photo(exc):
                    raise
                sent.append(await self._media(chat_id, media, True, *caption_args))
        for chunk in chunks:
            sent.append(
                await self.bot.send_message(
                    chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup_of(len(sent))
                )
            )
        if removal and parts == 1:
            await self._add_buttons(chat_id, sent[0], markup)
        return sent

    async def _add_buttons(self, chat_id: str, message: Message, markup: Markup | None) -> None:
        """The inline buttons of a message sent without them (it took a reply keyboard away).

        If Telegram refuses the edit, the message is deleted (best effort) and the error
        raised: the outbox sends the whole message again, buttons and all."""
        assert isinstance(markup, InlineKeyboardMarkup)
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message.message_id, reply_markup=markup
            )
        except tg_error.TelegramError:
            try:
                await self.bot.delete_message(chat_id, message.message_id)
            except tg_error.TelegramError as exc:
                log.warning("telegram: a message left without its buttons (%s)", exc)
            raise

    async def _media(
        self,
        chat_id: str,
        media: InputFile | str,
        document: bool,
        caption: str | None,
        parse_mode: str | None,
        markup: Markup | None,
    ) -> Message:
        send = self.bot.send_document if document else self.bot.send_photo
        return await send(
            chat_id, media, caption=caption, parse_mode=parse_mode, reply_markup=markup
        )

    def accepts_files(self) -> bool:
        return self._settings.file_store is not None

    async def _read_file(self, file: OutboundFile) -> _Upload:
        """The operator's file, ready to upload (Telegram takes the bytes, not a URL)."""
        files = self._settings.file_store
        if files is None:
            raise PermanentError("telegram: no file store, files cannot be sent")
        try:
            content = await files.read(file.token)
        except Exception as exc:  # the database: worth another try later
            raise TransientError(f"file store: {type(exc).__name__}") from exc
        if content is None:
            raise PermanentError("the file was erased")
        if len(content) > MAX_DOCUMENT_BYTES:
            raise PermanentError("file over Telegram's 50 MB upload limit")
        picture = file.is_picture and len(content) <= MAX_PHOTO_BYTES
        return _Upload(InputFile(content, filename=file.name), picture)

    async def notify_typing(self, chat_id: str) -> None:
        try:
            await self._ensure_ready()
            await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except Exception as exc:  # cosmetic: never worth failing a reply over
            log.info("telegram typing indicator failed: %s", type(exc).__name__)

    async def download(self, ref: str) -> tuple[bytes, str]:
        """Fetch ``tg-file:<file_id>`` via getFile (Bot API downloads are limited to 20 MB)."""
        if not ref.startswith("tg-file:"):
            raise PermanentError("not a Telegram file reference")
        await self._ensure_ready()
        try:
            file = await self.bot.get_file(ref.removeprefix("tg-file:"))
            content = bytes(await file.download_as_bytearray())
        except tg_error.TelegramError as exc:
            raise map_error(exc) from exc
        mime, _ = mimetypes.guess_type(file.file_path or "")
        return content, mime or "application/octet-stream"

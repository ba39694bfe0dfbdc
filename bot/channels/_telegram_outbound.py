""":class:`~bot.events.Outbound` → Telegram API arguments, and PTB errors → our error tree.

Everything customer-visible is ``html.escape``d and sent with ``parse_mode=HTML``: a stray
``<`` in an FAQ answer or an operator's reply must never turn into a 400 «can't parse
entities» (or, worse, into markup).
"""

from __future__ import annotations

import datetime as dtm
import html
import re
import warnings

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram import error as tg_error

from bot.channels._common import split_fitting
from bot.channels._telegram_inbound import STORED_PREFIX
from bot.channels.base import (
    DeliveryError,
    PayloadStore,
    PermanentError,
    RetryAfter,
    TransientError,
)
from bot.channels.layout import button_rows
from bot.events import ButtonStyle, Outbound

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
MAX_PHOTO_BYTES = 10_000_000  # «10 MB» for an uploaded photo; bigger pictures go as documents
MAX_DOCUMENT_BYTES = 50_000_000  # «50 MB» for any upload (the Bot API answers 413 above it)

_TAG = re.compile(r"<[^>]*>")  # our own markup only: escape() turns the text's «<» into &lt;

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_for_telegram(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Chunks of *raw* text; Telegram's limit counts UTF-16 units after entity parsing.

    So we split before escaping (``&lt;`` renders as one character) and re-split chunks whose
    emoji push them over the limit in UTF-16.
    """
    return split_fitting(text, limit, lambda chunk: _utf16_len(chunk) <= limit)


def fits_caption(chunks: list[str]) -> bool:
    """Whether the whole (escaped, HTML) text goes as one caption of a photo or document.

    Telegram counts a caption's 1024 in UTF-16 units of what the customer sees, after entity
    parsing, so our tags (the links of a REPLY keyboard) don't count and ``&lt;`` is one unit.
    """
    if len(chunks) != 1:
        return False
    return _utf16_len(html.unescape(_TAG.sub("", chunks[0]))) <= MAX_CAPTION


async def encode_callback_data(payload: str, store: PayloadStore) -> str:
    """``payload`` itself if it fits 64 UTF-8 bytes, else ``k:<key>`` from the store.

    Payloads that already look like a stored key also go through the store so that decoding
    stays unambiguous.
    """
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(STORED_PREFIX):
        return payload
    return STORED_PREFIX + await store.put(payload)


async def build_markup(message: Outbound, store: PayloadStore) -> tuple[Markup | None, str]:
    """The keyboard for the last chunk, plus HTML to append to its text.

    Reply keyboards cannot hold links, so URL buttons of a REPLY-style message become
    ``<a href>`` lines in the text instead of being dropped. A contact-request button exists
    only in a reply keyboard (``request_contact``), so a message with one is REPLY-style
    whatever it asked for. Short buttons share rows (:func:`bot.channels.layout.button_rows`).
    Without buttons, ``remove_keyboard`` takes away a reply keyboard left open (with inline
    buttons, :func:`removes_keyboard_first`).
    """
    if not message.buttons:
        return (ReplyKeyboardRemove() if message.remove_keyboard else None), ""
    contact = any(b.request_contact for b in message.buttons)
    if message.style is ButtonStyle.REPLY or contact:
        rows = [
            [KeyboardButton(b.title, request_contact=b.request_contact or None) for b in row]
            for row in button_rows([b for b in message.buttons if not b.url])
        ]
        links = "\n".join(
            f'<a href="{html.escape(b.url, quote=True)}">{html.escape(b.title)}</a>'
            for b in message.buttons
            if b.url
        )
        markup = (
            ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)
            if rows
            else None
        )
        return markup, ("\n\n" + links if links else "")
    inline: list[list[InlineKeyboardButton]] = []
    for row in button_rows(message.buttons):
        inline.append([])
        for b in row:
            if b.url:
                inline[-1].append(InlineKeyboardButton(b.title, url=b.url))
            else:
                data = await encode_callback_data(b.payload, store)
                inline[-1].append(InlineKeyboardButton(b.title, callback_data=data))
    return InlineKeyboardMarkup(inline), ""


def removes_keyboard_first(message: Outbound, markup: Markup | None) -> bool:
    """Whether ``message`` must take a reply keyboard away before it shows inline buttons.

    Telegram has no message that does both: the first message sent for ``message`` (the text
    of a long one, a photo) carries ``ReplyKeyboardRemove``; a message that is one part only
    is sent with it and gets its inline keyboard by ``editMessageReplyMarkup`` right after.
    A reply keyboard of the message's own replaces the old one; without buttons,
    :func:`build_markup` already gave the removal."""
    return message.remove_keyboard and isinstance(markup, InlineKeyboardMarkup)


def retry_seconds(exc: tg_error.RetryAfter) -> float:
    # PTB 22 warns on ``retry_after`` unless PTB_TIMEDELTA is set; both shapes are handled.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def map_error(exc: tg_error.TelegramError) -> DeliveryError:
    """The ONE place PTB exceptions become :mod:`bot.channels.base` errors.

    PTB 22 raises ``RetryAfter`` for any response carrying ``parameters.retry_after``
    (normally 429), ``Forbidden`` for 403, ``BadRequest`` for 400, ``InvalidToken`` for
    401/404, and plain ``NetworkError`` for 5xx (500 and 502 alike) and other codes, and
    ``TimedOut`` for timeouts; our aiohttp backend raises ``TimedOut``/``NetworkError`` like
    httpx's. ``BadRequest`` and ``TimedOut`` *subclass* ``NetworkError``, so order matters here.
    """
    description = str(exc)
    if isinstance(exc, tg_error.RetryAfter):
        return RetryAfter(retry_seconds(exc), description)
    if isinstance(exc, tg_error.Forbidden | tg_error.BadRequest | tg_error.InvalidToken):
        return PermanentError(description)
    if isinstance(exc, tg_error.ChatMigrated):
        return PermanentError(f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, tg_error.NetworkError):  # incl. TimedOut and HTTP 5xx
        return TransientError(description)
    return TransientError(description)  # e.g. an unparsable server response


def escape(text: str) -> str:
    """Text for ``parse_mode=HTML``: customers see it verbatim."""
    return html.escape(text, quote=False)

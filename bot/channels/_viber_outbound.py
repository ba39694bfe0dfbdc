""":class:`~bot.events.Outbound` → Viber messages, and aioviberbot errors → our error tree."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Sequence
from typing import Any

import aiohttp
from aioviberbot.api.errors import (
    ViberClientError,
    ViberRequestError,
    ViberTimeoutError,
    ViberValidationError,
)

from bot.channels._common import split_fitting
from bot.channels._viber_inbound import BUTTON_PREFIX, STORED_PREFIX
from bot.channels.base import (
    DeliveryError,
    PayloadStore,
    PermanentError,
    RetryAfter,
    TransientError,
)
from bot.channels.layout import button_rows, viber_columns
from bot.events import Button

MAX_TEXT = 7000
MAX_BODY_BYTES = 30_000  # Viber rejects request bodies over 30 KB; keep a little margin
BODY_SLACK = 256  # bytes aioviberbot may add beyond the estimate (``chat_id``, spacing)
MAX_INLINE_ACTION_BYTES = 250  # longer payloads travel as a payload-store key
MAX_BUTTONS = 24  # Viber keyboard limit
MAX_PICTURE_TEXT = 768  # a picture message's description
MAX_PICTURE_BYTES = 1_000_000  # «1 MB»: bigger JPEG/PNG go as file messages
MAX_FILE_BYTES = 50_000_000  # «50 MB» for a file message

SHARE_PHONE_API = 3  # the ``min_api_version`` a message with a share-phone button needs
STATUS_TOO_MANY_REQUESTS = 12
STATUS_NOT_REGISTERED = 5
STATUS_NOT_SUBSCRIBED = 6


def dumps(data: Any) -> str:
    """JSON as we send it: UTF-8, not ``\\uXXXX`` (which would triple Cyrillic's size)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def encode_action_body(payload: str, store: PayloadStore) -> str:
    """``zb:<payload>``, or ``zb:k:<key>`` for long (or key-looking) payloads."""
    too_long = len(payload.encode("utf-8")) > MAX_INLINE_ACTION_BYTES
    if too_long or payload.startswith(STORED_PREFIX):
        return BUTTON_PREFIX + STORED_PREFIX + await store.put(payload)
    return BUTTON_PREFIX + payload


async def build_keyboard(buttons: Sequence[Button], store: PayloadStore) -> dict[str, Any] | None:
    """A Viber keyboard: short buttons share a row (:func:`bot.channels.layout.button_rows`),
    the widths of a row's buttons adding up to Viber's 6 columns; other buttons are full-width.

    ``Silent`` keeps the ``zb:`` action body out of the visible conversation. Titles are
    escaped because Viber renders a few HTML tags in button text. A contact request becomes
    a ``share-phone`` button (API version 3: :data:`SHARE_PHONE_API`); Viber cannot vouch that
    the number is the customer's own, so it joins no accounts (bot/linking.py).
    """
    if not buttons:
        return None
    rendered: list[dict[str, Any]] = []
    for row in button_rows(buttons[:MAX_BUTTONS]):
        for b, columns in zip(row, viber_columns(len(row)), strict=True):
            item: dict[str, Any] = {"Columns": columns, "Rows": 1, "Text": html.escape(b.title)}
            if b.url:
                item.update(ActionType="open-url", ActionBody=b.url)
            elif b.request_contact:  # Viber sends the phone as a contact message
                item.update(ActionType="share-phone", ActionBody="share-phone")
            else:
                action = await encode_action_body(b.payload, store)
                item.update(ActionType="reply", ActionBody=action, Silent=True)
            rendered.append(item)
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": rendered}


def split_for_viber(text: str, body_size: Any) -> list[str]:
    """Chunks ≤ 7000 characters whose whole request body (``body_size(chunk)``) fits 30 KB."""
    budget = MAX_BODY_BYTES - BODY_SLACK  # chunks are packed full, so the estimate's slack
    return split_fitting(text, MAX_TEXT, lambda chunk: body_size(chunk) <= budget)


def picture_caption(chunks: list[str]) -> str:
    """Take the first text chunk as a picture's description if it fits (else none): the rest
    follows as text messages."""
    return chunks.pop(0) if chunks and len(chunks[0]) <= MAX_PICTURE_TEXT else ""


_STATUS = re.compile(r"failed with status: (?P<status>\d+), message: (?P<message>.*)", re.DOTALL)


def map_error(exc: BaseException, retry_delay: float) -> DeliveryError:
    """The ONE place aioviberbot/aiohttp exceptions become :mod:`bot.channels.base` errors.

    aioviberbot 0.7.0 reports an API-level failure (HTTP 200, ``status`` != 0) only as the text
    ``ViberRequestError("failed with status: N, message: M")``, so the status is parsed from
    it; HTTP failures arrive as ``ViberClientError(aiohttp.ClientError)``.
    """
    if isinstance(exc, ViberRequestError):
        match = _STATUS.search(str(exc))
        status = int(match["status"]) if match else -1
        message = match["message"] if match else str(exc)
        if status == STATUS_TOO_MANY_REQUESTS:
            return RetryAfter(retry_delay, f"viber: {message}")
        return PermanentError(f"viber status {status}: {message}")
    if isinstance(exc, ViberClientError):
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        if isinstance(cause, aiohttp.ClientResponseError):
            if cause.status == 429:
                return RetryAfter(retry_delay, "viber: HTTP 429")
            if cause.status >= 500:
                return TransientError(f"viber: HTTP {cause.status}")
            return PermanentError(f"viber: HTTP {cause.status}")
        return TransientError(f"viber: {type(cause or exc).__name__}")
    if isinstance(exc, ViberTimeoutError | asyncio.TimeoutError | aiohttp.ClientError):
        return TransientError(f"viber: {type(exc).__name__}")
    if isinstance(exc, ViberValidationError):
        return PermanentError("viber: message failed validation")
    return TransientError(f"viber: unexpected {type(exc).__name__}")

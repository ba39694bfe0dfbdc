"""Helpers shared by the webhook-based channel adapters.

Kept SDK-free: size-limited body reading, uniform JSON error answers, fire-and-forget tasks
that are neither garbage-collected mid-flight nor allowed to fail silently, and splitting text
so that every chunk also satisfies a channel-specific size check (UTF-16 length, JSON bytes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.events import split_text

MAX_WEBHOOK_BODY = 1024 * 1024
"""Webhook bodies above this are refused with 413: real updates are a few KB."""


class BodyTooLarge(Exception):
    """The request body exceeded the limit; answer 413 without reading the rest."""


async def read_body(request: Request, limit: int = MAX_WEBHOOK_BODY) -> bytes:
    """Read the raw body, refusing early (by Content-Length) or while streaming.

    Streaming with a running total protects against chunked bodies that lie about (or omit)
    their length.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            raise BodyTooLarge
    return bytes(buf)


def error_response(status: int, message: str) -> JSONResponse:
    """A small JSON error; never echoes the request (it may carry personal data)."""
    return JSONResponse({"ok": False, "error": message}, status_code=status)


class BackgroundTasks:
    """Fire-and-forget coroutines with strong references and logged failures.

    ``asyncio.create_task`` only keeps a weak reference; an unreferenced task can vanish
    before it finishes. Failures are logged by type only (messages may contain user data).
    """

    def __init__(self, logger: logging.Logger) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._logger = logger

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)

        def _done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and (exc := t.exception()) is not None:
                self._logger.warning("%s failed: %s", what, type(exc).__name__)

        task.add_done_callback(_done)

    async def drain(self, grace: float = 5.0) -> None:
        """Wait for pending tasks (on shutdown), cancelling stragglers."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()


def split_fitting(text: str, limit: int, fits: Callable[[str], bool]) -> list[str]:
    """``split_text`` by characters, then re-split any chunk that fails ``fits``.

    Used where the real limit is not a character count (Telegram counts UTF-16 units, Viber
    caps the JSON request body in bytes); re-splitting keeps the paragraph-first preference.
    """
    out: list[str] = []
    for chunk in split_text(text, limit):
        if fits(chunk) or len(chunk) <= 1:
            out.append(chunk)
            continue
        smaller = max(1, min(len(chunk) - 1, len(chunk) * 9 // 10))
        out.extend(split_fitting(chunk, smaller, fits))
    return out

"""Helpers shared by the webhook-based channel adapters.

Kept SDK-free: size-limited body reading, uniform JSON error answers, fire-and-forget tasks
that are neither garbage-collected mid-flight nor allowed to fail silently, and splitting text
so that every chunk also satisfies a channel-specific size check (UTF-16 length, JSON bytes).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.events import cleaned_value, cut_point

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


# ``\ud8…``–``\udf…`` escaped, or UTF-8-encoded (``json`` decodes bytes with surrogatepass).
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def parse_json(body: bytes) -> Any:
    """The JSON in a request body, with lone surrogates replaced
    (:func:`bot.events.clean_text`).

    Raises ``ValueError`` for anything that is not JSON, including bodies nested too
    deep for the parser (``[[[[…]]]]``: ``json`` raises ``RecursionError``), so every caller
    answers them with its «malformed JSON» 400 instead of a 500."""
    try:
        data = json.loads(body)
        if _MAYBE_SURROGATE.search(body):  # rare: walk the parsed body only then
            data = cleaned_value(data)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
    return data


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
    """Like ``split_text`` (≤ ``limit`` characters, paragraph boundaries first), but each
    chunk must also pass ``fits``: the real limit where it is not a character count (Telegram
    counts UTF-16 units, Viber caps the JSON request body in bytes).

    Greedy: every chunk is as long as ``fits`` allows before the best boundary, so text that
    2 messages can hold goes as 2, not as a fitting chunk plus stubs (``fits`` must hold for
    a prefix whenever it holds for a longer one). A ``fits``-limit below the character limit
    is found by bisection, so ``fits`` runs ~log2(limit) times a chunk.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    out: list[str] = []
    rest = text.strip()
    while rest:
        if len(rest) <= limit and fits(rest):
            out.append(rest)
            break
        # The longest prefix (at most limit characters) that fits; at least one character.
        lo, hi = 1, min(len(rest), limit)
        if fits(rest[:hi]):
            lo = hi
        else:
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fits(rest[:mid]):
                    lo = mid
                else:
                    hi = mid - 1
        chunk = rest[: cut_point(rest, lo)].rstrip()
        out.append(chunk)
        rest = rest[len(chunk) :].strip()
    return out

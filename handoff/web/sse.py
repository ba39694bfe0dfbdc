"""Live updates for the console: Server-Sent Events fed by the in-process bus.

Events carry only «what changed where» (kind, conversation id, owner); the console refetches
the lists and the open conversation over the API, so an event can never leak or show stale
data, and a dropped event only delays the refresh until the next one (or the periodic ping).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bot.bus import BusEvent
from bot.storage.models import Operator
from handoff.web.context import Console

log = logging.getLogger(__name__)
PING_SECONDS = 15.0
CONSOLE_KINDS = {"message", "transition", "assignment", "operator", "rating", "outbox"}


def encode(event: BusEvent) -> str:
    data = {
        "kind": event.kind,
        "conversation_id": event.conversation_id,
        "owner": event.data.get("owner"),
        "operator_id": event.data.get("operator_id"),
    }
    return f"event: change\ndata: {json.dumps(data)}\n\n"


class Presence:
    """Which operators have a console open, from their event streams.

    When an operator's last stream closes and none reopens within the grace period (a reload
    or a network blip reconnects in seconds), an online operator is marked away, which puts
    their conversations back in the queue for colleagues.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.open: Counter[int] = Counter()
        self._timers: dict[int, asyncio.Task[None]] = {}

    def opened(self, operator_id: int) -> None:
        self.open[operator_id] += 1
        timer = self._timers.pop(operator_id, None)
        if timer is not None:
            timer.cancel()

    def closed(self, operator_id: int) -> None:
        self.open[operator_id] -= 1
        if self.open[operator_id] > 0:
            return
        del self.open[operator_id]
        grace = self.console.brain().config.handoff.presence_grace_seconds
        self._timers[operator_id] = asyncio.create_task(self._expire(operator_id, grace))

    async def _expire(self, operator_id: int, grace: float) -> None:
        await asyncio.sleep(grace)
        self._timers.pop(operator_id, None)
        if self.open[operator_id] == 0:
            try:
                await self.console.service.went_silent(operator_id)
            except Exception:
                log.exception("could not mark operator %s away", operator_id)


def events_endpoint(console: Console) -> Callable[[Request, Operator], Awaitable[Response]]:
    presence = Presence(console)

    async def events(request: Request, operator: Operator) -> Response:
        async def stream() -> AsyncIterator[str]:
            presence.opened(operator.id)
            try:
                async for chunk in _events(request):
                    yield chunk
            finally:
                presence.closed(operator.id)

        async def _events(request: Request) -> AsyncIterator[str]:
            with console.bus.subscribe() as queue:
                yield "retry: 2000\nevent: hello\ndata: {}\n\n"
                while True:
                    try:
                        async with asyncio.timeout(PING_SECONDS):
                            event: BusEvent = await queue.get()
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        yield ": ping\n\n"
                        continue
                    if event.kind in CONSOLE_KINDS:
                        yield encode(event)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return events

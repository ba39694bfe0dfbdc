"""Live updates for the console: Server-Sent Events fed by the in-process bus.

Events carry only «what changed where» (kind, conversation id, owner); the console refetches
the lists and the open conversation over the API, so an event can never leak or show stale
data; an event dropped because a console fell 256 events behind only delays the refresh until
the next one, and a reconnect («hello») makes the console refetch everything. The ping (a
comment every 15 s) keeps proxies from closing an idle stream and the operator «online».
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bot.bus import CLOSING, BusEvent
from bot.storage.models import Operator
from handoff.web.context import Console

log = logging.getLogger(__name__)
PING_SECONDS = 15.0
CONSOLE_KINDS = {
    "message",
    "transition",
    "assignment",
    "operator",
    "rating",
    "outbox",
    "delivery_failed",
    "customer_typing",
    "receipt",
    "labels",
    "customer",  # two customers merged: names and cards change wherever they are shown
    "customer_notes",  # «Заметки о клиенте» changed: the card of that customer, if open
}


def encode(event: BusEvent) -> str:
    if event.kind == "customer_typing":  # nothing changed: the console shows «печатает…»
        return f"event: typing\ndata: {json.dumps({'conversation_id': event.conversation_id})}\n\n"
    data = {
        "kind": event.kind,
        "conversation_id": event.conversation_id,
        "owner": event.data.get("owner"),
        "operator_id": event.data.get("operator_id"),
    }
    if event.kind == "customer_notes":  # no conversation: the console matches the card
        data["customer_id"] = event.customer_id
    return f"event: change\ndata: {json.dumps(data)}\n\n"


class Presence:
    """Which operators have a console open, from their event streams.

    When an operator's last stream closes and none reopens within the grace period (a reload
    or a network blip reconnects in seconds), an online operator is marked away, which puts
    their conversations back in the queue for colleagues.

    With several processes (:mod:`bot.cluster`) an operator's streams may be served by
    different ones: every process announces its open streams on the bus (when one opens and at
    each ping), and a process does not mark away an operator whose console another process
    served within the last two pings.
    """

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.open: Counter[int] = Counter()
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._seen_elsewhere: dict[int, float] = {}
        self._clock = clock
        console.bus.tap(self._heard)

    def _heard(self, event: BusEvent) -> None:
        if event.kind == "presence" and event.origin is not None:
            operator_id = event.data.get("operator_id")
            if isinstance(operator_id, int):
                self._seen_elsewhere[operator_id] = self._clock()
                timer = self._timers.pop(operator_id, None)
                if timer is not None:
                    timer.cancel()

    def announce(self, operator_id: int) -> None:
        self.console.bus.publish(BusEvent("presence", data={"operator_id": operator_id}))

    def online_elsewhere(self, operator_id: int) -> bool:
        seen = self._seen_elsewhere.get(operator_id)
        return seen is not None and self._clock() - seen < 2 * PING_SECONDS + 1

    def opened(self, operator_id: int) -> None:
        self.open[operator_id] += 1
        timer = self._timers.pop(operator_id, None)
        if timer is not None:
            timer.cancel()
        self.announce(operator_id)

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
        if self.open[operator_id] == 0 and not self.online_elsewhere(operator_id):
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
                announced = time.monotonic()
                while True:
                    if time.monotonic() - announced >= PING_SECONDS:
                        presence.announce(operator.id)  # even while events keep coming
                        announced = time.monotonic()
                    try:
                        async with asyncio.timeout(PING_SECONDS):
                            event: BusEvent = await queue.get()
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        yield ": ping\n\n"
                        continue
                    if event.kind == CLOSING.kind:  # the server stops; the page reconnects
                        return
                    if event.kind in CONSOLE_KINDS:
                        yield encode(event)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return events

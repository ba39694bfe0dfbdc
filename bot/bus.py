"""Event bus: the operator console and web chat long-polls listen here.

Publishers never block: a slow subscriber loses its oldest events (it refetches state from the
database anyway; events only say «something changed in conversation N»).

In one process the bus is all there is. When several processes serve one deployment
(``zabota run --workers N`` over PostgreSQL), :class:`bot.cluster.ClusterLink` registers as a
*forwarder*: every event published here is also sent to the other processes, and the events
they send are published here with ``origin`` set (so they are not sent back).

When the server stops, :meth:`Bus.close` hands every listener a ``closing`` event: the
console's event stream and the chat's long-polls end at once instead of holding the shutdown
until the browser goes away (:mod:`bot.web.serving`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class BusEvent:
    """Something changed. ``kind``: message | transition | assignment | outbox | operator | …

    ``origin`` is None for an event of this process, else the id of the process it came from.
    """

    kind: str
    conversation_id: int | None = None
    customer_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    origin: str | None = None


CLOSING = BusEvent("closing")
"""What every listener gets, last, when the server is stopping: stop listening and answer."""


class Bus:
    def __init__(self, queue_size: int = 256) -> None:
        self._subscribers: set[asyncio.Queue[BusEvent]] = set()
        self._queue_size = queue_size
        self._forwarders: list[Callable[[BusEvent], None]] = []
        self._taps: list[Callable[[BusEvent], None]] = []
        self.closed = False

    def close(self) -> None:
        """The server is stopping: every listener, present and future, gets :data:`CLOSING`
        (after it, nothing more), so that no open request holds the shutdown."""
        self.closed = True
        for queue in list(self._subscribers):
            _put(queue, CLOSING)

    def publish(self, event: BusEvent) -> None:
        for queue in list(self._subscribers) if not self.closed else ():
            _put(queue, event)
        for tap in self._taps:
            tap(event)
        if event.origin is None:
            for forward in self._forwarders:
                forward(event)

    def forward_to(self, forward: Callable[[BusEvent], None]) -> Callable[[], None]:
        """Also hand this process's own events to ``forward`` (must not block); returns the
        function that stops it."""
        self._forwarders.append(forward)
        return lambda: self._forwarders.remove(forward)

    def tap(self, listener: Callable[[BusEvent], None]) -> Callable[[], None]:
        """Call ``listener`` (must not block) with every event, this process's and the others'."""
        self._taps.append(listener)
        return lambda: self._taps.remove(listener)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[BusEvent]]:
        queue: asyncio.Queue[BusEvent] = asyncio.Queue(self._queue_size)
        if self.closed:
            _put(queue, CLOSING)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)


def _put(queue: asyncio.Queue[BusEvent], event: BusEvent) -> None:
    if queue.full():  # a slow listener loses its oldest event, never this one
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(event)

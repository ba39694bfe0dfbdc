"""Event bus: the operator console and web chat long-polls listen here.

Publishers never block: a slow subscriber loses its oldest events (it refetches state from the
database anyway; events only say «something changed in conversation N»).

In one process the bus is all there is. When several processes serve one deployment
(``zabota run --workers N`` over PostgreSQL), :class:`bot.cluster.ClusterLink` registers as a
*forwarder*: every event published here is also sent to the other processes, and the events
they send are published here with ``origin`` set (so they are not sent back).
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


class Bus:
    def __init__(self, queue_size: int = 256) -> None:
        self._subscribers: set[asyncio.Queue[BusEvent]] = set()
        self._queue_size = queue_size
        self._forwarders: list[Callable[[BusEvent], None]] = []
        self._taps: list[Callable[[BusEvent], None]] = []

    def publish(self, event: BusEvent) -> None:
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)
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
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

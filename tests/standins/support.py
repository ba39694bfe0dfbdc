"""Small test doubles shared by channel tests and the lead's end-to-end tests."""

from __future__ import annotations

import asyncio
import itertools

from bot.events import Inbound


class MemoryPayloadStore:
    """Dict-backed :class:`bot.channels.base.PayloadStore`."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self._ids = itertools.count(1)

    async def put(self, payload: str) -> str:
        key = f"p{next(self._ids)}"
        self.data[key] = payload
        return key

    async def get(self, key: str) -> str | None:
        return self.data.get(key)


class Collector:
    """An ``on_event`` callback that records what a channel handed over."""

    def __init__(self) -> None:
        self.events: list[Inbound] = []
        self._changed = asyncio.Event()

    async def __call__(self, inbound: Inbound) -> None:
        self.events.append(inbound)
        self._changed.set()

    async def wait(self, count: int, within: float = 5.0) -> list[Inbound]:
        """Wait until at least ``count`` events arrived; return them all."""
        async with asyncio.timeout(within):
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.events

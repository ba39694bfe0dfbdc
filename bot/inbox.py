"""The durable inbox's writer: events that arrive while a write is in flight share the next one.

Every webhook stores its event before it is acknowledged (:meth:`bot.runtime.Runtime.submit`).
One transaction per event costs a connection checkout, ``BEGIN``, the ``INSERT``, ``COMMIT``
and a WAL flush on the server. This writer is a group commit: an event that arrives at a quiet
bot is written at once, alone; events that arrive while that write is in flight wait for it and
then go together, in one transaction and one multi-row ``INSERT``. Nobody waits for a timer,
and under load the writes batch by themselves.

Each caller still learns its own outcome: the row's id, ``None`` for an event received before
(or twice in the same batch), or the exception that failed its write — then the channel answers
with an error and the messenger delivers again, as before. When a batch fails, its events are
written again one by one, so an event that cannot be stored fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.events import Inbound
from bot.storage import inbound
from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_BATCH = 200


@dataclass(slots=True)
class _Pending:
    event: Inbound
    future: asyncio.Future[int | None]


class InboxWriter:
    def __init__(self, db: Database, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0  # how many write transactions (tests, diagnostics)

    async def receive(self, event: Inbound) -> int | None:
        """Store ``event``; its inbox row id, or None if it was received before."""
        loop = asyncio.get_running_loop()
        pending = _Pending(event, loop.create_future())
        self._queue.append(pending)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name="inbox-writer")
        return await pending.future

    async def _write_all(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                await self._write(batch)
        finally:
            self._writer = None
            for pending in self._queue:  # cancelled with events waiting: they must not hang
                if not pending.future.done():
                    pending.future.set_exception(ConnectionError("inbox writer stopped"))
            self._queue.clear()

    async def _write(self, batch: list[_Pending]) -> None:
        live = [p for p in batch if not p.future.done()]  # a cancelled caller is skipped
        if not live:
            return
        self.transactions += 1
        try:
            async with self.db.write() as session:
                ids = await inbound.receive_many(session, [p.event for p in live])
        except asyncio.CancelledError:
            for p in live:
                p.future.cancel()
            raise
        except Exception as exc:
            if len(live) > 1:
                # One unstorable event must not fail the others: each alone, its own outcome.
                log.warning("inbox: a batch of %d failed (%s); writing one by one", len(live), exc)
                for p in live:
                    await self._write([p])
                return
            if not live[0].future.done():
                live[0].future.set_exception(exc)
            return
        for p, row_id in zip(live, ids, strict=True):
            if not p.future.done():
                p.future.set_result(row_id)

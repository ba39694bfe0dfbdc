"""Units of work that arrive together share one transaction: the engine's group commit.

Every customer message is one transaction: the inbox claim, the customer and conversation, the
history rows, the outbox rows and the lease of the first reply. Each transaction also costs a
connection checkout, ``BEGIN``, ``COMMIT`` and a WAL flush on the server, and on SQLite the
process's one write lock. Under load many messages are ready at once (the NLU answers them in
one batch), so, as :mod:`bot.inbox` does for the webhooks' writes, a unit of work that arrives
at a quiet committer runs at once, alone, and units that arrive while a transaction is in
flight wait for it and then run together, one after the other, in the next one.

A unit of work must be safe to run again: if any unit of a group raises, the group's
transaction is rolled back and every unit runs again alone, in its own transaction, so one
failing message cannot fail the others and each caller learns its own outcome. Units must not
act outside the database (publish, send) before they return; their callers do that once
:meth:`GroupCommitter.run` returned, after the commit.

Several processes (``zabota run --workers N``): a unit may take row and advisory locks. The
units of a group run in the order of their ``order`` key (the chat's advisory-lock key), so two
processes' groups take the chats' locks in the same order and cannot deadlock on them.

Grouping pays only where writes are serialised anyway: on SQLite (one writer at a time) it
saves a commit and a lock hand-off per message. On PostgreSQL it would put the units' round
trips one after another in one connection where separate transactions overlap them, and the
webhook benchmark measured that as a lower ceiling (docs/benchmarks.md), so there each unit
runs at once in a transaction of its own unless ``grouped=True`` asks otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]

MAX_GROUP = 32


@dataclass(slots=True)
class _Unit(Generic[T]):
    work: Work[T]
    order: int
    future: asyncio.Future[T]


class GroupCommitter:
    def __init__(
        self, db: Database, max_group: int = MAX_GROUP, *, grouped: bool | None = None
    ) -> None:
        self.db = db
        self.max_group = max_group
        self.grouped = db.is_sqlite if grouped is None else grouped
        self._queue: list[_Unit[Any]] = []
        self._runner: asyncio.Task[None] | None = None
        self.transactions = 0  # committed or rolled back (tests, diagnostics)
        self.regrouped = 0  # groups that failed and ran again unit by unit

    async def run(self, work: Work[T], *, order: int = 0) -> T:
        """Run ``work`` in a transaction, maybe shared with others; its result after the
        commit, or what it raised (its own transaction rolled back)."""
        if not self.grouped:
            self.transactions += 1
            async with self.db.write() as session:
                return await work(session)
        unit: _Unit[T] = _Unit(work, order, asyncio.get_running_loop().create_future())
        self._queue.append(unit)
        if self._runner is None:
            # A task starts in the next loop iteration: everything submitted in this one
            # (a batch of predictions resolves together) joins the first group.
            self._runner = asyncio.create_task(self._run_all(), name="group-commit")
        return await unit.future

    async def _run_all(self) -> None:
        try:
            while self._queue:
                group = self._queue[: self.max_group]
                del self._queue[: self.max_group]
                await self._run(group)
        finally:
            self._runner = None
            for unit in self._queue:  # cancelled with units waiting: they must not hang
                if not unit.future.done():
                    unit.future.set_exception(ConnectionError("group commit stopped"))
            self._queue.clear()

    async def _run(self, group: list[_Unit[Any]]) -> None:
        live = sorted((u for u in group if not u.future.done()), key=lambda u: u.order)
        if not live:
            return  # every caller gave up (cancelled)
        self.transactions += 1
        try:
            async with self.db.write() as session:
                results = [await unit.work(session) for unit in live]
        except asyncio.CancelledError:
            for unit in live:
                unit.future.cancel()
            raise
        except Exception as exc:
            if len(live) == 1:
                if not live[0].future.done():
                    live[0].future.set_exception(exc)
                return
            # Which unit failed, and whether the others would have succeeded, is not known
            # (a lock timeout, a deadlock with another process, one bad message): each alone.
            self.regrouped += 1
            log.info("a group of %d failed (%s); running each alone", len(live), exc)
            for unit in live:
                await self._run([unit])
            return
        for unit, result in zip(live, results, strict=True):
            if not unit.future.done():
                unit.future.set_result(result)

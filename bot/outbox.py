"""The durable outbox sender: per-chat order, rate limits, retries, resume after restart.

Replies are rows in ``outbox`` written in the same transaction as their cause. The sender
claims the *first* pending row of each chat (so a chat's messages go out in order even when an
earlier one is waiting out a 429), sends it through the channel, and records the result:

* sent → ``sent`` with the messenger's ids;
* :class:`RetryAfter` → back to ``pending`` at ``now + retry_after`` (the whole chat waits);
* :class:`TransientError` → back to ``pending`` with exponential backoff, up to a day;
* :class:`PermanentError` → ``failed``, with a line in the conversation for the operators.

A claim has a lease (``claimed_until``); rows left in ``sending`` by a crashed process become
pending again when the lease expires (checked at most every ``RECOVER_EVERY`` seconds).

Throughput: the claim returns what sending needs (payload, attempts, the blocked flag) so a
delivery costs no extra query, and ``sent`` results are committed in batches by one flusher
task (one transaction for everything that finished meanwhile). A chat stays in flight until
its ``sent`` row is committed, so its next message is never claimed before that. Delivery is
at-least-once only across such a crash in the instant between the messenger accepting a
message and our ``sent`` commit; otherwise exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, tuple_, update

from bot.bus import Bus, BusEvent
from bot.channels.base import Channel, DeliveryError, PermanentError, RetryAfter
from bot.delivery import failure_text
from bot.events import Outbound
from bot.storage import repo
from bot.storage.db import Database
from bot.storage.models import Conversation, Identity, OutboxItem, utcnow
from bot.tasks import cancel_and_wait, stop_or_cancel

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
RECOVER_EVERY = 1.0  # seconds between sweeps for expired leases
MAX_BACKOFF = 300.0
GIVE_UP_AFTER = timedelta(hours=24)
STOP_GRACE = 2.0  # seconds stop() lets a running pump finish before cancelling it


_OUTBOX = repo.OUTBOX_TABLE
# Built once (a Core executemany): the ORM's bulk update by primary key costs several times the
# statement itself on the hot path.
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_id"))
    .values(
        status="sent",
        sent_at=bindparam("b_at"),
        external_ids=bindparam("b_ids", type_=_OUTBOX.c.external_ids.type),
        attempts=bindparam("b_attempts"),
        last_error=None,
    )
)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed row with everything needed to send it."""

    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    blocked: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.chat_id)


@dataclass(slots=True)
class _Bucket:
    """Token bucket for a channel's global rate."""

    rate: float
    tokens: float
    updated: float

    async def take(self) -> None:
        if self.rate <= 0:
            return
        while True:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


class OutboxSender:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],  # shared: channels added later are picked up
        bus: Bus | None = None,
        *,
        concurrency: int = 32,
        poll_interval: float = 1.0,
    ) -> None:
        self.db = db
        self.channels = channels
        self.bus = bus
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._inflight: set[tuple[str, str]] = set()
        # Chats in flight with a later row known to be waiting: once the one in flight is
        # recorded as sent, pump at once instead of at the next poll. (Without followers, a
        # chat going free needs no pump: most replies are leased by the engine, :meth:`adopt`.)
        self._followers: set[tuple[str, str]] = set()
        self._last_sent: dict[tuple[str, str], float] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._semaphore = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task[None] | None = None
        self._chat_tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._next_recover = 0.0
        # (row id, chat key, messenger ids, attempts) sent but not yet committed as such
        self._sent: list[tuple[int, tuple[str, str], list[str], int]] = []
        self._sent_ready = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._stopping = False

    def _bucket(self, channel: Channel) -> _Bucket:
        bucket = self._buckets.get(channel.name)
        if bucket is None:
            rate = channel.capabilities.global_rate
            bucket = self._buckets[channel.name] = _Bucket(rate, rate, time.monotonic())
        return bucket

    def wake(self) -> None:
        self._wake.set()

    def can_adopt(self, channel: str, chat_id: str) -> bool:
        """Whether :meth:`adopt` would send a row for this chat now (the sender runs here and
        its channel owns the chat)."""
        return self._task is not None and not self._stopping and self._owns(channel, chat_id)

    def _owns(self, channel: str, chat_id: str) -> bool:
        """Whether this process sends to ``chat_id`` of ``channel`` (:meth:`Channel.owns`)."""
        found = self.channels.get(channel)
        return found is not None and found.owns(chat_id)

    def adopt(self, item: Claimed, *, followers: bool = False) -> None:
        """Send a row its writer already claimed in its own transaction (the engine's reply):
        the same as :meth:`pump` claiming it, without the pump's transaction. ``followers``:
        the writer also queued later rows for this chat, to pump once this one is sent."""
        if item.key in self._inflight:  # cannot happen (the claim checks the chat's head)
            log.warning("outbox: chat already in flight; row %s left to the lease", item.id)
            return
        self._inflight.add(item.key)
        if followers:
            self._followers.add(item.key)
        task = asyncio.create_task(self._send_one(item))
        self._chat_tasks.add(task)
        task.add_done_callback(self._chat_tasks.discard)

    async def start(self) -> None:
        self._stopping = False
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-sender")
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_loop(), name="outbox-flusher")

    async def stop(self) -> None:
        # The flag ends the loop even where a cancellation is lost (Python 3.11's wait_for could
        # swallow one that raced a wake-up, and stop() then waited forever).
        self._stopping = True
        self._wake.set()
        await stop_or_cancel(self._task, grace=STOP_GRACE)
        self._task = None
        for task in list(self._chat_tasks):
            task.cancel()
        if self._chat_tasks:
            await asyncio.gather(*self._chat_tasks, return_exceptions=True)
        await cancel_and_wait(self._flusher)
        self._flusher = None
        if self._sent:  # messages the messenger accepted: record them before stopping
            try:
                await self._flush_sent()
            except Exception:
                log.exception("outbox: could not record sent messages; they may be resent")

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared *before* pumping: a wake-up that arrives while pump() runs (a reply
            # committed after its query) must start another pump, not wait for the next poll.
            self._wake.clear()
            try:
                delay = await self.pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pump failed; retrying")
                delay = self.poll_interval
            with contextlib.suppress(TimeoutError):  # stop() sets the event too
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def pump(self) -> float:
        """Start sending every chat's next due message; return how long to sleep at most."""
        now = utcnow()
        async with self.db.write() as session:
            if time.monotonic() >= self._next_recover:
                self._next_recover = time.monotonic() + RECOVER_EVERY
                await session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.status == "sending", OutboxItem.claimed_until < now)
                    .values(status="pending")
                )
            rows = (
                await session.execute(
                    select(
                        OutboxItem.id,
                        OutboxItem.channel,
                        OutboxItem.chat_id,
                        OutboxItem.next_attempt_at,
                    )
                    .where(OutboxItem.status.in_(("pending", "sending")))
                    .order_by(OutboxItem.id)
                    .limit(2000)
                )
            ).all()
            heads: dict[tuple[str, str], tuple[int, datetime]] = {}
            for row_id, channel, chat_id, due in rows:
                key = (channel, chat_id)
                if key in heads:
                    if key in self._inflight:  # wake up again when this chat is free
                        self._followers.add(key)
                    continue
                heads[key] = (row_id, due)
            claim: list[int] = []
            sleep_for = self.poll_interval
            for key, (row_id, due) in heads.items():
                if key in self._inflight or not self._owns(*key):
                    continue
                wait = (due - now).total_seconds()
                if wait > 0:
                    sleep_for = min(sleep_for, wait)
                    continue
                claim.append(row_id)
            claimed: list[Claimed] = []
            if claim:
                returned = (
                    await session.execute(
                        update(OutboxItem)
                        .where(OutboxItem.id.in_(claim), OutboxItem.status == "pending")
                        .values(status="sending", claimed_until=now + LEASE)
                        .returning(
                            OutboxItem.id,
                            OutboxItem.channel,
                            OutboxItem.chat_id,
                            OutboxItem.payload,
                            OutboxItem.attempts,
                            OutboxItem.created_at,
                        )
                    )
                ).all()
                blocked = await self._blocked(session, [(r[1], r[2]) for r in returned])
                claimed = [
                    Claimed(r[0], r[1], r[2], r[3], r[4], r[5], (r[1], r[2]) in blocked)
                    for r in returned
                ]
        for item in claimed:
            self._inflight.add(item.key)
            task = asyncio.create_task(self._send_one(item))
            self._chat_tasks.add(task)
            task.add_done_callback(self._chat_tasks.discard)
        return max(sleep_for, 0.01)

    @staticmethod
    async def _blocked(session: Any, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these chats unsubscribed or blocked the bot."""
        found: set[tuple[str, str]] = set()
        unique = sorted(set(keys))
        for i in range(0, len(unique), 500):
            rows = await session.execute(
                select(Identity.channel, Identity.chat_id).where(
                    Identity.blocked.is_(True),
                    tuple_(Identity.channel, Identity.chat_id).in_(unique[i : i + 500]),
                )
            )
            found.update((row[0], row[1]) for row in rows)
        return found

    async def _send_one(self, item: Claimed) -> None:
        pending_commit = False
        try:
            async with self._semaphore:
                pending_commit = await self._deliver(item)
        except Exception:
            log.exception("outbox item %s failed unexpectedly", item.id)
        finally:
            if not pending_commit:
                self._inflight.discard(item.key)
                self.wake()

    async def _deliver(self, item: Claimed) -> bool:
        """Send one claimed row; True if its ``sent`` result is queued for the flusher."""
        row_id, key, payload, attempts = item.id, item.key, item.payload, item.attempts
        created_at, blocked = item.created_at, item.blocked
        channel = self.channels[key[0]]
        interval = channel.capabilities.per_chat_interval
        if interval > 0:
            since = time.monotonic() - self._last_sent.get(key, 0.0)
            if since < interval:
                await asyncio.sleep(interval - since)
        await self._bucket(channel).take()
        try:
            if blocked:
                raise PermanentError("the customer unsubscribed or blocked the bot")
            ids = await channel.send(key[1], Outbound.from_json(payload))
        except RetryAfter as exc:
            await self._reschedule(row_id, attempts, exc.seconds, str(exc), count=False)
        except PermanentError as exc:
            await self._fail(row_id, str(exc))
        except DeliveryError as exc:
            if utcnow() - created_at > GIVE_UP_AFTER:
                await self._fail(row_id, f"gave up after {attempts + 1} attempts: {exc}")
            else:
                backoff = min(MAX_BACKOFF, 0.5 * 2**attempts) * (0.8 + 0.4 * random.random())
                await self._reschedule(row_id, attempts, backoff, str(exc), count=True)
        else:
            self._last_sent[key] = time.monotonic()
            self._sent.append((row_id, key, list(ids), attempts + 1))
            if self._flusher is None:  # pump() driven by hand, without start()
                await self._flush_sent()
            else:
                self._sent_ready.set()
            return True
        return False

    async def _flush_loop(self) -> None:
        while True:  # ends by cancellation in stop(), after the sender has finished
            await self._sent_ready.wait()
            self._sent_ready.clear()
            try:
                await self._flush_sent()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The messenger has these messages: keep trying to record them (their chats
                # stay in flight meanwhile) rather than resend them after the lease expires.
                log.exception("outbox: recording sent messages failed; retrying")
                await asyncio.sleep(1.0)
                self._sent_ready.set()

    async def _flush_sent(self) -> None:
        """Commit every queued ``sent`` result in one transaction, then free those chats."""
        batch, self._sent = self._sent, []
        if not batch:
            return
        try:
            sent_at = utcnow()
            async with self.db.write() as session:
                await session.execute(
                    _MARK_SENT,
                    [
                        {"b_id": row_id, "b_ids": ids, "b_attempts": attempts, "b_at": sent_at}
                        for row_id, _, ids, attempts in batch
                    ],
                )
        except BaseException:
            self._sent[:0] = batch
            raise
        followers = False
        for _, key, _, _ in batch:
            self._inflight.discard(key)
            if key in self._followers:
                self._followers.discard(key)
                followers = True
        if followers:  # a chat now free has its next message waiting: send it now
            self.wake()
        if self.bus is not None:
            for row_id, key, _, _ in batch:
                self.bus.publish(
                    BusEvent("outbox", data={"id": row_id, "status": "sent", "chat": key[1]})
                )

    async def _reschedule(
        self, row_id: int, attempts: int, delay: float, error: str, *, count: bool
    ) -> None:
        log.info("outbox item %s: retry in %.1f s (%s)", row_id, delay, error)
        async with self.db.write() as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == row_id)
                .values(
                    status="pending",
                    attempts=attempts + 1 if count else attempts,
                    next_attempt_at=utcnow() + timedelta(seconds=delay),
                    last_error=error[:500],
                    claimed_until=None,
                )
            )

    async def _fail(self, row_id: int, error: str) -> None:
        log.warning("outbox item %s failed permanently: %s", row_id, error)
        async with self.db.write() as session:
            item = await session.get(OutboxItem, row_id)
            if item is None:
                return
            item.status = "failed"
            item.last_error = error[:500]
            item.claimed_until = None
            conversation = (
                await session.get(Conversation, item.conversation_id)
                if item.conversation_id
                else None
            )
            if conversation is not None:
                await repo.add_event(
                    session,
                    conversation,
                    f"Сообщение не доставлено: {failure_text(error)}",
                    {"outbox_id": row_id, "error": error[:500]},
                )
        if self.bus is not None and conversation is not None:
            self.bus.publish(
                BusEvent(
                    "delivery_failed", conversation.id, conversation.customer_id, {"id": row_id}
                )
            )

    async def wait_idle(
        self, timeout: float = 10.0, channel: str | None = None, *, scheduled: bool = False
    ) -> bool:
        """Wait until nothing due is pending (tests, the terminal chat). True if idle.

        With ``scheduled`` it also waits for rows retried later (backoff, ``retry_after``).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with self.db.read() as session:
                query = (
                    select(func.count())
                    .select_from(OutboxItem)
                    .where(OutboxItem.status.in_(("pending", "sending")))
                )
                if not scheduled:
                    query = query.where(OutboxItem.next_attempt_at <= utcnow())
                if channel is not None:
                    query = query.where(OutboxItem.channel == channel)
                    owned = self.channels[channel].chats if channel in self.channels else None
                    if owned is not None:  # another process's chats are not ours to wait for
                        query = query.where(OutboxItem.chat_id.in_(sorted(owned)))
                count = await session.scalar(query)
            if not count and not self._inflight:
                return True
            self.wake()
            await asyncio.sleep(0.02)
        return False

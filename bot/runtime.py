"""Assembles a running bot: database, NLU, engine, channels, outbox sender, background work.

Channels call :meth:`Runtime.submit`, which acknowledges at once and processes the event in a
tracked background task (webhooks must answer fast; Telegram re-sends after 60 s). Tests and
the terminal chat call :meth:`Runtime.process` to wait for the outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import files
from bot.bus import Bus, BusEvent
from bot.channel_start import ChannelStarter
from bot.channels.base import Channel
from bot.cluster import ClusterLink
from bot.commands import typed_command
from bot.config import Settings
from bot.engine import Brain, Engine, Outcome
from bot.events import Inbound, clean_inbound
from bot.files import DbFileStore
from bot.inbox import InboxWriter
from bot.outbox import OutboxSender
from bot.project import Project
from bot.redact import redact
from bot.storage import erasure, inbound, lifecycle, payloads
from bot.storage.db import Database, DatabaseError
from bot.storage.models import utcnow
from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)
RECOVER_AFTER = timedelta(seconds=60)  # an event this old and unprocessed is retried
MAX_ATTEMPTS = 5
"""Failed attempts to process one inbox event before it is given up on (marked failed, no
longer retried): a poison event must not be retried every minute forever. An attempt that
fails because the database is down cannot be counted either, so an outage spends none."""
PRUNE_EVERY_ROUNDS = 60  # old processed events are deleted about once an hour
PRUNE_BATCH = 5000  # per transaction (inbound.prune_processed's default)
ERASE_BATCH = 500  # conversations per transaction (erasure.erase_closed_before's default)
EXPIRE_BATCH = 500  # idle bot conversations closed per transaction

TYPING_AFTER = 0.5
"""Seconds of processing after which the customer is shown «typing…». A reply faster than
that needs no indicator, and skipping it saves one messenger API call per message."""


class DbPayloadStore:
    """Button payloads too long for a messenger, kept in the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, payload: str) -> str:
        async with self.db.write() as session:
            return await payloads.put_payload(session, payload)

    async def get(self, key: str) -> str | None:
        async with self.db.read() as session:
            return await payloads.get_payload(session, key)


class Runtime:
    def __init__(
        self,
        project: Project,
        settings: Settings,
        brain: Brain,
        *,
        db: Database | None = None,
        channels: Mapping[str, Channel] | None = None,
        cluster: bool = False,
    ) -> None:
        """``cluster``: other processes serve the same deployment over the same PostgreSQL
        database (:mod:`bot.cluster`); refused on SQLite at :meth:`start`."""
        self.project = project
        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.bus = Bus()
        self.channels: dict[str, Channel] = dict(channels or {})
        self.inbox = InboxWriter(self.db)
        self.outbox = OutboxSender(self.db, self.channels, self.bus)
        self.engine = Engine(self.db, brain, self.bus, outbox=self.outbox, chat_lock=cluster)
        self.cluster: ClusterLink | None = (
            ClusterLink(self.db.url, self.bus, on_reload=self._reload_relayed) if cluster else None
        )
        self.payloads = DbPayloadStore(self.db)
        self.files = DbFileStore(self.db, settings.public_url)
        self._tasks: set[asyncio.Task[None]] = set()
        self._recovery: asyncio.Task[None] | None = None
        self._every_round: list[Callable[[], Awaitable[object]]] = []
        self._started = False
        self.starter = ChannelStarter(self.channels, self.submit)

    @property
    def brain(self) -> Brain:
        return self.engine.brain

    def add_channel(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    def every_round(self, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` with the maintenance loop, about once a minute (the operator console
        closes conversations the customer left this way)."""
        self._every_round.append(job)

    async def start(self, *, migrate: bool = True) -> None:
        if self._started:
            return
        if self.cluster is not None and self.db.is_sqlite:
            raise DatabaseError(
                "several processes need PostgreSQL (DATABASE_URL=postgresql://…): "
                "SQLite allows one writer"
            )
        if migrate:
            await self.db.upgrade()
        if self.cluster is not None:
            await self.cluster.start()
        # Load lazily-initialised NLU parts (lemmatiser, encoders) now, not on a customer's time.
        await asyncio.to_thread(self.engine.brain.nlu.predict, "здравствуйте, как вернуть товар?")
        await self.outbox.start()
        # Events acknowledged by a previous process but never processed (it died) go first.
        await self.recover(older_than=timedelta(0))
        self._recovery = asyncio.create_task(self._recover_periodically(), name="inbox-recovery")
        # A messenger that is down does not keep the others, the web chat or the console down.
        await self.starter.start_all()
        self._started = True

    async def stop(self) -> None:
        await self.starter.stop()
        await cancel_and_wait(self._recovery)
        self._recovery = None
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for channel in self.channels.values():
            try:
                await channel.stop()
            except Exception:
                log.exception("channel %s did not stop cleanly", channel.name)
        await self.outbox.stop()
        if self.cluster is not None:
            await self.cluster.stop()
        await self.db.dispose()
        self._started = False

    async def _reload_relayed(self) -> None:
        """Another process put new content live: load the same files here."""
        from bot.reload import reload

        report = await reload(self, relayed=True)
        if not report.ok:
            log.error(
                "content another process published was refused here: %s",
                "; ".join([*report.problems, *(f.text for f in report.failures)]) or "?",
            )

    async def process(self, event: Inbound) -> Outcome:
        return await self.engine.process(typed_command(clean_inbound(event)))

    async def submit(self, event: Inbound) -> None:
        """Accept an event from a channel: store it, then process it in the background.

        Returns once the event is in the database, so the channel acknowledges only what cannot
        be lost; a redelivered event returns at once. If the database is unreachable this
        raises, the channel answers with an error, and the messenger delivers again later.
        """
        # A lone surrogate (half an emoji) fails every write: replaced by «�» at the door.
        event = redact(clean_inbound(event))  # no card number is stored, not even in the inbox
        event = typed_command(event)  # «/help» typed in any channel: as Telegram's menu
        inbox_id = await self.inbox.receive(event)  # with whatever else arrived meanwhile
        if inbox_id is None:
            return  # received before: processed or being processed
        task = asyncio.create_task(self.process_logged(event, inbox_id))
        self._track(task)
        channel = self.channels.get(event.channel)
        if channel is not None and event.kind in ("text", "button"):
            # A timer, not a task per message: most messages are answered before it fires.
            timer = asyncio.get_running_loop().call_later(
                TYPING_AFTER, self._typing, channel, event.chat_id
            )
            task.add_done_callback(lambda _: timer.cancel())

    def _typing(self, channel: Channel, chat_id: str) -> None:
        self._track(asyncio.create_task(channel.notify_typing(chat_id)))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def process_logged(self, event: Inbound, inbox_id: int | None = None) -> None:
        """Process one stored event as the webhooks and the recovery loop do (also an
        admin's «Повторить» of a given-up event, :mod:`handoff.failed_inbox`)."""
        try:
            await self.engine.process(event, inbox_id)
        except Exception as exc:
            # The engine fails open by itself; reaching here means storage is down, or the
            # event cannot be stored. It stays unprocessed in the inbox and the recovery loop
            # retries it, up to MAX_ATTEMPTS times.
            if inbox_id is None:
                log.exception("could not process a %s event", event.channel)
                return
            attempts = await self._record_failure(inbox_id, exc)
            if attempts is not None and attempts >= MAX_ATTEMPTS:
                log.error(
                    "gave up on a %s event (inbox id %d, chat %s) after %d failed attempts; "
                    "it stays in the inbox marked failed: %s",
                    event.channel,
                    inbox_id,
                    event.chat_id,
                    attempts,
                    _describe(exc),
                    exc_info=exc,
                )
            else:
                log.exception(
                    "could not process a %s event (inbox id %d, attempt %s of %d); "
                    "will retry from the inbox",
                    event.channel,
                    inbox_id,
                    attempts or "?",
                    MAX_ATTEMPTS,
                )

    async def _record_failure(self, inbox_id: int, exc: BaseException) -> int | None:
        """Count the failed attempt; None when that cannot be written either (the database
        is down: the attempt does not count) or the event was processed meanwhile."""
        try:
            async with self.db.write() as session:
                return await inbound.record_failure(session, inbox_id, _describe(exc), MAX_ATTEMPTS)
        except Exception as why:
            log.warning("inbox id %d: the failed attempt was not counted (%s)", inbox_id, why)
            return None

    async def recover(self, older_than: timedelta = RECOVER_AFTER) -> int:
        """Process inbox events that were stored but never processed; return how many."""
        async with self.db.read() as session:
            pending = await inbound.unprocessed(session, utcnow() - older_than)
        for inbox_id, event in pending:
            await self.process_logged(event, inbox_id)
        if pending:
            log.info("recovered %d unprocessed event(s) from the inbox", len(pending))
        return len(pending)

    async def prune_inbox(self) -> int:
        """Delete processed inbox events older than ``channels.inbox_keep_days``."""
        keep = timedelta(days=self.engine.brain.config.channels.inbox_keep_days)
        total = await self._in_batches(
            lambda session: inbound.prune_processed(session, utcnow() - keep), PRUNE_BATCH
        )
        if total:
            log.info("deleted %d processed inbox event(s) older than %s", total, keep)
        return total

    async def prune_unlinked_files(self) -> int:
        """Delete web chat uploads no processed message refers to (an upload whose message
        was a duplicate), a day after they came."""
        async with self.db.write() as session:
            return await files.prune_unlinked(session, utcnow() - files.UNLINKED_KEEP)

    async def erase_old_history(self) -> int:
        """Erase the texts of conversations closed over ``privacy.history_keep_days`` ago
        (and delete messenger receipts older than that); return how many conversations."""
        days = self.engine.brain.config.privacy.history_keep_days
        if days is None:
            return 0
        keep = timedelta(days=days)

        async def erase(session: AsyncSession) -> int:
            report = await erasure.erase_closed_before(session, utcnow() - keep, ERASE_BATCH)
            return report.conversations

        total = await self._in_batches(erase, ERASE_BATCH)
        receipts = await self._in_batches(
            lambda session: erasure.prune_delivery_events(session, utcnow() - keep), PRUNE_BATCH
        )
        if total:
            await self.db.drop_old_versions()  # the SQLite log still holds the erased texts
        if total or receipts:
            log.info(
                "erased the texts of %d conversation(s) closed over %s ago and %d older "
                "delivery receipt(s)",
                total,
                keep,
                receipts,
            )
        return total

    async def _in_batches(self, step: Callable[[AsyncSession], Awaitable[int]], batch: int) -> int:
        """Run ``step`` in transactions of its own until one does less than ``batch``."""
        total = 0
        while True:
            async with self.db.write() as session:
                done = await step(session)
            total += done
            if done < batch:
                return total

    async def expire_sessions(self) -> int:
        """Close the bot conversations idle for over ``policy.session_expiry_minutes``;
        return how many. A customer who writes again gets a new one."""
        minutes = self.engine.brain.config.policy.session_expiry_minutes
        if not minutes:
            return 0
        before = self.engine.clock() - timedelta(minutes=minutes)
        expired: list[tuple[int, int]] = []

        async def expire(session: AsyncSession) -> int:
            closed = await lifecycle.expire_bot_conversations(session, before, EXPIRE_BATCH)
            expired.extend((c.id, c.customer_id) for c in closed)
            return len(closed)

        total = await self._in_batches(expire, EXPIRE_BATCH)
        for conversation_id, customer_id in expired:
            self.bus.publish(
                BusEvent("transition", conversation_id, customer_id, {"owner": "closed"})
            )
        if total:
            log.info("closed %d bot conversation(s) idle for over %d min", total, minutes)
        return total

    async def maintain(self, *, hourly: bool = False) -> None:
        """One round of background upkeep: retry stuck inbox events, end conversations the
        customer left (and whatever else was registered with :meth:`every_round`); with
        ``hourly``, also delete old inbox events and erase expired histories. A job that fails
        is logged and tried again next round; the others still run."""
        jobs = [self.recover, self.expire_sessions, *self._every_round]
        if hourly:
            jobs += [self.prune_inbox, self.prune_unlinked_files, self.erase_old_history]
        for job in jobs:
            try:
                await job()
            except Exception:
                log.exception("maintenance (%s) failed; will try again", _name(job))

    async def _recover_periodically(self) -> None:
        rounds = 0
        while True:
            await asyncio.sleep(RECOVER_AFTER.total_seconds())
            await self.maintain(hourly=rounds % PRUNE_EVERY_ROUNDS == 0)
            rounds += 1

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait for background processing and due outbox items (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        return await self.outbox.wait_idle(timeout)


def _describe(exc: BaseException) -> str:
    """What failed, for ``inbox.error``: the chain of exception types, and a codec's reason
    («surrogates not allowed») — never an exception's text, which may quote the customer's
    words (a database driver names the statement's parameters)."""
    names: list[str] = []
    reason = ""
    current: BaseException | None = exc
    while current is not None and len(names) < 6:
        names.append(type(current).__name__)
        if isinstance(current, UnicodeError) and not reason:
            encoding = getattr(current, "encoding", "")
            reason = f": {encoding} codec: {getattr(current, 'reason', '')}".replace("  ", " ")
        inner = getattr(current, "orig", None)
        nxt = inner if isinstance(inner, BaseException) else current.__cause__
        current = nxt or current.__context__
        if current is not None and type(current).__name__ in names[-1:]:
            break
    return (" ← ".join(names) + reason)[:300]


def _name(job: Callable[..., object]) -> str:
    return getattr(job, "__qualname__", None) or repr(job)

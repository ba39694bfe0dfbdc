"""Customer events the bot gave up on, shown to administrators in the console.

An inbound event whose processing failed :data:`bot.runtime.MAX_ATTEMPTS` times is marked
failed in the inbox (``failed_at``, migration 0016) and no longer retried, so one poison
event cannot be retried every minute forever. Without this module it was seen only in the log,
``/healthz`` (``inbox_failed``) and the ``inbox`` table — a customer's message lost to
everyone who could do something about it. Here an administrator sees each one (channel,
customer, when, what failed, the message) and either:

* **retries** it: the stored event goes through the normal path again — today's door
  (:meth:`bot.runtime.Runtime.submit`'s cleaning), then
  :meth:`bot.runtime.Runtime.process_logged`, the same call the webhooks and the recovery
  loop make. Success marks it processed, as any event, and the customer's message lands in
  their conversation; another failure is counted and the event stays in the list with the new
  error. The row is not reset first: a retry interrupted by a crash leaves it listed, never
  in between (neither failed nor retried by the recovery loop). An event of a channel this bot
  does not run now (Telegram without ``TELEGRAM_TOKEN``, a channel switched off after the
  failure) is refused and stays listed: its replies could reach nobody;
* **dismisses** it: marked processed without being processed (the inbox's upkeep deletes it
  after ``channels.inbox_keep_days``), and the log says who did.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Inbound, clean_inbound, clean_text
from bot.redact import redact
from bot.storage.db import Database
from bot.storage.models import Customer, Identity, InboxItem, utcnow
from handoff.errors import Conflict, HandoffError, NotFound
from handoff.views import CHANNEL_TITLES

__all__ = ["FailedEvent", "FailedInbox", "RetryOutcome", "describe", "dismiss", "listed"]

log = logging.getLogger(__name__)

LIST_LIMIT = 50
Process = Callable[[Inbound, int], Awaitable[None]]

_GONE = "Это событие уже обработано или отклонено."


@dataclass(frozen=True, slots=True)
class FailedEvent:
    """One given-up event as the console lists it."""

    id: int
    channel: str
    user_id: str
    customer_id: int | None
    customer_name: str | None
    received_at: datetime
    failed_at: datetime
    attempts: int
    error: str
    text: str  # what the customer wrote or did, in the console's words

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel,
            "user_id": self.user_id,
            "customer_id": self.customer_id,
            "customer_name": self.customer_name,
            "received_at": self.received_at.isoformat(),
            "failed_at": self.failed_at.isoformat(),
            "attempts": self.attempts,
            "error": self.error,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    """What a retry did: ``processed``, or ``failed`` again (``error``: the new one)."""

    processed: bool
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"outcome": "processed" if self.processed else "failed", "error": self.error}


def describe(event: dict[str, Any]) -> str:
    """The stored event in a line an operator reads: the text, else what the customer did.

    Read from the stored JSON as it is (not :meth:`Inbound.from_json`): an event that cannot
    be parsed any more is exactly one that must still be shown."""
    text = str(event.get("text") or "").strip()
    files = [
        f"📎 {a.get('name') or 'файл'}"
        for a in event.get("attachments") or []
        if isinstance(a, dict)
    ]
    if text or files:  # a poison event's lone surrogate would fail the JSON answer too
        return clean_text(" ".join([text, *files]).strip())
    kind = str(event.get("kind") or "text")
    return {
        "button": "Нажата кнопка",
        "start": "Начало чата",
        "contact": f"Номер телефона: {event.get('contact_phone') or '—'}",
        "status": f"Служебное: статус доставки ({event.get('payload') or '—'})",
    }.get(kind, "Без текста")


def _failed() -> Any:
    return InboxItem.failed_at.is_not(None), InboxItem.processed_at.is_(None)


async def listed(session: AsyncSession, limit: int = LIST_LIMIT) -> tuple[list[FailedEvent], int]:
    """The newest given-up events (at most ``limit``) and how many there are in all."""
    total = await session.scalar(select(func.count()).select_from(InboxItem).where(*_failed()))
    rows = (
        await session.scalars(
            select(InboxItem).where(*_failed()).order_by(InboxItem.failed_at.desc()).limit(limit)
        )
    ).all()
    keys = {(r.channel, str((r.event or {}).get("user_id") or "")) for r in rows}
    people: dict[tuple[str, str], tuple[int, str | None]] = {}
    if keys:
        found = await session.execute(
            select(Identity.channel, Identity.user_id, Customer.id, Customer.display_name)
            .join(Customer, Customer.id == Identity.customer_id)
            .where(Identity.channel.in_({c for c, _ in keys}))
            .where(Identity.user_id.in_({u for _, u in keys}))
        )
        people = {(c, u): (cid, name) for c, u, cid, name in found.all()}
    events = []
    for row in rows:
        event = row.event or {}
        user_id = str(event.get("user_id") or "")
        customer_id, name = people.get((row.channel, user_id), (None, None))
        assert row.failed_at is not None
        events.append(
            FailedEvent(
                id=row.id,
                channel=row.channel,
                user_id=user_id,
                customer_id=customer_id,
                customer_name=clean_text(str(name or event.get("display_name") or "")) or None,
                received_at=row.received_at,
                failed_at=row.failed_at,
                attempts=row.attempts,
                error=row.error or "",
                text=describe(event),
            )
        )
    return events, int(total or 0)


@dataclass
class FailedInbox:
    """Retry or dismiss given-up events. ``process`` is the runtime's own processing of a
    stored event (it counts a failure, and marks the event failed again at the limit);
    ``channels`` are the names of the channels the runtime runs (read at each retry)."""

    db: Database
    process: Process
    channels: Collection[str]

    async def retry(self, inbox_id: int) -> RetryOutcome:
        async with self.db.read() as session:
            row = await session.scalar(
                select(InboxItem).where(InboxItem.id == inbox_id, *_failed())
            )
            if row is None:
                raise NotFound(_GONE, "not_found")
            stored = dict(row.event or {})
            channel = row.channel
        if channel not in self.channels:
            # Processed, its replies would wait in the outbox for a channel that is not there.
            title = CHANNEL_TITLES.get(channel, channel)
            raise Conflict(
                f"Канал «{title}» сейчас не включён в этом боте, поэтому ответ не дойдёт до "
                "клиента. Включите канал и повторите, или уберите сообщение. "
                "Оно осталось в списке.",
                "channel_off",
            )
        try:
            # Through today's door, as Runtime.submit does: an event stored before a fix there
            # (a lone surrogate replaced, a card number hidden) now gets through.
            event = redact(clean_inbound(Inbound.from_json(stored)))
        except (TypeError, ValueError, KeyError) as exc:
            raise HandoffError(
                "Это событие не читается (формат устарел): повторить нельзя, только убрать.",
                "unreadable",
            ) from exc
        await self.process(event, inbox_id)
        async with self.db.read() as session:
            after = await session.get(InboxItem, inbox_id, populate_existing=True)
        if after is None or after.processed_at is not None:
            log.info("inbox id %d: processed on a retry from the console", inbox_id)
            return RetryOutcome(processed=True)
        return RetryOutcome(processed=False, error=after.error or "")


async def dismiss(db: Database, inbox_id: int, operator: str) -> None:
    """Mark the event done without processing it; 409 if it is not failed any more."""
    async with db.write() as session:
        result = await session.execute(
            update(InboxItem)
            .where(InboxItem.id == inbox_id, *_failed())
            .values(processed_at=utcnow())
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise Conflict(_GONE, "gone")
    log.info("inbox id %d: dismissed from the console by %s", inbox_id, operator)

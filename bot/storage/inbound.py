"""The durable inbox's rows: an event is stored before its webhook is acknowledged, claimed
by the transaction that processes it, and found again after a crash.

Kept apart from :mod:`bot.storage.repo` (conversations, messages, the outbox); the engine
claims its event here in the same transaction in which it writes the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import BigInteger, Table, bindparam, case, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Inbound
from bot.storage.models import InboxItem, utcnow
from bot.storage.repo import is_postgres


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


# Hot-path statements are built once, with bound parameters: building and cache-keying a
# statement on every call costs more CPU than executing it (docs/benchmarks.md).


def _receive_stmt(dialect: Any) -> Any:
    return (
        dialect.insert(InboxItem)
        .values(
            channel=bindparam("b_channel"),
            external_id=bindparam("b_external_id"),
            event=bindparam("b_event", type_=InboxItem.__table__.c.event.type),
            received_at=bindparam("b_received_at"),
        )
        .on_conflict_do_nothing()
        .returning(InboxItem.id, InboxItem.channel, InboxItem.external_id)
    )


_RECEIVE = {"postgresql": _receive_stmt(postgresql), "sqlite": _receive_stmt(sqlite)}


def _receive_params(event: Inbound, now: datetime) -> dict[str, Any]:
    return {
        "b_channel": event.channel,
        "b_external_id": event.external_id[:160],
        "b_event": event.to_json(),
        "b_received_at": now,
    }


async def receive(session: AsyncSession, event: Inbound) -> int | None:
    """Store an incoming event before it is acknowledged; None if it was received before."""
    return (await receive_many(session, [event]))[0]


async def receive_many(session: AsyncSession, events: Sequence[Inbound]) -> list[int | None]:
    """:func:`receive` for several events in one statement; an event that occurs twice in
    ``events`` is stored once (the later copy gets None, as a redelivery would)."""
    stmt = _RECEIVE["postgresql" if is_postgres(session) else "sqlite"]
    now = utcnow()
    keys = [(e.channel, e.external_id[:160]) for e in events]
    first = {key: i for i, key in reversed(list(enumerate(keys)))}
    params = [_receive_params(e, now) for i, e in enumerate(events) if first[keys[i]] == i]
    if len(params) == 1:
        rows = (await session.execute(stmt, params[0])).all()
    else:  # one INSERT … VALUES (…), (…) … RETURNING (SQLAlchemy's insertmanyvalues)
        rows = (await session.execute(stmt, params)).all()
    stored = {(channel, external_id): row_id for row_id, channel, external_id in rows}
    return [stored.get(key) if first[key] == i else None for i, key in enumerate(keys)]


_CLAIM_LOCKED = text(
    "WITH chat_lock AS (SELECT pg_advisory_xact_lock(:key)) "
    "UPDATE inbox SET processed_at = :now FROM chat_lock "
    "WHERE inbox.id = :id AND inbox.processed_at IS NULL"
).bindparams(
    bindparam("key", type_=BigInteger()),
    bindparam("now", type_=InboxItem.__table__.c.processed_at.type),
    bindparam("id", type_=InboxItem.__table__.c.id.type),
)


# Hot-path UPDATEs are built on the tables, not the mapped classes: an ORM-enabled UPDATE
# goes through the session's bulk-update machinery (cache key, identity-map sync) and costs
# ~0.28 ms of CPU per call on PostgreSQL against ~0.18 ms for the same Core statement. The
# engine's transactions hold no objects these rows map to, so there is nothing to sync.
_INBOX = cast(Table, InboxItem.__table__)
_CLAIM = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("b_id"), _INBOX.c.processed_at.is_(None))
    .values(processed_at=bindparam("b_now"))
)


async def claim_inbound(
    session: AsyncSession,
    event: Inbound,
    inbox_id: int | None = None,
    *,
    lock_key: int | None = None,
) -> bool:
    """Mark the event processed in this transaction; False if it already was.

    Events that came through :func:`receive` are claimed by id; others (the terminal chat,
    tests) are recorded here directly, with the same dedupe on ``(channel, external_id)``.

    ``lock_key`` (PostgreSQL, several processes): first take the chat's transaction-scoped
    advisory lock, so that one customer's messages are processed one at a time across
    processes — in the same statement as the claim, so it costs no extra round trip.
    """
    now = utcnow()
    if lock_key is not None and is_postgres(session):
        if inbox_id is None:
            await session.execute(select(func.pg_advisory_xact_lock(lock_key)))
        else:
            result = await session.execute(
                _CLAIM_LOCKED, {"key": lock_key, "now": now, "id": inbox_id}
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
    if inbox_id is not None:
        result = await session.execute(_CLAIM, {"b_id": inbox_id, "b_now": now})
        return bool(result.rowcount)  # type: ignore[attr-defined]
    stmt = (
        _insert(session, InboxItem)
        .values(
            channel=event.channel,
            external_id=event.external_id[:160],
            event={},
            received_at=now,
            processed_at=now,
        )
        .on_conflict_do_nothing()
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unprocessed(
    session: AsyncSession,
    older_than: datetime,
    limit: int = 500,
    give_up_after: timedelta = timedelta(days=1),
) -> list[tuple[int, Inbound]]:
    """Events received before ``older_than`` and never processed (a crash, a DB hiccup).

    An event given up on (:func:`record_failure`), or still unprocessed after
    ``give_up_after``, is left alone (and stays in the inbox for inspection) instead of being
    retried forever.
    """
    rows = await session.execute(
        select(InboxItem.id, InboxItem.event)
        .where(
            InboxItem.processed_at.is_(None),
            InboxItem.failed_at.is_(None),
            InboxItem.received_at < older_than,
            InboxItem.received_at > older_than - give_up_after,
        )
        .order_by(InboxItem.id)
        .limit(limit)
    )
    return [(row_id, Inbound.from_json(event)) for row_id, event in rows.all()]


async def record_failure(
    session: AsyncSession, inbox_id: int, error: str, max_attempts: int
) -> int | None:
    """Count one failed attempt to process an event; at ``max_attempts`` mark it failed
    (``failed_at``), so it is no longer retried. Returns the attempts so far, or None if the
    event was processed meanwhile (another attempt succeeded) or is not in the inbox."""
    now = utcnow()
    attempts = _INBOX.c.attempts + 1
    await session.execute(
        update(_INBOX)
        .where(_INBOX.c.id == inbox_id, _INBOX.c.processed_at.is_(None))
        .values(
            attempts=attempts,
            error=error[:300],
            failed_at=case((attempts >= max_attempts, now), else_=_INBOX.c.failed_at),
        )
    )
    return await session.scalar(
        select(InboxItem.attempts).where(InboxItem.id == inbox_id, InboxItem.processed_at.is_(None))
    )


async def count_failed(session: AsyncSession) -> int:
    """How many events were given up on (:func:`record_failure`) and not erased since."""
    found = await session.scalar(
        select(func.count())
        .select_from(InboxItem)
        .where(InboxItem.failed_at.is_not(None), InboxItem.processed_at.is_(None))
    )
    return int(found or 0)


async def prune_processed(session: AsyncSession, before: datetime, limit: int = 5000) -> int:
    """Delete up to ``limit`` events processed before ``before``; return how many.

    Unprocessed events are never deleted (the recovery loop, or a person, still needs them);
    batches keep one delete from holding locks or the SQLite writer for long."""
    oldest = (
        select(InboxItem.id)
        .where(InboxItem.processed_at.is_not(None), InboxItem.processed_at < before)
        .order_by(InboxItem.id)
        .limit(limit)
    )
    result = await session.execute(delete(InboxItem).where(InboxItem.id.in_(oldest)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

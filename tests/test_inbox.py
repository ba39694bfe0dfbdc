"""The inbox's group commit: events that arrive together are stored together, each caller
learns its own outcome (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.events import Inbound
from bot.inbox import InboxWriter
from bot.storage import inbound
from bot.storage.db import Database
from bot.storage.models import InboxItem


def update(n: int, user: str = "u1") -> Inbound:
    return Inbound(
        channel="telegram", external_id=str(n), user_id=user, chat_id=user, text=f"вопрос {n}"
    )


async def stored(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


async def test_a_quiet_bot_writes_each_event_at_once(db: Database) -> None:
    inbox = InboxWriter(db)
    first = await inbox.receive(update(1))
    second = await inbox.receive(update(2))
    assert first is not None and second is not None and first != second
    assert inbox.transactions == 2


async def test_events_arriving_together_share_one_transaction(db: Database) -> None:
    inbox = InboxWriter(db)
    ids = await asyncio.gather(*(inbox.receive(update(n, f"u{n}")) for n in range(5)))
    assert None not in ids and len(set(ids)) == 5
    assert inbox.transactions == 1
    async with db.read() as session:
        rows = dict((await session.execute(select(InboxItem.external_id, InboxItem.id))).all())
    assert [rows[str(n)] for n in range(5)] == ids  # each caller got its own row


async def test_events_arriving_during_a_write_go_together_in_the_next(db: Database) -> None:
    inbox = InboxWriter(db)
    lone = asyncio.create_task(inbox.receive(update(1)))
    for _ in range(100):  # until the first write has started
        if inbox.transactions:
            break
        await asyncio.sleep(0)
    assert inbox.transactions == 1
    later = [asyncio.create_task(inbox.receive(update(n, f"u{n}"))) for n in range(2, 6)]
    assert (await lone) is not None
    assert None not in await asyncio.gather(*later)
    assert inbox.transactions == 2
    assert await stored(db) == 5


async def test_a_redelivery_is_told_apart_even_within_one_batch(db: Database) -> None:
    inbox = InboxWriter(db)
    original = await inbox.receive(update(7))
    again, fresh, twice, twice_again = await asyncio.gather(
        inbox.receive(update(7)),
        inbox.receive(update(8)),
        inbox.receive(update(9)),
        inbox.receive(update(9)),
    )
    assert original is not None and again is None
    assert fresh is not None and twice is not None and twice_again is None
    assert await stored(db) == 3


def refuse(monkeypatch: pytest.MonkeyPatch, *external_ids: str) -> None:
    """The database refuses any write that holds one of these updates."""
    real = inbound.receive_many

    async def picky(session: Any, events: list[Inbound]) -> list[int | None]:
        if any(e.external_id in external_ids for e in events):
            raise ConnectionError("cannot store this")
        return await real(session, events)

    monkeypatch.setattr(inbound, "receive_many", picky)


async def test_a_failed_write_fails_every_caller_of_it_and_the_next_write_works(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = InboxWriter(db)
    refuse(monkeypatch, "1", "2")  # the database went away
    results = await asyncio.gather(
        inbox.receive(update(1)), inbox.receive(update(2)), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionError) for r in results)  # both webhooks answer 500
    monkeypatch.undo()  # it is back
    assert await inbox.receive(update(1)) is not None  # the messenger's redelivery is stored
    assert await stored(db) == 1


async def test_one_event_that_cannot_be_stored_does_not_fail_its_batch(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = InboxWriter(db)
    refuse(monkeypatch, "13")
    results = await asyncio.gather(
        *(inbox.receive(update(n, f"u{n}")) for n in (12, 13, 14)), return_exceptions=True
    )
    assert isinstance(results[1], ConnectionError)  # only its own webhook answers 500
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert await stored(db) == 2


async def test_old_processed_events_are_deleted_and_unprocessed_ones_kept(db: Database) -> None:
    """Maintenance: the inbox does not grow forever, and never drops an unhandled event."""
    from datetime import timedelta

    from sqlalchemy import update as sql_update

    from bot.storage.models import utcnow

    inbox = InboxWriter(db)
    ids = [await inbox.receive(update(n)) for n in range(5)]
    now = utcnow()
    ages = {ids[0]: 30, ids[1]: 8, ids[2]: 2, ids[3]: 30}  # days since processed; 4: unprocessed
    async with db.write() as session:
        for row_id, days in ages.items():
            await session.execute(
                sql_update(InboxItem)
                .where(InboxItem.id == row_id)
                .values(processed_at=now - timedelta(days=days))
            )
        await session.execute(  # received long ago and never processed: kept for recovery
            sql_update(InboxItem)
            .where(InboxItem.id == ids[4])
            .values(received_at=now - timedelta(days=30))
        )
    async with db.write() as session:
        assert await inbound.prune_processed(session, now - timedelta(days=7), limit=1) == 1
    async with db.write() as session:
        assert await inbound.prune_processed(session, now - timedelta(days=7)) == 2
    async with db.read() as session:
        left = sorted((await session.scalars(select(InboxItem.id))).all())
    assert left == [ids[2], ids[4]]
    assert await inbox.receive(update(2)) is None  # a redelivery of a kept event: still known


async def test_the_runtime_keeps_processed_events_for_the_configured_days(bot: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import update as sql_update

    from bot.storage.models import utcnow

    runtime = bot.runtime
    assert runtime.engine.brain.config.channels.inbox_keep_days == 7  # config.yml
    fresh, old = [await runtime.inbox.receive(update(n)) for n in (1, 2)]
    async with runtime.db.write() as session:
        for row_id, days in ((fresh, 6), (old, 8)):
            await session.execute(
                sql_update(InboxItem)
                .where(InboxItem.id == row_id)
                .values(processed_at=utcnow() - timedelta(days=days))
            )
    assert await runtime.prune_inbox() == 1
    async with runtime.db.read() as session:
        assert (await session.scalars(select(InboxItem.id))).all() == [fresh]

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


# --- A poison event: one that fails at every attempt to process it ----------------------------


def poison(n: int, user: str = "p1") -> Inbound:
    """An event no database accepts: a lone surrogate (half an emoji) in its text. The
    channels replace it at the door (Runtime.submit); this one got into the inbox before."""
    return Inbound(
        channel="telegram",
        external_id=f"poison-{n}",
        user_id=user,
        chat_id=user,
        text="\ud800 как вернуть товар",
    )


async def inbox_row(db: Database, row_id: int) -> InboxItem:
    async with db.read() as session:
        row = await session.get(InboxItem, row_id)
    assert row is not None
    return row


async def test_a_poison_event_is_given_up_on_after_max_attempts_and_stays_visible(
    bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import timedelta

    import httpx

    from bot.runtime import MAX_ATTEMPTS
    from bot.web.app import create_app

    runtime = bot.runtime
    row_id = await runtime.inbox.receive(poison(1))  # stored by a version without the door
    healthy = await runtime.inbox.receive(update(1, "h1"))
    assert row_id is not None and healthy is not None
    tries = []
    for _ in range(MAX_ATTEMPTS + 3):
        tries.append(await runtime.recover(older_than=timedelta(0)))
        if tries[-1] == 0:
            break
    # The healthy event is processed at once; the poison one is tried MAX_ATTEMPTS times,
    # then no more: the loop does not log two tracebacks a minute forever.
    assert tries == [2, *[1] * (MAX_ATTEMPTS - 1), 0]
    row = await inbox_row(runtime.db, row_id)
    assert row.processed_at is None and row.failed_at is not None
    assert row.attempts == MAX_ATTEMPTS
    assert row.error is not None and "surrogates not allowed" in row.error, row.error
    assert "как вернуть" not in row.error  # the error never carries the customer's words
    assert (await inbox_row(runtime.db, healthy)).processed_at is not None
    gave_up = [r for r in caplog.records if "gave up on a telegram event" in r.getMessage()]
    assert len(gave_up) == 1 and gave_up[0].levelname == "ERROR"
    assert f"inbox id {row_id}" in gave_up[0].getMessage()

    app = create_app(runtime, manage_runtime=False, extra=[])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        health = (await c.get("/healthz")).json()
    assert health["inbox_failed"] == 1  # an admin sees it


async def test_a_failure_that_cannot_be_counted_does_not_spend_an_attempt(
    bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database down: neither the event nor its failure can be written. Such an outage
    must not use up the attempts of the events waiting for it."""
    from datetime import timedelta

    runtime = bot.runtime
    row_id = await runtime.inbox.receive(poison(2))
    assert row_id is not None

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(inbound, "record_failure", unreachable)
    for _ in range(10):
        assert await runtime.recover(older_than=timedelta(0)) == 1
    monkeypatch.undo()
    row = await inbox_row(runtime.db, row_id)
    assert row.attempts == 0 and row.failed_at is None  # still retried


async def test_the_runtime_replaces_a_lone_surrogate_and_answers(bot: Any) -> None:
    """Whatever a channel hands over (Telegram's polling, a web chat upload's caption), the
    runtime's door replaces a lone surrogate with «�»: the customer gets an answer."""
    runtime = bot.runtime
    await runtime.submit(poison(3, "p3"))
    assert await runtime.drain()
    assert runtime.channels["telegram"].sent["p3"]  # answered
    async with runtime.db.read() as session:
        row = (
            await session.execute(select(InboxItem).where(InboxItem.external_id == "poison-3"))
        ).scalar_one()
    assert row.processed_at is not None and row.attempts == 0
    assert row.event["text"] == "\ufffd как вернуть товар"

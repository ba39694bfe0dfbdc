"""The engine's group commit: units of work ready together share one transaction, each
caller learns its own outcome, and one failing unit cannot fail the others (SQLite and
PostgreSQL, grouping asked for explicitly); by default only SQLite groups."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.group_commit import GroupCommitter
from bot.storage.db import Database
from bot.storage.models import Customer, utcnow


def add_customer(name: str, *, fail: bool = False, log: list[str] | None = None):  # type: ignore[no-untyped-def]
    """A unit of work: one customer row (then, with ``fail``, an error)."""

    async def work(session: AsyncSession) -> int:
        if log is not None:
            log.append(name)
        customer = Customer(display_name=name, created_at=utcnow())
        session.add(customer)
        await session.flush()
        if fail:
            raise ValueError(f"{name} cannot be stored")
        return int(customer.id)

    return work


async def names(db: Database) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(select(Customer.display_name).order_by(Customer.id))
        return [n or "" for n in rows.all()]


async def test_a_quiet_committer_runs_each_unit_at_once(db: Database) -> None:
    group = GroupCommitter(db, grouped=True)
    first = await group.run(add_customer("Анна"))
    second = await group.run(add_customer("Борис"))
    assert first != second and group.transactions == 2
    assert await names(db) == ["Анна", "Борис"]


async def test_units_ready_together_share_one_transaction_each_with_its_result(
    db: Database,
) -> None:
    group = GroupCommitter(db, grouped=True)
    ids = await asyncio.gather(*(group.run(add_customer(f"c{n}")) for n in range(5)))
    assert group.transactions == 1 and len(set(ids)) == 5
    async with db.read() as session:
        stored = dict((await session.execute(select(Customer.display_name, Customer.id))).all())
    assert [stored[f"c{n}"] for n in range(5)] == ids


async def test_units_arriving_during_a_transaction_go_together_in_the_next(db: Database) -> None:
    group = GroupCommitter(db, grouped=True)
    lone = asyncio.create_task(group.run(add_customer("first")))
    for _ in range(100):  # until the first transaction has started
        if group.transactions:
            break
        await asyncio.sleep(0)
    later = [asyncio.create_task(group.run(add_customer(f"c{n}"))) for n in range(4)]
    await lone
    await asyncio.gather(*later)
    assert group.transactions == 2
    assert len(await names(db)) == 5


async def test_one_failing_unit_fails_alone_and_the_others_are_written(db: Database) -> None:
    group = GroupCommitter(db, grouped=True)
    results = await asyncio.gather(
        group.run(add_customer("Анна")),
        group.run(add_customer("Сбой", fail=True)),
        group.run(add_customer("Борис")),
        return_exceptions=True,
    )
    assert isinstance(results[1], ValueError) and "Сбой" in str(results[1])
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert group.regrouped == 1
    assert sorted(await names(db)) == ["Анна", "Борис"]  # nothing of the failed unit


async def test_units_of_a_group_run_in_the_order_of_their_keys(db: Database) -> None:
    """Two processes' groups take the chats' locks in the same order: no deadlock."""
    group, log = GroupCommitter(db, grouped=True), []
    await asyncio.gather(
        *(group.run(add_customer(f"k{k}", log=log), order=k) for k in (30, -5, 12, 0))
    )
    assert log == ["k-5", "k0", "k12", "k30"]


async def test_a_caller_that_gave_up_is_skipped(db: Database) -> None:
    group = GroupCommitter(db, grouped=True)
    kept = asyncio.create_task(group.run(add_customer("kept")))
    dropped = asyncio.create_task(group.run(add_customer("dropped")))
    await asyncio.sleep(0)
    dropped.cancel()
    assert isinstance(await kept, int)
    with pytest.raises(asyncio.CancelledError):
        await dropped
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Customer))
    assert count == 1 and await names(db) == ["kept"]


async def test_by_default_only_sqlite_groups_postgresql_overlaps_transactions(
    db: Database,
) -> None:
    """PostgreSQL serves concurrent transactions: grouping would serialise their round trips
    (the webhook benchmark's ceiling fell), so there each unit has a transaction of its own."""
    group = GroupCommitter(db)
    assert group.grouped is db.is_sqlite
    ids = await asyncio.gather(*(group.run(add_customer(f"c{n}")) for n in range(4)))
    assert len(set(ids)) == 4 and sorted(await names(db)) == ["c0", "c1", "c2", "c3"]
    assert group.transactions == (1 if db.is_sqlite else 4)
    failing = await asyncio.gather(
        group.run(add_customer("Сбой", fail=True)),
        group.run(add_customer("Анна")),
        return_exceptions=True,
    )
    assert isinstance(failing[0], ValueError) and isinstance(failing[1], int)
    assert "Сбой" not in await names(db)

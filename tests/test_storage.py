"""Storage contract: the same behaviour on SQLite and PostgreSQL (every test runs on both)."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from bot.events import Inbound, Outbound
from bot.ownership import IllegalTransition, Owner
from bot.storage import customers, inbound, outgoing, payloads, repo
from bot.storage import db as db_module
from bot.storage.db import Database
from bot.storage.models import (
    Base,
    Conversation,
    Identity,
    OutboxItem,
    StoredPayload,
    Transition,
)
from handoff import routing
from handoff.auth import create_operator
from tests.conftest import _pg_admin


def hello(user: str = "u1", channel: str = "telegram", external_id: str = "1") -> Inbound:
    return Inbound(
        channel=channel,
        external_id=external_id,
        user_id=user,
        chat_id=user,
        text="привет",
        display_name="Иван",
    )


async def test_inbound_events_are_claimed_once(db: Database) -> None:
    async with db.write() as s:
        assert await inbound.claim_inbound(s, hello(external_id="100"))
    async with db.write() as s:
        assert not await inbound.claim_inbound(s, hello(external_id="100"))
        assert await inbound.claim_inbound(s, hello(channel="viber", external_id="100"))


async def test_received_events_wait_in_the_inbox_until_processed(db: Database) -> None:
    from datetime import timedelta

    from bot.events import Attachment, InboundKind
    from bot.storage.models import utcnow

    event = Inbound(
        channel="telegram",
        external_id="7",
        user_id="u",
        chat_id="u",
        kind=InboundKind.TEXT,
        text="фото",
        attachments=(Attachment("photo", "tg-file:abc", size=10),),
    )
    async with db.write() as s:
        inbox_id = await inbound.receive(s, event)
        assert inbox_id is not None
        assert await inbound.receive(s, event) is None  # redelivery: refused at the door
    async with db.read() as s:
        pending = await inbound.unprocessed(s, utcnow() + timedelta(seconds=1))
    assert pending == [(inbox_id, event)]  # the event round-trips through JSON
    async with db.write() as s:
        assert await inbound.claim_inbound(s, event, inbox_id)
        assert not await inbound.claim_inbound(s, event, inbox_id)
    async with db.read() as s:
        assert await inbound.unprocessed(s, utcnow() + timedelta(seconds=1)) == []


async def test_identity_is_created_once_and_keeps_latest_name(db: Database) -> None:
    async with db.write() as s:
        first = await repo.get_or_create_identity(s, hello())
    async with db.write() as s:
        again = await repo.get_or_create_identity(
            s,
            Inbound(
                channel="telegram",
                external_id="2",
                user_id="u1",
                chat_id="u1",
                display_name="Иван П.",
            ),
        )
        assert again.id == first.id and again.customer_id == first.customer_id
        assert again.display_name == "Иван П."
        count = await s.scalar(select(func.count()).select_from(Identity))
    assert count == 1


async def test_conversation_follows_the_customer_and_audits_moves(db: Database) -> None:
    async with db.write() as s:
        identity = await repo.get_or_create_identity(s, hello())
        conv, created = await repo.open_conversation(s, identity.customer_id, "telegram", "u1")
        assert created and conv.owner == Owner.BOT
        await repo.move(s, conv, Owner.QUEUED, reason="customer_request", actor="bot")
        assert conv.escalated_at is not None and conv.escalated_at.tzinfo is UTC
    with pytest.raises(IllegalTransition):
        async with db.write() as s:
            same, created = await repo.open_conversation(s, identity.customer_id, "viber", "v1")
            assert not created and same.id == conv.id and same.channel == "viber"
            await repo.move(s, same, Owner.CLOSED, reason="done", actor="operator:1")
            await repo.move(s, same, Owner.BOT, reason="reopen", actor="operator:1")
    async with db.read() as s:
        moves = (await s.scalars(select(Transition).order_by(Transition.id))).all()
    # The illegal move rolled the whole transaction back: only the first move is kept.
    assert [(t.from_owner, t.to_owner, t.reason) for t in moves] == [
        ("bot", "queued", "customer_request")
    ]


async def test_enqueue_writes_history_and_outbox_atomically(db: Database) -> None:
    async with db.write() as s:
        identity = await repo.get_or_create_identity(s, hello())
        conv, _ = await repo.open_conversation(s, identity.customer_id, "telegram", "u1")
        outgoing.enqueue(s, conv, Outbound(text="Ответ"))
    async with db.read() as s:
        item = await s.scalar(select(OutboxItem))
        assert item is not None
        assert (item.status, item.chat_id, item.payload["text"]) == ("pending", "u1", "Ответ")
        history = await repo.history(s, identity.customer_id)
        assert [m.text for m in history] == ["Ответ"]


async def test_merging_customers_joins_histories(db: Database) -> None:
    async with db.write() as s:
        tg = await repo.get_or_create_identity(s, hello("t1", "telegram"))
        vb = await repo.get_or_create_identity(s, hello("v1", "viber"))
        tg_conv, _ = await repo.open_conversation(s, tg.customer_id, "telegram", "t1")
        outgoing.enqueue(s, tg_conv, Outbound(text="в телеграме"))
        vb_conv, _ = await repo.open_conversation(s, vb.customer_id, "viber", "v1")
        outgoing.enqueue(s, vb_conv, Outbound(text="в вайбере"))
        code = await customers.new_link_code(
            s, tg.customer_id, __import__("datetime").timedelta(minutes=5)
        )
    async with db.write() as s:
        keep = await customers.use_link_code(s, code)
        assert keep == tg.customer_id
        await customers.merge_customers(s, keep, vb.customer_id)
        assert await customers.use_link_code(s, code) is None
    async with db.read() as s:
        texts = [m.text for m in await repo.history(s, tg.customer_id)]
        open_count = await s.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.owner != "closed")
        )
    assert texts == ["в телеграме", "в вайбере"]
    assert open_count == 1


async def test_payload_store_round_trip(db: Database) -> None:
    long = "faq:" + "очень_длинный_идентификатор_" * 5
    async with db.write() as s:
        key = await payloads.put_payload(s, long)
    assert len(key) <= 32
    async with db.read() as s:
        assert await payloads.get_payload(s, key) == long
        assert await payloads.get_payload(s, "missing") is None
    # The same button sent again (Viber resends its keyboard with every message) reuses the row.
    async with db.write() as s:
        assert await payloads.put_payload(s, long) == key
        assert await payloads.put_payload(s, long + "2") != key
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(StoredPayload)) == 2


async def test_two_operators_never_take_the_same_conversation(db: Database) -> None:
    async with db.write() as s:
        a = await create_operator(s, "anna", "password1", teams=["support"])
        b = await create_operator(s, "boris", "password2", teams=["support"])
        identity = await repo.get_or_create_identity(s, hello())
        conv, _ = await repo.open_conversation(s, identity.customer_id, "telegram", "u1")
        await repo.move(s, conv, Owner.QUEUED, reason="customer_request", actor="bot")

    async def attempt(operator_id: int) -> bool:
        async with db.write() as s:
            return await routing.take(s, conv.id, operator_id, actor=f"operator:{operator_id}")

    results = await asyncio.gather(*(attempt(op) for op in (a.id, b.id, a.id, b.id)))
    assert sorted(results) == [False, False, False, True]
    async with db.read() as s:
        taken = await s.get(Conversation, conv.id)
        assert taken is not None and taken.owner == "operator"
        moves = await s.scalar(
            select(func.count()).select_from(Transition).where(Transition.to_owner == "operator")
        )
    assert moves == 1


# --- Pooled PostgreSQL connections: pinged only after sitting idle ---------------------------


async def _kill_connections(url: str) -> None:
    """What a server restart does to a pool: every backend of the database is gone."""
    name = url.rsplit("/", 1)[1]
    await _pg_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


async def _select_one(database: Database) -> int | None:
    async with database.write() as session:
        return await session.scalar(select(1))


async def test_a_connection_that_died_while_idle_is_replaced_unnoticed(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "PING_IDLE_AFTER", 0.0)  # every pooled connection is "idle"
    database = Database(pg_url)
    try:
        assert await _select_one(database) == 1
        await _kill_connections(pg_url)
        assert await _select_one(database) == 1
    finally:
        await database.dispose()


async def test_a_connection_in_use_a_moment_ago_is_not_pinged(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No extra round trip on a busy pool: a connection that dies between two quick
    transactions fails the second one, once; the pool then replaces its connections."""
    monkeypatch.setattr(db_module, "PING_IDLE_AFTER", 3600.0)
    database = Database(pg_url)
    try:
        assert await _select_one(database) == 1
        await _kill_connections(pg_url)
        with pytest.raises(DBAPIError) as failure:
            await _select_one(database)
        assert failure.value.connection_invalidated
        assert await _select_one(database) == 1
    finally:
        await database.dispose()


async def test_the_migrations_build_exactly_the_schema_the_models_describe(db: Database) -> None:
    """A hand-written migration that forgets a column, an index or a constraint fails here,
    on both databases, instead of in production."""

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection)
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == []

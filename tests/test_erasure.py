"""Erasing personal data: a customer asks to be forgotten; old histories expire by retention.

Run on SQLite and PostgreSQL over the real engine, outbox and handoff service. The check that
nothing is left reads every column of every table as text and looks for what the customer
said and who they are."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.events import Inbound, Outbound
from bot.ownership import Owner
from bot.storage import customers, erasure, inbound, outgoing, repo
from bot.storage.db import Database
from bot.storage.models import (
    Base,
    Conversation,
    Customer,
    CustomerMerge,
    DeliveryEvent,
    Identity,
    InboxItem,
    Message,
    OutboxItem,
    Transition,
    utcnow,
)
from handoff import editor, metrics, privacy, views
from tests.handoff_kit import WALL_CLOCK, Stack, stack

SECRETS = ("89991234567", "Мира 15", "Клиент c1", "Ольга Петрова", "помню её адрес")


async def everything_stored(db: Database) -> str:
    """Every row of every table, as one text."""
    parts: list[str] = []
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


async def a_customer_with_a_past(s: Stack, anna: int) -> tuple[int, int]:
    """c1 gives their phone and address, is served by Anna, and writes again from Viber."""
    await s.say("c1", "доставка на Мира 15, мой телефон 89991234567")
    conv = await s.escalate("c1")
    await s.service.take(conv, anna)
    await s.service.reply(conv, anna, "Ольга Петрова, уже проверяю доставку на Мира 15")
    await s.service.note(conv, anna, "постоянный клиент, помню её адрес")
    async with s.db.write() as session:
        await session.execute(update(Customer).where(Customer.id == 1).values(phone="79991234567"))
        session.add(DeliveryEvent(channel="test", user_id="c1", status="seen"))
        await inbound.receive(
            session,
            Inbound(
                channel="test",
                external_id="raw-1",
                user_id="c1",
                chat_id="c1",
                text="мой телефон 89991234567",
                display_name="Клиент c1",
            ),
        )
    return conv, 1


async def test_a_customer_who_asks_to_be_forgotten_leaves_nothing_personal(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv, customer_id = await a_customer_with_a_past(s, anna)
        other = await s.say("c2", "доставка сколько идёт")
        # An editor took both questions off the «не понял» list; the audit row keeps the text.
        await editor.dismiss(db, "Доставка на Мира 15, мой телефон 89991234567!", anna)
        await editor.dismiss(db, "доставка сколько идёт", anna)
        async with db.read() as session:
            before = await metrics.compute(
                session, utcnow() - timedelta(days=1), brain=s.engine.brain
            )
        assert "89991234567" in await everything_stored(db)

        async with db.write() as session:
            result = await erasure.forget_customer(session, customer_id, actor="admin:boss")

        stored = await everything_stored(db)
        for secret in SECRETS:
            assert secret not in stored, secret
        assert result.customer_ids == (customer_id,)
        assert result.closed_conversations == (conv,)
        assert result.report.closed == 1 and result.report.inbox == 1
        assert result.report.delivery_events == 1
        assert result.report.dismissed == 1  # theirs; the other customer's stays
        async with db.read() as session:
            conversation = await session.get(Conversation, conv)
            assert conversation is not None and conversation.owner == Owner.CLOSED.value
            closing = await session.scalar(
                select(Transition)
                .where(Transition.conversation_id == conv)
                .order_by(Transition.id.desc())
            )
            assert closing is not None
            assert (closing.reason, closing.actor) == ("erased", "admin:boss")
            customer = await session.get(Customer, customer_id)
            assert customer is not None and customer.erased_at is not None
            assert (customer.display_name, customer.phone) == (None, None)
            messages = (
                await session.scalars(select(Message).where(Message.customer_id == customer_id))
            ).all()
            assert messages and all(m.text == "" and m.data == {"erased": True} for m in messages)
            raw = await session.scalar(select(InboxItem).where(InboxItem.external_id == "raw-1"))
            assert raw is not None and raw.event == {} and raw.processed_at is not None
            # The other customer is untouched.
            theirs = await session.get(Conversation, other)
            assert theirs is not None and theirs.erased_at is None
            after = await metrics.compute(
                session, utcnow() - timedelta(days=1), brain=s.engine.brain
            )
        # The manager's figures do not change retroactively.
        for key in ("first_response", "per_operator_day", "csat", "deflection"):
            assert after[key] == before[key], key
        # Why it went to a person stays; after which question was in the erased texts.
        assert after["handoffs"]["reasons"] == before["handoffs"]["reasons"]
        assert [t["intent"] for t in before["handoffs"]["topics"]] == ["delivery_time"]
        assert (after["handoffs"]["topics"], after["handoffs"]["without_question"]) == ([], 1)
        assert "сколько идёт" in stored


async def test_after_being_forgotten_the_customer_starts_afresh(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        old, customer_id = await a_customer_with_a_past(s, anna)
        async with db.write() as session:
            await erasure.forget_customer(session, customer_id, actor="admin:boss")
        again = await s.say("c1", "доставка в Казань")
        async with db.read() as session:
            conversation = await session.get(Conversation, again)
            assert conversation is not None and conversation.customer_id != customer_id
            card = await views.customer_card(session, conversation.customer_id, WALL_CLOCK)
            old_card = await views.customer_card(session, customer_id, WALL_CLOCK)
        assert [c["id"] for c in card["conversations"]] == [again]  # no past is shown
        assert card["erased_at"] is None
        assert old_card["erased_at"] is not None and old_card["channels"][0]["name"] is None
        assert old in [c["id"] for c in old_card["conversations"]]
        # Erasing again is harmless.
        async with db.write() as session:
            repeat = await erasure.forget_customer(session, customer_id, actor="admin:boss")
        assert repeat.report.closed == 0


async def test_replies_not_yet_sent_are_cancelled_not_sent(db: Database) -> None:
    async with stack(db) as s:
        conv = await s.say("c1", "доставка")
        async with db.write() as session:
            conversation = await session.get(Conversation, conv)
            assert conversation is not None
            later = outgoing.enqueue(session, conversation, Outbound(text="Ваш адрес: Мира 15"))
            await session.flush()
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.message_id == later.id)
                .values(next_attempt_at=utcnow() + timedelta(hours=1))
            )
        async with db.write() as session:
            result = await erasure.forget_customer(session, 1, actor="admin:boss")
        assert result.report.cancelled == 1
        async with db.read() as session:
            row = await session.scalar(select(OutboxItem).where(OutboxItem.message_id == later.id))
        assert row is not None and row.status == "failed" and row.last_error == erasure.CANCELLED
        assert row.payload == {"erased": True}
        await s.outbox.wait_idle(2)
        assert "Ваш адрес: Мира 15" not in [m.text for m in s.channel.sent["c1"]]


async def test_the_same_person_in_two_messengers_is_erased_as_one(db: Database) -> None:
    async with stack(db) as s:
        await s.say("c1", "доставка")
        await s.say("c9", "доставка, я Ольга Петрова")
        async with db.write() as session:
            olga = await session.get(Customer, 2)
            assert olga is not None
            olga.phone = "79161234567"
            await customers.merge_customers(session, 1, 2)  # the join records the phone it copied
        async with db.read() as session:  # the merged-away customer finds the whole person
            assert await erasure.find_customer(session, customer_id=2) == 1
            assert await erasure.find_customer(session, channel="test", user_id="c9") == 1
            with pytest.raises(erasure.CustomerNotFound):
                await erasure.find_customer(session, channel="test", user_id="nobody")
        async with db.write() as session:
            result = await erasure.forget_customer(session, 1, actor="admin:boss")
        assert sorted(result.customer_ids) == [1, 2]
        assert result.report.identities == 2
        assert "Ольга Петрова" not in await everything_stored(db)
        assert "79161234567" not in await everything_stored(db)
        async with db.read() as session:
            users = (await session.scalars(select(Identity.user_id))).all()
            assert (await session.scalars(select(CustomerMerge))).all() == []
        assert all(u.startswith("erased:") for u in users)


async def closed_days_ago(db: Database, conversation_id: int, days: int) -> None:
    async with db.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        await repo.move(session, conversation, Owner.CLOSED, reason="closed", actor="test")
        conversation.closed_at = utcnow() - timedelta(days=days)


async def test_retention_erases_only_conversations_closed_long_enough_ago(db: Database) -> None:
    async with stack(db) as s:
        old = await s.say("c1", "доставка на Мира 15")
        await closed_days_ago(db, old, 40)
        recent = await s.say("c1", "доставка, ещё вопрос")
        await closed_days_ago(db, recent, 10)
        current = await s.say("c1", "доставка сегодня")
        async with db.write() as session:
            report = await erasure.erase_closed_before(session, utcnow() - timedelta(days=30))
        assert report.conversations == 1
        async with db.read() as session:
            texts: dict[int, list[str]] = {}
            for m in (await session.scalars(select(Message).order_by(Message.id))).all():
                texts.setdefault(m.conversation_id, []).append(m.text)
            customer = await session.get(Customer, 1)
        assert set(texts[old]) == {""}
        assert "доставка, ещё вопрос" in texts[recent] and "доставка сегодня" in texts[current]
        assert customer is not None and customer.erased_at is None  # the person stays
        async with db.write() as session:  # done once: nothing more to erase
            again = await erasure.erase_closed_before(session, utcnow() - timedelta(days=30))
        assert again.conversations == 0


async def test_the_runtime_erases_histories_older_than_the_configured_days(bot: Any) -> None:
    runtime = bot.runtime
    assert runtime.engine.brain.config.privacy.history_keep_days == 1095  # config.yml
    await bot.customer("olga").say("как вернуть товар")
    async with runtime.db.read() as session:
        conversation_id = await session.scalar(select(Conversation.id))
    assert conversation_id is not None
    await closed_days_ago(runtime.db, conversation_id, 1094)
    assert await runtime.erase_old_history() == 0
    async with runtime.db.write() as session:
        session.add(DeliveryEvent(channel="telegram", user_id="olga", status="seen"))
        session.add(
            DeliveryEvent(
                channel="telegram",
                user_id="olga",
                status="seen",
                at=utcnow() - timedelta(days=1100),
            )
        )
    await closed_days_ago_again(runtime.db, conversation_id, 1096)
    assert await runtime.erase_old_history() == 1
    async with runtime.db.read() as session:
        assert len((await session.scalars(select(DeliveryEvent.id))).all()) == 1  # the new one
    privacy = runtime.engine.brain.config.privacy
    privacy.history_keep_days = None  # the project keeps histories forever
    try:
        await closed_days_ago_again(runtime.db, conversation_id, 5000)
        assert await runtime.erase_old_history() == 0
    finally:
        privacy.history_keep_days = 1095


async def closed_days_ago_again(db: Database, conversation_id: int, days: int) -> None:
    async with db.write() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(closed_at=utcnow() - timedelta(days=days))
        )


async def test_retention_deletes_old_messenger_receipts_oldest_first(db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        for days in (40, 35, 5, 31):  # ids in arrival order; the last arrived late but is old
            session.add(
                DeliveryEvent(
                    channel="viber", user_id="u1", status="seen", at=now - timedelta(days=days)
                )
            )
    async with db.write() as session:  # looks at the two oldest rows only
        assert await erasure.prune_delivery_events(session, now - timedelta(days=30), 2) == 2
    async with db.write() as session:  # the oldest is recent now: the look stops there
        assert await erasure.prune_delivery_events(session, now - timedelta(days=30), 1) == 0
    async with db.write() as session:
        assert await erasure.prune_delivery_events(session, now - timedelta(days=30)) == 1
    async with db.read() as session:
        left = (await session.scalars(select(DeliveryEvent.at))).all()
    assert [round((now - at).total_seconds() / 86400) for at in left] == [5]


def bytes_on_disk(path: Any) -> bytes:
    """The database file and its write-ahead log, as they lie on disk."""
    return b"".join(
        file.read_bytes() for file in path.parent.glob(f"{path.name}*") if file.is_file()
    )


async def test_forgotten_texts_are_not_left_in_the_sqlite_log(tmp_path: Any) -> None:
    path = tmp_path / "zabota.sqlite3"
    database = Database(f"sqlite:///{path}")
    await database.upgrade()
    try:
        async with stack(database) as s:
            anna = await s.operator("anna")
            await a_customer_with_a_past(s, anna)
            secret = "Мира 15".encode()
            assert secret in bytes_on_disk(path)  # in the log, the file or both
            boss = await s.operator_row(await s.operator("boss", role="admin"))
            await privacy.forget_customer(s.service, 1, boss)
            on_disk = bytes_on_disk(path)
            for text in SECRETS:
                assert text.encode() not in on_disk, text
            assert (tmp_path / "zabota.sqlite3-wal").stat().st_size == 0
    finally:
        await database.dispose()

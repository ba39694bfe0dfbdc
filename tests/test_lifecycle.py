"""Conversations the customer left end by themselves (bot/storage/lifecycle.py).

A bot conversation idle for ``policy.session_expiry_minutes`` is closed and the next message
opens a new one; a conversation an operator answered last is closed after
``handoff.close_after_silence_minutes`` of the customer's silence, with a goodbye and the rating
buttons. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from starlette.applications import Starlette

from bot.ownership import Owner
from bot.storage import erasure, lifecycle
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, Transition, utcnow
from handoff.auth import create_operator
from handoff.service import HandoffService
from handoff.web import console_routes
from tests.dialogue import TestBot
from tests.handoff_kit import PASSWORD, Stack, make_brain, stack

SILENT_CLOSE = "Похоже, вопрос решён, поэтому я закрываю диалог"


def later(minutes: float) -> Callable[[], datetime]:
    moment = utcnow() + timedelta(minutes=minutes)
    return lambda: moment


async def transitions(s: Stack, conversation_id: int) -> list[tuple[str, str, str, str]]:
    async with s.db.read() as session:
        rows = await session.scalars(
            select(Transition)
            .where(Transition.conversation_id == conversation_id)
            .order_by(Transition.id)
        )
        return [(t.from_owner, t.to_owner, t.reason, t.actor) for t in rows]


# -- the bot's conversations ---------------------------------------------------------------


async def test_a_customer_back_after_an_hour_starts_a_new_conversation(db: Database) -> None:
    async with stack(db) as s:
        morning = await s.say("c1", "доставка")
        s.engine.clock = later(61)
        afternoon = await s.say("c1", "доставка")
        assert afternoon != morning
        old = await s.conversation(morning)
        assert old.owner == Owner.CLOSED.value and old.closed_at is not None
        assert await transitions(s, morning) == [("bot", "closed", "inactive", "system")]
        assert (await s.conversation(afternoon)).owner == Owner.BOT.value
        # The customer noticed nothing: the same answer, no goodbye in between.
        texts = [m.text for m in await s.delivered("c1")]
        assert len(texts) == 2 and texts[0] == texts[1]


async def test_within_the_hour_it_is_the_same_conversation(db: Database) -> None:
    async with stack(db) as s:
        first = await s.say("c1", "доставка")
        s.engine.clock = later(59)
        assert await s.say("c1", "доставка") == first


async def test_a_miss_yesterday_and_a_miss_today_do_not_add_up_to_a_handoff(
    db: Database,
) -> None:
    async with stack(db) as s:
        await s.say("c1", "абракадабра")
        s.engine.clock = later(24 * 60)
        today = await s.say("c1", "ывапролд")
        assert (await s.conversation(today)).owner == Owner.BOT.value
        # Two misses within the hour still bring a person (handoff.not_understood_limit: 2).
        assert (await s.conversation(await s.say("c1", "щщщ"))).owner == Owner.QUEUED.value


async def test_session_expiry_zero_keeps_one_conversation(db: Database) -> None:
    brain = make_brain()
    brain.config.policy.session_expiry_minutes = 0
    async with stack(db, brain) as s:
        first = await s.say("c1", "доставка")
        s.engine.clock = later(30 * 24 * 60)
        assert await s.say("c1", "доставка") == first


async def test_a_conversation_waiting_for_a_person_does_not_expire(db: Database) -> None:
    async with stack(db) as s:
        waiting = await s.escalate("c1")  # nobody online: it waits in the queue overnight
        s.engine.clock = later(12 * 60)
        assert await s.say("c1", "ну что там?") == waiting
        assert (await s.conversation(waiting)).owner == Owner.QUEUED.value
        async with s.db.write() as session:
            assert await lifecycle.expire_bot_conversations(session, utcnow()) == []


async def test_the_sweep_closes_idle_bot_conversations_only(db: Database) -> None:
    async with stack(db) as s:
        idle = await s.say("c1", "доставка")
        queued = await s.escalate("c2")
        async with s.db.write() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id.in_([idle, queued]))
                .values(updated_at=utcnow() - timedelta(hours=2))
            )
        fresh = await s.say("c3", "доставка")
        async with s.db.write() as session:
            closed = await lifecycle.expire_bot_conversations(
                session, utcnow() - timedelta(minutes=60)
            )
        assert [c.id for c in closed] == [idle]
        assert (await s.conversation(queued)).owner == Owner.QUEUED.value
        assert (await s.conversation(fresh)).owner == Owner.BOT.value
        assert await transitions(s, idle) == [("bot", "closed", "inactive", "system")]
        # Once closed, retention can erase it (a conversation open for ever never would be).
        async with s.db.write() as session:
            report = await erasure.erase_closed_before(session, utcnow() + timedelta(seconds=1))
        assert report.conversations == 1
        async with s.db.read() as session:
            texts = (
                await session.scalars(select(Message.text).where(Message.conversation_id == idle))
            ).all()
        assert texts and set(texts) == {""}


# -- an operator's conversations -----------------------------------------------------------


async def test_an_operator_conversation_the_customer_left_is_closed_with_a_rating_request(
    db: Database,
) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", capacity=1)
        conv = await s.escalate("c1")
        await s.service.reply(conv, anna, "Заказ передан в доставку. Могу ещё чем-то помочь?")
        waiting = await s.escalate("c2")  # Анна занята: c2 ждёт в очереди
        assert (await s.conversation(waiting)).owner == Owner.QUEUED.value

        assert await s.service.close_silent(now=utcnow() + timedelta(minutes=30)) == []
        assert await s.service.close_silent(now=utcnow() + timedelta(minutes=61)) == [conv]

        goodbye, ask = (await s.delivered("c1"))[-2:]
        assert goodbye.text.startswith(SILENT_CLOSE)
        assert [b.payload for b in ask.buttons] == [f"rate:{conv}:{n}" for n in range(1, 6)]
        closed = await s.conversation(conv)
        assert closed.owner == Owner.CLOSED.value
        assert (await transitions(s, conv))[-1] == (
            "operator",
            "closed",
            "customer_silent",
            "system",
        )
        async with s.db.read() as session:
            events = (
                await session.scalars(
                    select(Message.text).where(
                        Message.conversation_id == conv, Message.kind == "event"
                    )
                )
            ).all()
        assert "Диалог закрыт автоматически: клиент не отвечал 1 ч" in events
        # Anna's slot is free again, and the customer who waited gets her at once.
        assert (await s.conversation(waiting)).operator_id == anna
        # The rating counts for Anna.
        await s.say("c1", "5", payload=ask.buttons[4].payload)
        assert (await s.delivered("c1"))[-1].text.startswith("Спасибо за оценку")


async def test_a_customer_waiting_for_an_answer_is_never_closed_on(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv = await s.escalate("c1")
        await s.service.reply(conv, anna, "Сейчас проверю.")
        await s.say("c1", "а когда будет ответ?")  # the operator owes an answer now
        assert await s.service.close_silent(now=utcnow() + timedelta(days=1)) == []
        assert (await s.conversation(conv)).owner == Owner.OPERATOR.value


async def test_an_operator_who_has_not_written_yet_keeps_the_conversation(db: Database) -> None:
    async with stack(db) as s:
        await s.operator("anna")
        conv = await s.escalate("c1")  # «Оператор Анна уже читает…» is the bot's line
        assert (await s.conversation(conv)).owner == Owner.OPERATOR.value
        assert await s.service.close_silent(now=utcnow() + timedelta(days=1)) == []


async def test_the_customer_replying_restarts_the_wait(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv = await s.escalate("c1")
        await s.service.reply(conv, anna, "Какой номер заказа?")
        async with s.db.write() as session:  # that was two hours ago
            await session.execute(
                update(Message)
                .where(Message.conversation_id == conv)
                .values(created_at=utcnow() - timedelta(hours=2))
            )
        await s.say("c1", "1234")
        await s.service.reply(conv, anna, "Спасибо, заказ в пути.")
        assert await s.service.close_silent() == []  # she answered just now
        assert await s.service.close_silent(now=utcnow() + timedelta(minutes=61)) == [conv]


async def test_a_transfer_gives_the_colleague_the_full_wait(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        boris = await s.operator("boris")
        conv = await s.escalate("c1")
        holder = (await s.conversation(conv)).operator_id
        colleague = boris if holder == anna else anna
        assert holder is not None
        await s.service.reply(conv, holder, "Уточню у склада.")
        async with s.db.write() as session:  # that was two hours ago
            await session.execute(
                update(Message)
                .where(Message.conversation_id == conv)
                .values(created_at=utcnow() - timedelta(hours=2))
            )
        await s.service.transfer(conv, holder, to_operator_id=colleague, note="Склад ответил")
        assert await s.service.close_silent() == []
        assert (await s.conversation(conv)).operator_id == colleague


async def test_close_after_silence_zero_never_closes(db: Database) -> None:
    brain = make_brain()
    brain.config.handoff.close_after_silence_minutes = 0
    async with stack(db, brain) as s:
        anna = await s.operator("anna")
        conv = await s.escalate("c1")
        await s.service.reply(conv, anna, "Готово.")
        assert await s.service.close_silent(now=utcnow() + timedelta(days=7)) == []


# -- the running bot ---------------------------------------------------------------------------


async def _age(bot: TestBot, conversation_id: int, hours: float) -> None:
    """Move everything said in the conversation ``hours`` into the past."""
    past = utcnow() - timedelta(hours=hours)
    async with bot.runtime.db.write() as session:
        await session.execute(
            update(Message)
            .where(Message.conversation_id == conversation_id)
            .values(created_at=past)
        )
        await session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(updated_at=past)
        )


async def test_the_maintenance_round_ends_both_kinds(bot: TestBot) -> None:
    Starlette(routes=console_routes(bot.runtime))  # the console registers its round job
    runtime: Any = bot.runtime
    service = HandoffService.from_runtime(bot.runtime)
    alice, bob = bot.customer("alice"), bot.customer("bob")
    await alice.say("сколько стоит доставка")
    await bob.say("позовите оператора")
    async with runtime.db.read() as session:
        by_bot = await session.scalar(select(Conversation.id).where(Conversation.owner == "bot"))
        queued = await session.scalar(select(Conversation.id).where(Conversation.owner == "queued"))
    assert by_bot is not None and queued is not None
    async with runtime.db.write() as session:
        anna = await create_operator(session, "anna", PASSWORD, display_name="Анна")
        anna.status = "online"
        anna_id = anna.id
    await service.take(queued, anna_id)
    await service.reply(queued, anna_id, "Готово, чем ещё помочь?")
    await _age(bot, by_bot, 2)
    await _age(bot, queued, 2)

    said_to_alice = len(alice.sent)
    await runtime.maintain()
    await runtime.drain()

    async with runtime.db.read() as session:
        owners = {
            c.id: c.owner
            for c in await session.scalars(
                select(Conversation).where(Conversation.id.in_([by_bot, queued]))
            )
        }
    assert owners == {by_bot: "closed", queued: "closed"}
    assert bob.sent[-2].text.startswith(SILENT_CLOSE)
    assert "оцените" in bob.sent[-1].text.lower()
    assert len(alice.sent) == said_to_alice  # a bot conversation ends without a word


async def test_a_flow_question_answered_hours_later_is_still_its_answer(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    assert "номер заказа" in alice.last_text
    morning = alice.last_outcome.conversation_id
    bot.runtime.engine.clock = later(3 * 60)  # she found the number three hours later
    await alice.say("вот он: 12345678, жду с понедельника")
    assert "https://volt-shop.ru/orders/12345678" in alice.sent[-2].text
    assert alice.last_outcome.conversation_id != morning  # a new conversation all the same
    async with bot.runtime.db.read() as session:
        old = await session.get(Conversation, morning)
        assert old is not None and old.owner == Owner.CLOSED.value


async def test_a_flow_button_pressed_after_the_sweep_still_counts(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    morning = alice.last_outcome.conversation_id
    async with bot.runtime.db.write() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == morning)
            .values(updated_at=utcnow() - timedelta(hours=3))
        )
    assert await bot.runtime.expire_sessions() == 1
    replies = await alice.press("Нет, заказ задерживается")
    assert replies[0].text.startswith("Передаю коллеге номер заказа 12345678")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert alice.last_outcome.conversation_id != morning


async def test_nothing_is_carried_over_from_a_conversation_a_person_closed(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv = await s.escalate("c1")
        async with s.db.write() as session:  # a flow was running when the customer asked
            row = await session.get(Conversation, conv)
            assert row is not None
            row.context = {**row.context, "flow": {"id": "order_status", "step": 0}}
        await s.service.reply(conv, anna, "Готово.")
        await s.service.close(conv, anna)
        s.engine.clock = later(61)
        fresh = await s.say("c1", "доставка")
        assert fresh != conv
        assert "flow" not in (await s.conversation(fresh)).context


async def test_an_open_conversation_is_found_behind_a_newer_closed_one(db: Database) -> None:
    """After two customers are merged, an older conversation may be open and a newer closed."""
    from bot.storage import repo
    from bot.storage.models import Customer

    async with db.write() as session:
        customer = Customer(display_name="К", created_at=utcnow())
        session.add(customer)
        await session.flush()
        rows = [
            Conversation(
                customer_id=customer.id,
                owner=owner,
                channel="test",
                chat_id="c",
                context={},
                unknown_streak=0,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            for owner in ("queued", "closed")
        ]
        session.add_all(rows)
        await session.flush()
        open_id, customer_id = rows[0].id, customer.id
    async with db.write() as session:
        found, created = await repo.open_conversation(session, customer_id, "test", "c")
    assert (found.id, created) == (open_id, False)

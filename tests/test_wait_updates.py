"""A customer kept in the queue past the wait they were told hears from us (handoff/waiting.py).

The handoff says «примерно через 3 минуты»; if nobody has answered two minutes past that, the
customer reads an apology with where they are in the queue and a fresh estimate, which becomes
the next promise. At most ``handoff.wait_updates`` such messages per handoff; out of hours, when
the team is back. Minutes are named only while somebody of the team is online (here Борис, busy
with a customer of his own); with nobody there none are promised, so none can be late
(tests/test_nobody_online.py). On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from bot.storage.db import Database
from bot.storage.models import Conversation, utcnow
from handoff import waiting
from handoff.waiting import PROMISE, queue_text
from handoff.web import console_routes
from tests.dialogue import TestBot
from tests.handoff_kit import make_brain, stack, without_responses

SORRY = "Простите, ждать приходится дольше, чем я обещал"


def minutes_later(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


async def test_a_customer_waiting_past_the_promise_hears_a_new_estimate(db: Database) -> None:
    async with stack(db) as s:
        await s.busy_operator()
        run = s.waiting_notices().run
        conv = await s.escalate("c1")  # Борис has no free slot: it waits in the queue
        assert "примерно через 3 минуты" in (await s.texts("c1"))[-1]

        # Three minutes were promised; two more are allowed before we say anything.
        assert await run(minutes_later(4)) == []
        assert await run(minutes_later(6)) == [conv]
        sorry = (await s.texts("c1"))[-1]
        assert sorry.startswith(SORRY)
        assert "Сейчас вы следующий в очереди, ответим примерно через 3 минуты." in sorry
        # The operator who opens it sees that the customer was told.
        assert (await s.events(conv))[-1] == (
            "Ожидание затянулось, клиенту сообщено: первый в очереди, ещё около 3 минут"
        )

        # Said once: the new promise holds for the next three minutes and two of grace.
        assert await run(minutes_later(7)) == []
        assert await run(minutes_later(12)) == [conv]
        # handoff.wait_updates: 2 — a third apology would be noise.
        assert await run(minutes_later(60)) == []
        assert sum(t.startswith(SORRY) for t in await s.texts("c1")) == 2


async def test_each_customer_hears_their_own_place_in_the_queue(db: Database) -> None:
    async with stack(db) as s:
        await s.busy_operator()
        first, second, third = [await s.escalate(user) for user in ("c1", "c2", "c3")]
        assert sorted(await s.waiting_notices().run(minutes_later(30))) == sorted(
            [first, second, third]
        )
        assert "Сейчас вы следующий в очереди" in (await s.texts("c1"))[-1]
        assert "Сейчас перед вами в очереди 1 обращение" in (await s.texts("c2"))[-1]
        assert "Сейчас перед вами в очереди 2 обращения" in (await s.texts("c3"))[-1]


def test_the_queue_is_said_in_russian() -> None:
    assert queue_text(0) == "вы следующий в очереди"
    assert queue_text(1) == "перед вами в очереди 1 обращение"
    assert queue_text(4) == "перед вами в очереди 4 обращения"
    assert queue_text(5) == "перед вами в очереди 5 обращений"
    assert queue_text(11) == "перед вами в очереди 11 обращений"
    assert queue_text(22) == "перед вами в очереди 22 обращения"


async def test_a_conversation_an_operator_took_or_answered_is_left_alone(db: Database) -> None:
    async with stack(db) as s:
        taken = await s.escalate("c1")
        answered = await s.escalate("c2")
        anna = await s.operator("anna", capacity=1, status="away")
        await s.service.take(taken, anna)
        admin = await s.operator("boss", role="admin", status="offline")
        await s.service.reply(answered, admin, "Смотрю ваш заказ.")
        assert await s.waiting_notices().run(minutes_later(30)) == []
        for user in ("c1", "c2"):
            assert not any(t.startswith(SORRY) for t in await s.texts(user))


async def test_after_the_apology_a_customer_message_gets_one_short_acknowledgement(
    db: Database,
) -> None:
    async with stack(db) as s:
        await s.busy_operator()
        conv = await s.escalate("c1")
        moment = minutes_later(6)
        assert await s.waiting_notices().run(moment) == [conv]
        said = len(await s.texts("c1"))
        s.engine.clock = lambda: moment + timedelta(seconds=30)
        await s.say("c1", "ну что там?")
        # Not written into a void: the message is taken, with the way out of the queue.
        [ack] = (await s.delivered("c1"))[said:]
        assert ack.text.startswith("Ваше сообщение добавлено к обращению")
        assert [b.title for b in ack.buttons] == ["Отменить вызов оператора"]
        # The next one right after it is no news: no second acknowledgement.
        s.engine.clock = lambda: moment + timedelta(seconds=40)
        await s.say("c1", "фамилия Иванова")
        assert len(await s.texts("c1")) == said + 1
        # «Алло» asks whether anybody is there: that always gets the status (bot/queued.py).
        await s.say("c1", "алло")
        assert (await s.texts("c1"))[-1].startswith("Оператор подключится к диалогу примерно через")


async def test_an_operator_leaving_before_answering_makes_the_wait_late_again(
    db: Database,
) -> None:
    async with stack(db) as s:
        await s.busy_operator()
        anna = await s.operator("anna")
        conv = await s.escalate("c1")  # Anna is free: «уже читает вашу переписку»
        assert (await s.conversation(conv)).operator_id == anna
        assert await s.waiting_notices().run(minutes_later(10)) == []  # hers, however long
        await s.service.set_status(anna, "offline")  # she left without answering
        assert (await s.conversation(conv)).owner == "queued"
        assert await s.waiting_notices().run(minutes_later(10)) == [conv]
        assert (await s.texts("c1"))[-1].startswith(SORRY)


async def test_when_the_day_ends_the_customer_hears_when_the_team_is_back(db: Database) -> None:
    brain = make_brain(always_open=False)  # 9:00–21:00 Moscow time
    evening = datetime(2026, 12, 7, 17, 50, tzinfo=UTC)  # 20:50 in Moscow, a Monday
    async with stack(db, brain) as s:
        s.engine.clock = lambda: evening
        boris = await s.busy_operator()
        conv = await s.escalate("c1")
        assert "примерно через 3 минуты" in (await s.texts("c1"))[-1]
        # Борис's shift ends with the day: nobody of the team is online any more. (Someone still
        # online would answer tonight: tests/test_night_someone_online.py.)
        await s.service.set_status(boris, "offline")

        assert await s.waiting_notices().run(evening + timedelta(minutes=20)) == [conv]  # 21:10
        assert (await s.texts("c1"))[-1] == (
            "Простите, сегодня мы не успели ответить: операторы уже не на связи. Ваше обращение "
            "сохранено в очереди — сотрудник ответит здесь же завтра в 9:00."
        )
        # Nothing more at night: the promise is now 9:00.
        assert await s.waiting_notices().run(evening + timedelta(hours=6)) == []
        # 9:05 and still nobody: the second (and last) update (nobody is at their place yet).
        morning = datetime(2026, 12, 8, 6, 5, tzinfo=UTC)
        assert conv in await s.waiting_notices().run(morning)  # Борис's customer waits too
        assert (await s.texts("c1"))[-1].startswith(SORRY)


async def test_a_project_can_turn_the_updates_off(db: Database) -> None:
    brain = make_brain()
    brain.config.handoff.wait_updates = 0
    async with stack(db, brain) as s:
        await s.busy_operator()
        await s.escalate("c1")
        assert await s.waiting_notices().run(minutes_later(60)) == []

    brain = without_responses(make_brain(), "utter_handoff_still_waiting")
    async with stack(db, brain) as s:
        await s.busy_operator("gleb")
        await s.escalate("c2")
        assert await s.waiting_notices().run(minutes_later(60)) == []
        assert not any(t.startswith(SORRY) for t in await s.texts("c2"))


async def test_a_long_queue_of_customers_already_told_hides_nobody(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(waiting, "PAGE", 1)  # read the queue one conversation at a time
    async with stack(db) as s:
        await s.busy_operator()
        told_twice, second, third = [await s.escalate(user) for user in ("c1", "c2", "c3")]
        async with s.db.write() as session:
            conversation = await session.get(Conversation, told_twice)
            assert conversation is not None
            waiting.promise(conversation, utcnow(), updates=2)
        assert await s.waiting_notices().run(minutes_later(30)) == [second, third]


async def test_two_processes_apologise_once(db: Database) -> None:
    async with stack(db) as s:
        await s.busy_operator()
        conv = await s.escalate("c1")
        moment = minutes_later(6)
        results = await asyncio.gather(
            s.waiting_notices().run(moment), s.waiting_notices().run(moment)
        )
        assert sorted(results) == [[], [conv]]
        assert sum(t.startswith(SORRY) for t in await s.texts("c1")) == 1


async def test_the_running_bot_tells_a_waiting_customer(bot: TestBot) -> None:
    Starlette(routes=console_routes(bot.runtime))  # the console registers its round job
    runtime: Any = bot.runtime
    await bot.busy_operator()
    bob = bot.customer("bob")
    await bob.say("позовите оператора")
    assert "примерно через" in bob.last_text
    async with runtime.db.write() as session:  # the promised wait passed ten minutes ago
        conversation = await session.get(Conversation, bob.last_outcome.conversation_id)
        assert conversation is not None
        kept = dict(conversation.context[PROMISE])
        kept["due"] = (utcnow() - timedelta(minutes=10)).isoformat()
        conversation.context = {**conversation.context, PROMISE: kept}

    await runtime.maintain()
    await runtime.drain()
    assert bob.last_text.startswith(SORRY)


def test_the_operator_reads_the_wait_after_около_in_the_genitive() -> None:
    # «ещё около 1 минуты», not «около 1 минуту» (the form after «через»).
    said = {n: waiting.about_minutes(n) for n in (1, 3, 5, 11, 21, 22)}
    assert said == {
        1: "1 минуты",
        3: "3 минут",
        5: "5 минут",
        11: "11 минут",
        21: "21 минуты",
        22: "22 минут",
    }

"""The customer's operator goes away or offline mid-conversation (handoff/waiting.py).

The conversation returns to the queue. If a colleague is free, they take it at once and the
customer reads «Оператор Борис уже читает…». If not, a customer who is waiting for a reply is
told the conversation went to colleagues who see all of it and when to expect an answer, and the
usual wait updates keep that promise (with nobody else online, no minutes and no promise). A
customer whose question was answered hears nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.storage.db import Database
from bot.storage.models import utcnow
from handoff import waiting
from handoff.waiting import PROMISE
from tests.handoff_kit import Stack, make_brain, stack, without_responses

LEFT = (
    "Оператор Анна сейчас не на связи, поэтому я передал ваш диалог коллегам — вся переписка "
    "у них перед глазами, повторять ничего не нужно. Ответим примерно через 3 минуты."
)
SORRY = "Простите, ждать приходится дольше, чем я обещал"


async def anna_answers_c1(s: Stack) -> tuple[int, int]:
    """c1 asks for a person, Anna (the only one online) gets it and answers."""
    anna = await s.operator("anna", capacity=2, name="Анна")
    conv = await s.escalate("c1")
    assert (await s.conversation(conv)).operator_id == anna
    await s.service.reply(conv, anna, "Здравствуйте! Сейчас проверю ваш заказ.")
    return anna, conv


async def test_a_customer_waiting_for_a_reply_hears_their_operator_left(db: Database) -> None:
    async with stack(db) as s:
        anna, conv = await anna_answers_c1(s)
        await s.busy_operator(name="Борис")
        await s.say("c1", "заказ 12345, курьер так и не приехал")
        # Anna's shift ends before she answers; Борис is online but has no free slot.
        assert await s.service.set_status(anna, "offline") == [conv]
        assert (await s.texts("c1"))[-1] == LEFT
        assert (await s.events(conv))[-2:] == [
            "Анна сейчас не в сети — диалог вернулся в очередь",
            "Клиенту сообщено, что диалог передан коллегам: первый в очереди, ещё около 3 минут",
        ]
        # That is a promise like the handoff's: past it, the usual apology with a new estimate,
        # although the conversation was answered before.
        assert await s.waiting_notices().run(utcnow() + timedelta(minutes=4)) == []
        assert await s.waiting_notices().run(utcnow() + timedelta(minutes=6)) == [conv]
        assert (await s.texts("c1"))[-1].startswith(SORRY)


async def test_a_customer_whose_question_was_answered_hears_nothing(db: Database) -> None:
    async with stack(db) as s:
        anna, conv = await anna_answers_c1(s)
        said = len(await s.texts("c1"))
        await s.service.set_status(anna, "away")
        assert (await s.conversation(conv)).owner == "queued"
        assert len(await s.texts("c1")) == said  # Anna spoke last: nothing is owed
        # And the promise the handoff made ended with Anna's answer: no apology later either.
        assert await s.waiting_notices().run(utcnow() + timedelta(hours=1)) == []
        assert PROMISE not in ((await s.conversation(conv)).context or {})


async def test_a_free_colleague_takes_over_and_says_so_instead(db: Database) -> None:
    async with stack(db) as s:
        anna, conv = await anna_answers_c1(s)
        boris = await s.operator("boris", name="Борис")
        await s.say("c1", "так что с заказом?")
        await s.service.set_status(anna, "away")
        assert (await s.conversation(conv)).operator_id == boris
        said = await s.texts("c1")
        assert said[-1] == "Оператор Борис уже читает вашу переписку и скоро ответит."
        assert LEFT not in said


async def test_an_operator_who_never_answered_leaves_the_customer_told_too(
    db: Database,
) -> None:
    async with stack(db) as s:
        await s.busy_operator(name="Борис")
        anna = await s.operator("anna", name="Анна")
        conv = await s.escalate("c1")  # «Оператор Анна уже читает…», and then she does not
        await s.service.set_status(anna, "offline")
        assert (await s.texts("c1"))[-1] == LEFT
        # The promise is new: the updates count from zero and keep it.
        assert await s.waiting_notices().run(utcnow() + timedelta(minutes=2)) == []
        assert await s.waiting_notices().run(utcnow() + timedelta(minutes=6)) == [conv]


async def test_with_nobody_else_online_no_minutes_are_promised(db: Database) -> None:
    async with stack(db) as s:
        anna, conv = await anna_answers_c1(s)
        await s.say("c1", "заказ 12345, курьер так и не приехал")
        await s.service.set_status(anna, "away")  # the only one online goes «Не на месте»
        assert (await s.texts("c1"))[-1] == (
            "Оператор Анна сейчас не на связи, и других операторов тоже пока нет на месте. Ваш "
            "диалог сохранён в очереди — коллега ответит здесь же, как только вернётся, "
            "повторять ничего не нужно."
        )
        # Nothing was promised, so no «дольше, чем я обещал» follows.
        assert await s.waiting_notices().run(utcnow() + timedelta(hours=1)) == []
        assert PROMISE not in ((await s.conversation(conv)).context or {})


async def test_after_the_working_day_the_customer_hears_when_the_team_is_back(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    evening = datetime(2026, 12, 7, 18, 10, tzinfo=UTC)  # 21:10 in Moscow, a Monday
    monkeypatch.setattr(waiting, "utcnow", lambda: evening)
    async with stack(db, make_brain(always_open=False)) as s:
        anna, conv = await anna_answers_c1(s)
        await s.say("c1", "а вернуть деньги можно?")
        await s.service.set_status(anna, "offline")
        assert (await s.texts("c1"))[-1] == (
            "Оператор Анна сейчас не на связи, а у остальных сотрудников поддержки нерабочее "
            "время. Ваш диалог сохранён — его продолжат здесь же завтра в 9:00, повторять ничего "
            "не нужно."
        )
        assert (await s.events(conv))[-1] == (
            "Клиенту сообщено, что диалог передан коллегам: ответим завтра в 9:00"
        )
        # No apology at night: the promise is 9:00.
        assert await s.waiting_notices().run(evening + timedelta(hours=8)) == []


async def test_messages_right_after_get_one_short_acknowledgement(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with stack(db) as s:
        anna, _ = await anna_answers_c1(s)
        await s.say("c1", "алло?")
        later = utcnow() + timedelta(minutes=20)  # long after the handoff's reassurance
        monkeypatch.setattr(waiting, "utcnow", lambda: later)
        await s.service.set_status(anna, "offline")
        said = len(await s.texts("c1"))
        s.engine.clock = lambda: later + timedelta(seconds=30)
        await s.say("c1", "хорошо, жду")
        await s.say("c1", "заказ 12345678")
        # The first is taken with a short line; the second, right after it, needs none.
        [ack] = (await s.texts("c1"))[said:]
        assert ack.startswith("Ваше сообщение добавлено к обращению")


async def test_a_project_without_the_response_sends_nothing(db: Database) -> None:
    brain = without_responses(make_brain(), "utter_handoff_operator_left")
    async with stack(db, brain) as s:
        anna, _ = await anna_answers_c1(s)
        await s.say("c1", "ну что там?")
        said = len(await s.texts("c1"))
        await s.service.set_status(anna, "offline")
        assert len(await s.texts("c1")) == said


async def test_a_reply_after_the_handover_ends_that_promise(db: Database) -> None:
    async with stack(db) as s:
        anna, conv = await anna_answers_c1(s)
        await s.say("c1", "и ещё вопрос по гарантии")
        await s.service.set_status(anna, "offline")  # told: colleagues have it
        boris = await s.operator("boris", name="Борис")
        await s.service.take(conv, boris)
        await s.service.reply(conv, boris, "По гарантии — 12 месяцев.")
        # Boris steps away and it goes back to the queue; his answer voided the promise made
        # when Anna left, so nobody apologises for a wait the customer was never promised.
        # (Passing it to a team on purpose makes a new promise: tests/test_transfers.py.)
        await s.service.set_status(boris, "away")
        assert (await s.conversation(conv)).owner == "queued"
        assert await s.waiting_notices().run(utcnow() + timedelta(hours=1)) == []


async def test_at_night_operators_leaving_one_after_another_tell_a_consistent_story(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """03:20, long after the working day: Anna has the customer, goes away; the admin, the last
    one online, gets it and goes away seconds later."""
    night = datetime(2026, 12, 7, 0, 20, tzinfo=UTC)  # 03:20 in Moscow
    monkeypatch.setattr(waiting, "utcnow", lambda: night)
    async with stack(db, make_brain(always_open=False)) as s:
        s.engine.clock = lambda: night
        anna = await s.operator("anna", name="Анна")
        conv = await s.escalate("c1")
        admin = await s.operator("admin", role="admin", name="Администратор")
        await s.service.set_status(anna, "away")
        assert (await s.conversation(conv)).operator_id == admin
        await s.service.set_status(admin, "away")
        said = await s.texts("c1")
        assert said[-2] == "Оператор Администратор уже читает вашу переписку и скоро ответит."
        # Not «рабочий день закончился» at 03:20: only that the others are not at work now.
        assert said[-1] == (
            "Оператор Администратор сейчас не на связи, а у остальных сотрудников поддержки "
            "нерабочее время. Ваш диалог сохранён — его продолжат здесь же сегодня в 9:00, "
            "повторять ничего не нужно."
        )
        # Anna, still away, takes it by hand: her reply is the news, not «Анна уже читает».
        await s.service.take(conv, anna)
        assert (await s.conversation(conv)).operator_id == anna
        assert await s.texts("c1") == said
        await s.service.reply(conv, anna, "Доброй ночи! Я на месте, смотрю ваш вопрос.")
        assert (await s.texts("c1"))[-1].startswith("Доброй ночи!")

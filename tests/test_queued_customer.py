"""A customer waiting in the operators' queue, out of hours with nobody online (bot/engine.py,
bot/cancel.py, bot/handover.py): every message is taken, a question the FAQ answers is answered
while the request keeps its place, and the request can be taken back — with the button of the
latest message or in words — however much the customer wrote meanwhile. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.ownership import Owner
from handoff.config import WorkingHours
from tests.conftest import brain_for
from tests.dialogue import TestBot, start_bot

CANCEL = "Отменить вызов оператора"
TAKEN = "Ваше сообщение добавлено к обращению. Операторы сейчас не на связи"
CANCELLED = "Хорошо, отменил вызов оператора."
NIGHT = datetime(2026, 12, 7, 0, 15, tzinfo=UTC)  # 03:15 in Moscow, a Monday


class Clock:
    def __init__(self) -> None:
        self.now = NIGHT

    def __call__(self) -> datetime:
        return self.now

    def wait(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
async def night(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Any]:
    """The demo bot at 03:15 in Moscow (support works 9:00–21:00), nobody online."""
    clock = Clock()
    hours = WorkingHours(timezone="Europe/Moscow")
    brain = brain_for(demo_project, demo_model, working_hours=hours)
    bot = await start_bot(demo_project, brain, db_url, clock=clock)
    yield bot, clock
    await bot.runtime.stop()


async def queued(bot: TestBot, user: str = "alice") -> Any:
    customer = bot.customer(user)
    await customer.say("позовите оператора")
    assert customer.last_outcome.owner is Owner.QUEUED
    assert "сегодня в 9:00" in customer.last_text
    return customer


@pytest.mark.parametrize(
    "words",
    ["отмените вызов оператора", "отмена", "не нужно оператора", "Оператор уже не нужен, спасибо"],
)
async def test_a_customer_who_wrote_meanwhile_cancels_in_words(night: Any, words: str) -> None:
    bot, clock = night
    alice = await queued(bot)
    await alice.say("ну и что дальше")
    clock.wait(seconds=5)
    await alice.say("abc")
    clock.wait(seconds=5)
    [said] = await alice.say(words)
    assert said.text.startswith(CANCELLED)
    assert alice.last_outcome.owner is Owner.BOT
    # The bot answers again.
    [answer, *_] = await alice.say("как вернуть товар?")
    assert "вернуть" in answer.text.lower()


async def test_the_latest_message_always_has_the_button(night: Any) -> None:
    bot, _ = night
    alice = await queued(bot)
    [taken] = await alice.say("ну и что дальше")
    assert taken.text.startswith(TAKEN) and "сегодня в 9:00" in taken.text
    assert [b.title for b in taken.buttons] == [CANCEL]
    [said] = await alice.press(CANCEL)  # the newest message's button
    assert said.text.startswith(CANCELLED)
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_question_the_faq_answers_is_answered_and_the_place_kept(night: Any) -> None:
    bot, clock = night
    alice = await queued(bot)
    answer, kept = await alice.say("где мой заказ")
    assert answer.text.startswith("Статус заказа можно посмотреть на странице")
    assert kept.text.startswith("Ваш запрос оператору по-прежнему в очереди")
    assert [b.title for b in kept.buttons] == [CANCEL]
    assert alice.last_outcome.owner is Owner.QUEUED
    # «как отменить заказ» is a question about an order, not about the operator.
    clock.wait(seconds=20)
    answer, kept = await alice.say("как отменить заказ")
    assert answer.text.startswith("Отменить заказ можно")
    assert alice.last_outcome.owner is Owner.QUEUED
    # The same question again is no news: taken for the operator, not answered twice.
    clock.wait(minutes=2)
    [taken] = await alice.say("так где мой заказ?")
    assert taken.text.startswith(TAKEN)
    # The answer was enough: the request is taken back.
    [said] = await alice.press(CANCEL)
    assert said.text.startswith(CANCELLED)
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_question_with_nuzhno_li_in_a_burst_is_not_met_with_silence(night: Any) -> None:
    bot, clock = night
    alice = await queued(bot)
    clock.wait(seconds=3)
    [taken] = await alice.say("меня зовут Ольга")
    assert taken.text.startswith(TAKEN)
    clock.wait(seconds=3)
    assert await alice.say("abc") == []  # a plain addition shares the acknowledgement
    clock.wait(seconds=3)
    # «нужно ли», «есть ли», «будет ли» ask like «можно» (nlu/question_words.py): was silence.
    [taken] = await alice.say("нужно ли мне что-то ещё прислать")
    assert taken.text.startswith(TAKEN)


async def test_words_once_an_operator_has_it_reach_the_operator(bot: TestBot) -> None:
    from handoff.auth import create_operator

    async with bot.runtime.db.write() as session:
        anna = await create_operator(session, "anna", "anna-pass-1", display_name="Анна")
        anna.status = "online"
    alice = bot.customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_outcome.owner is Owner.OPERATOR
    assert await alice.say("отмена") == []  # a message to Anna, who reads it
    assert alice.last_outcome.owner is Owner.OPERATOR


async def test_a_burst_of_messages_gets_one_acknowledgement_then_one_after_a_pause(
    night: Any,
) -> None:
    bot, clock = night
    alice = await queued(bot)
    clock.wait(seconds=3)
    [taken] = await alice.say("ну и что дальше")
    assert taken.text.startswith(TAKEN)
    clock.wait(seconds=3)
    assert await alice.say("abc") == []
    clock.wait(seconds=3)
    # A call for a person in the burst is not met with silence (only plain additions are).
    [called] = await alice.say("я хочу поговорить с живым человеком а не с ботом")
    assert called.text.startswith(TAKEN)
    clock.wait(minutes=2)  # the customer paused: the next message is taken again
    [again] = await alice.say("алло?")
    assert again.text.startswith(TAKEN)
    # Writing on and on, every 40 seconds: one more acknowledgement within three minutes.
    heard = []
    for _ in range(5):
        clock.wait(seconds=40)
        heard += await alice.say("жду")
    assert len(heard) == 1 and heard[0].text.startswith(TAKEN)


async def test_a_handoff_after_two_misses_says_why(night: Any) -> None:
    bot, _ = night
    alice = bot.customer("alice")
    [missed] = await alice.say("???")
    assert missed.text.startswith("Извините, я не совсем понял вопрос")
    why, handoff = await alice.say("asdfghjkl")
    assert why.text == (
        "Простите, я так и не смог разобраться в вашем вопросе, поэтому подключаю сотрудника "
        "поддержки."
    )
    assert handoff.text.startswith("Сейчас операторы не на связи")
    assert [b.title for b in handoff.buttons] == [CANCEL]
    assert alice.last_outcome.owner is Owner.QUEUED
    # Asked for, a person is called without that explanation.
    [asked] = await bot.customer("bob").say("позовите оператора")
    assert asked.text.startswith("Сейчас операторы не на связи")

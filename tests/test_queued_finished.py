"""A customer waiting in the queue out of hours who is done, or who sends facts for the case
(bot/cancel.py, bot/queued.py): «понятно. спасибо, всё, до свидания» takes the call back,
«спасибо, всё» asks whether the operator is still needed, an order number is added to the case
with a short acknowledgement — never a FAQ answer and an invitation to cancel. On SQLite and
PostgreSQL."""

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
CANCELLED = "Хорошо, отменил вызов оператора."
OFFERED = "Если оператор больше не нужен, нажмите «Отменить вызов оператора»"
TAKEN = "Ваше сообщение добавлено к обращению"
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
    brain = brain_for(
        demo_project, demo_model, working_hours=WorkingHours(timezone="Europe/Moscow")
    )
    bot = await start_bot(demo_project, brain, db_url, clock=clock)
    yield bot, clock
    await bot.runtime.stop()


async def queued(bot: TestBot, first: str = "позовите оператора") -> Any:
    customer = bot.customer("alice")
    await customer.say(first)
    assert customer.last_outcome.owner is Owner.QUEUED
    return customer


@pytest.mark.parametrize(
    "words",
    [
        "понятно. спасибо, всё, до свидания",
        "всё понятно, спасибо, до свидания",
        "а нет, не надо, сам разберусь",
    ],
)
async def test_a_customer_who_is_done_has_the_call_cancelled(night: Any, words: str) -> None:
    bot, clock = night
    alice = await queued(bot)
    clock.wait(minutes=2)
    [said] = await alice.say(words)  # was «Ваше сообщение добавлено к обращению»
    assert said.text.startswith(CANCELLED)
    assert alice.last_outcome.owner is Owner.BOT


@pytest.mark.parametrize("words", ["спасибо, всё", "до свидания"])
async def test_thanks_and_all_asks_whether_the_operator_is_still_needed(
    night: Any, words: str
) -> None:
    bot, clock = night
    alice = await queued(bot)
    clock.wait(minutes=2)
    [asked] = await alice.say(words)  # was «добавлено к обращению»: an operator at 9:00
    assert asked.text.startswith(OFFERED)
    assert [b.title for b in asked.buttons] == [CANCEL]
    assert alice.last_outcome.owner is Owner.QUEUED  # nothing taken back without the press
    [said] = await alice.press(CANCEL)
    assert said.text.startswith(CANCELLED)


async def test_an_order_number_for_the_case_is_added_not_answered_with_a_faq(night: Any) -> None:
    bot, clock = night
    alice = await queued(bot, "мне нужен оператор срочно")
    clock.wait(minutes=2)
    await alice.say("деньги списали дважды")
    clock.wait(seconds=10)
    # Was the «где мой заказ» answer and «нажмите «Отменить вызов оператора»».
    [said] = await alice.say("заказ 66778899")
    assert said.text.startswith("Записал номер заказа 66778899 в обращение")
    assert "нажмите" not in said.text and "Статус заказа" not in said.text
    assert alice.last_outcome.owner is Owner.QUEUED
    # A question with a number is still a question: the FAQ answers it.
    clock.wait(minutes=2)
    answer, _ = await alice.say("как отменить заказ 66778899?")
    assert "можно отменить" in answer.text.lower() or answer.text.startswith("Отменить заказ")


@pytest.mark.parametrize(
    ("words", "answer"),
    [
        ("номер заказа не помню", "SMS и письмо с номером заказа"),
        ("какой у вас номер телефона", "Служба поддержки «Вольта» работает"),
    ],
)
async def test_no_faq_answer_in_the_queue_says_to_call_an_operator(
    night: Any, words: str, answer: str
) -> None:
    bot, clock = night
    alice = await queued(bot)
    clock.wait(minutes=2)
    said, kept = await alice.say(words)
    assert said.text.startswith(answer)
    # Was «…напишите «оператор»»: the customer already waits for one.
    assert "«оператор»" not in said.text and "позвать оператора" not in said.text.lower()
    assert "Позвать оператора" not in [b.title for b in said.buttons]
    assert kept.text.startswith("Ваш запрос оператору по-прежнему в очереди")


def test_the_lines_that_call_an_operator_are_left_out() -> None:
    from bot.queued_answers import without_calls

    text = (
        "Поможет консультант: позвоните 8 800 555-35-35 или напишите здесь «оператор» — "
        "опишите задачу.\nВторая строка. Чтобы позвать оператора прямо здесь, напишите «оператор»."
    )
    assert without_calls(text) == (
        "Поможет консультант: позвоните 8 800 555-35-35 — опишите задачу.\nВторая строка."
    )

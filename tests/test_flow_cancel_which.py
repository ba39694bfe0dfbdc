"""A bare «отменить» / «отмена» inside a flow about an order (QA 3 Q3, QA33, QA78): the bot
asks whether the order or the question is meant, and never says «отменил» without saying what
— «Хорошо, отменил» after «отмена» in «Где мой заказ» reads as if the order were cancelled."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot

WHICH = "Отменить заказ — или больше не спрашивать номер заказа?"
STOPPED = "Хорошо, больше не спрашиваю номер заказа. Чем ещё могу помочь?"


@pytest.mark.parametrize("said", ["отменить", "отмена", "Отмена.", "отмените"])
async def test_a_bare_cancel_at_the_order_number_asks_which(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say("заказ")  # «Подскажите номер заказа…»
    await alice.say(said)  # was «Хорошо, отменил. Чем ещё могу помочь?»
    assert alice.last_text == WHICH
    assert alice.buttons() == ["Отменить заказ", "Больше не спрашивать"]
    assert "отменил" not in " ".join(m.text for m in alice.sent)
    assert alice.last_outcome.owner is Owner.BOT


async def test_stop_says_what_is_no_longer_asked(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("отмена")
    await alice.press("Больше не спрашивать")
    assert alice.last_text == STOPPED
    await alice.press("Больше не спрашивать")  # again, the flow is gone: no «отменил»
    assert "Этот вопрос уже закрыт" in alice.last_text


async def test_cancel_the_order_answers_how_to_cancel_it(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("отменить")
    await alice.press("Отменить заказ")
    assert alice.last_text.startswith("Отменить заказ можно на странице")


async def test_the_order_number_after_the_question_still_answers_the_flow(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("отмена")
    await alice.say("12345678")
    assert any("https://volt-shop.ru/orders/12345678" in m.text for m in alice.sent[-2:])


async def test_a_customer_who_changed_their_mind_is_told_what_stopped(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("передумал")  # no doubt about the order: the flow is left at once
    assert alice.last_text == STOPPED


async def test_a_flow_left_at_a_yes_no_question_is_named(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.say("передумал")  # at «Всё понятно со статусом?»
    assert alice.last_text == "Хорошо, оставим вопрос «Где мой заказ». Чем ещё могу помочь?"

"""An order number typed at a question whose buttons are all about orders keeps that question
(QA 3 QA6: «12345678» at «[Отменить заказ] [Заказ отменили без меня]» started «Где мой заказ»
and the cancellation was forgotten)."""

from __future__ import annotations

from bot.ownership import Owner
from tests.dialogue import TestBot

OPTIONS = ["Отменить заказ", "Заказ отменили без меня", "Позвать оператора"]


async def test_a_number_at_an_order_choice_keeps_the_choice(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("отмена")  # a bare topic: «Что именно вас интересует?»
    assert alice.buttons() == OPTIONS
    await alice.say("12345678")  # was «Статус заказа № 12345678…» and «Всё понятно со статусом?»
    assert alice.last_text == "Номер заказа 12345678 вижу. Уточните, пожалуйста, что с ним:"
    assert alice.buttons() == OPTIONS
    assert alice.last_outcome.owner is Owner.BOT
    await alice.press("Отменить заказ")  # the answer names the order
    assert alice.last_text.startswith("Заказ № 12345678 можно отменить на его странице")


async def test_an_option_picked_by_its_place_after_the_number(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("отмена")
    await alice.say("12345678")
    await alice.say("2")  # «Заказ отменили без меня»
    assert alice.last_text.startswith("Заказ отменяется без вашего участия")


async def test_a_number_without_a_choice_still_starts_the_order_flow(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("12345678")
    assert any("https://volt-shop.ru/orders/12345678" in m.text for m in alice.sent)

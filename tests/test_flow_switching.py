"""Inside a running flow, a message that asks for another flow, or gives another order number,
is taken the way the customer means it — not as the FAQ's general text, not as a failed answer."""

from __future__ import annotations

from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation
from tests.dialogue import TestBot


async def test_courier_not_arrived_while_asked_for_the_number_starts_the_courier_flow(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("курьер не приехал")  # was the FAQ's «…напишите сюда номер заказа…»
    assert alice.last_text.startswith("Извините, что пришлось ждать. Подскажите номер заказа")
    await alice.say("12345678")
    assert "https://volt-shop.ru/orders/12345678" in alice.sent[-2].text
    assert alice.buttons() == ["Да, подожду", "Нет, интервал прошёл"]
    told = [m.text for m in await alice.press("Нет, интервал прошёл")]
    assert "500 Вольт-бонусов" in told[0]
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None
    assert conv.context["escalation"]["flow"]["title"] == "Курьер не приехал"


async def test_the_courier_flow_after_the_order_flow_knows_the_number(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    told = [m.text for m in await alice.say("курьер не приехал")]
    assert told[0].startswith("Проверьте статус заказа № 12345678")  # not asked again
    assert told[1] == "Новое время там указано?"


async def test_where_is_my_order_with_a_new_number_gets_that_orders_link(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    assert alice.last_text == "Всё понятно со статусом?"
    told = [m.text for m in await alice.say("где мой заказ 87654321?")]
    assert "https://volt-shop.ru/orders/87654321" in told[0]  # was the general orders page
    assert told[1] == "Всё понятно со статусом?"
    await alice.say("нет")
    assert any("номер заказа 87654321" in m.text for m in alice.sent[-2:])


async def test_a_new_number_at_the_yes_no_question_replaces_the_old_one(bot: TestBot) -> None:
    bob = bot.customer("bob")
    await bob.say("курьер не приехал, заказ 12345678")
    assert bob.last_text == "Новое время там указано?"
    told = [m.text for m in await bob.say("87654321")]  # was a failed answer, then a person
    assert told[0] == "Исправил: Номер заказа — 87654321."
    assert "https://volt-shop.ru/orders/87654321" in told[1]
    assert told[2] == "Новое время там указано?"  # still the courier flow
    assert bob.last_outcome.owner is Owner.BOT


async def test_the_number_answers_the_question_even_when_it_reads_as_another_flow(
    bot: TestBot,
) -> None:
    bob = bot.customer("bob")
    await bob.say("курьер не приехал")
    await bob.say("мой заказ 12345678")  # read as «где мой заказ», and an answer all the same
    assert "https://volt-shop.ru/orders/12345678" in bob.sent[-2].text
    assert bob.buttons() == ["Да, подожду", "Нет, интервал прошёл"]

"""A question asked beside a flow step's answer is answered, not dropped (QA: «курьер не
приехал», then «12345678 и еще доставка сколько стоит» got the status link and nothing about the
delivery price); and a complaint about a courier promises no time of its own — the hand-off's
message alone says when the team answers (QA: «…ответит вам в течение 24 часов», then «сегодня
в 9:00»)."""

from __future__ import annotations

from bot.ownership import Owner
from tests.dialogue import TestBot


async def test_a_question_beside_the_order_number_is_answered_before_the_flow_goes_on(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("курьер не приехал")  # the courier flow asks for the number
    told = await alice.say("12345678 и еще доставка сколько стоит")
    texts = [m.text for m in told]
    assert texts[0].startswith("Стоимость доставки")  # the question aside …
    assert "https://volt-shop.ru/orders/12345678" in texts[1]  # … then the flow goes on
    assert [b.title for b in told[-1].buttons] == ["Да, подожду", "Нет, интервал прошёл"]
    await alice.press("Нет, интервал прошёл")  # the flow's question is still the newest


async def test_a_question_asked_with_who_beside_the_order_number_is_answered_too(
    bot: TestBot,
) -> None:
    # «кто» is a question word like «сколько» (nlu/question_words.py): was the status alone.
    alice = bot.customer("alice")
    await alice.say("курьер не приехал")
    told = await alice.say("12345678 а кто установит телевизор на стену")
    texts = [m.text for m in told]
    assert texts[0].startswith("Да, наши мастера устанавливают")
    assert "https://volt-shop.ru/orders/12345678" in texts[1]


async def test_an_order_number_named_with_words_asks_nothing_aside(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("курьер не приехал")
    told = await alice.say("номер заказа 12345678")  # read alone: «подтверждение не пришло»
    assert "https://volt-shop.ru/orders/12345678" in told[0].text
    assert not any("SMS и письмо с номером заказа" in m.text for m in told)


async def test_a_complaint_about_the_courier_promises_only_the_time_the_team_is_back(
    night_bot: TestBot,
) -> None:
    olga = night_bot.customer("olga")
    told = [m.text for m in await olga.say("курьер нахамил и привёз не тот цвет, как поменять?")]
    assert told[0].startswith("Нам очень жаль, что так вышло")  # the apology, no time in it
    assert "час" not in told[0] and "ответит" not in told[0]
    assert "ответит здесь же завтра в 9:00" in told[1] and len(told) == 2
    assert olga.last_outcome.owner is Owner.QUEUED

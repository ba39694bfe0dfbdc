"""The order number in «Где мой заказ» and «Курьер не приехал»: taken wherever the customer
writes it, corrected when they correct it, never asked for twice, held to the content's
«8 цифр» — and a person it is passed to is announced with it (docs/flows.md)."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot

LINK = "https://volt-shop.ru/orders/{}"


# -- 1. a number in the answer to «Всё понятно со статусом?» is a correction ----------------


@pytest.mark.parametrize(
    "said", ["нет, не тот номер, правильный 87654321", "ой не тот, вот правильный 87654321"]
)
async def test_no_with_another_number_corrects_the_number(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("12345678")
    told = [m.text for m in await alice.say(said)]  # was «Передаю коллеге … 12345678»
    assert told[0] == "Исправил: Номер заказа — 87654321."
    assert LINK.format("87654321") in told[1]
    assert told[2] == "Всё понятно со статусом?"
    assert alice.last_outcome.owner is Owner.BOT


async def test_no_with_the_same_number_is_still_no(bot: TestBot) -> None:
    bob = bot.customer("bob")
    await bob.say("где мой заказ 12345678")
    told = [m.text for m in await bob.say("нет, 12345678 так и не пришёл")]
    assert told[0].startswith("Передаю коллеге номер заказа 12345678")
    assert bob.last_outcome.owner is Owner.QUEUED


async def test_no_with_a_malformed_number_says_what_is_wrong_with_it(bot: TestBot) -> None:
    carl = bot.customer("carl")
    await carl.say("где мой заказ 12345678")
    [told] = await carl.say("нет, не тот, правильный 123456789")  # was «Передаю … 12345678»
    assert told.text.startswith("«123456789» не похоже на номер заказа")
    assert carl.last_outcome.owner is Owner.BOT
    told_next = [m.text for m in await carl.say("87654321")]
    assert told_next[0] == "Исправил: Номер заказа — 87654321."


# -- 2. the number in the first message -------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "заказал ноут, номер 12345678, когда привезут?",
        "привет! заказал ноут 3 дня назад, номер 12345678, до сих пор собирается",
        "где мой заказ? №12345678",
        "где мой заказ, 1234 5678, жду уже неделю",
    ],
)
async def test_the_number_in_the_first_message_is_used(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(said)  # was «Подскажите номер заказа…»
    assert LINK.format("12345678") in replies[0].text
    assert alice.buttons() == ["Да, спасибо", "Нет, заказ задерживается"]


@pytest.mark.parametrize(
    "said",
    [
        "где мой заказ? мой телефон 89161234567",
        "где мой заказ, оплатил картой 4276 3800 **** 1234",
        "где мой заказ на 12345678 руб",
    ],
)
async def test_a_phone_a_card_or_a_sum_is_no_order_number(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say(said)
    assert all("volt-shop.ru/orders/" not in m.text for m in alice.sent)
    assert alice.last_text.startswith("Подскажите номер заказа")  # no «не похоже на номер»


# -- 3. a hand-over that knows the number says so ----------------------------------------------


@pytest.mark.parametrize(
    "dialogue",
    [
        ["курьер не приехал", "12345678", "нет"],
        ["где мой заказ", "не знаю где он", "12345678", "нет"],  # after the question asked again
        ["где мой заказ", "12345678", "курьер не приехал", "нет"],  # another flow
        ["где мой заказ", "12345678", "позовите оператора"],
    ],
)
async def test_out_of_hours_the_hand_over_keeps_the_flows_number(
    night_bot: TestBot, dialogue: list[str]
) -> None:
    dana = night_bot.customer("dana")
    for said in dialogue:
        await dana.say(said)
    assert dana.last_outcome.owner is Owner.QUEUED
    # was «…Опишите вопрос подробно и укажите номер заказа…» after «повторять ничего не придётся»
    assert "номер заказа № 12345678 сохранены" in dana.last_text
    assert "укажите номер" not in dana.last_text


async def test_the_courier_button_hand_over_keeps_the_number(night_bot: TestBot) -> None:
    erik = night_bot.customer("erik")
    await erik.say("курьер не приехал")
    await erik.say("12345678")
    await erik.press("Нет, интервал прошёл")
    assert "номер заказа № 12345678 сохранены" in erik.last_text


# -- 4. a number known in the conversation is not asked again ----------------------------------


async def test_the_order_asked_about_again_is_not_asked_for_again(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("12345678")
    told = [m.text for m in await alice.say("а он где сейчас?")]  # was «Подскажите номер…»
    assert LINK.format("12345678") in told[0]
    assert told[-1] == "Всё понятно со статусом?"


async def test_after_the_flow_ended_the_number_is_still_known(bot: TestBot) -> None:
    bob = bot.customer("bob")
    await bob.say("где мой заказ 12345678")
    await bob.press("Да, спасибо")
    told = [m.text for m in await bob.say("курьер не приехал")]
    assert told[0].startswith("Проверьте статус заказа № 12345678")


async def test_a_number_the_customer_wrote_earlier_is_used(bot: TestBot) -> None:
    carl = bot.customer("carl")
    await carl.say("у меня заказ 87654321 пришел с разбитым экраном")
    told = [m.text for m in await carl.say("а где мой заказ?")]
    assert LINK.format("87654321") in told[0]


# -- 5. the format the content declares --------------------------------------------------------


async def test_a_number_typed_with_a_hyphen_is_the_number(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("1234-5678")  # was «Извините, я не совсем понял вопрос»
    assert LINK.format("12345678") in replies[0].text


async def test_nine_digits_are_no_order_number_and_the_customer_is_told_why(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("заказ №123456789")  # was the link to orders/123456789
    assert all("volt-shop.ru/orders/" not in m.text for m in alice.sent)
    assert "«123456789» не похоже на номер заказа" in replies[-1].text
    assert "8 цифр" in replies[-1].text
    await alice.say("1234567")  # seven at the question: the same, not «Не вижу номера»
    assert "«1234567» не похоже на номер заказа" in alice.last_text
    await alice.say("12345678")
    assert LINK.format("12345678") in alice.sent[-2].text

"""Small talk gets a short reply that steers back to the shop, never an entry's answer and never
a miss; «ты бот?» is answered honestly, with a person offered (data/nlu.yml how_are_you,
chitchat, bot_challenge; domain.yml)."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import Customer, TestBot

TOPICS = ["Где мой заказ", "Стоимость доставки", "Способы оплаты", "Возврат товара"]


def _said(bot: TestBot, response: str) -> str:
    return bot.runtime.brain.domain.render(response, "telegram").text


def _is_not_understood(bot: TestBot, text: str) -> bool:
    return text == _said(bot, "utter_default")


async def _no_answer_given(customer: Customer) -> None:
    """Nothing of the knowledge base was said, and the bot still holds the conversation."""
    outcome = customer.last_outcome
    assert outcome.owner is Owner.BOT
    assert all("Помогло" not in b.title for r in outcome.replies for b in r.buttons)


@pytest.mark.parametrize("said", ["как дела?", "как у тебя дела", "как настроение"])
async def test_how_are_you_is_answered_briefly_with_the_main_topics(
    bot: TestBot, said: str
) -> None:
    olga = bot.customer("olga")
    [reply] = await olga.say(said)
    assert reply.text == _said(bot, "utter_how_are_you")
    assert olga.buttons() == TOPICS
    await _no_answer_given(olga)


@pytest.mark.parametrize("said", ["мне скучно", "ахаха", "hahaha", "ты классный"])
async def test_chit_chat_steers_back_to_the_shop(bot: TestBot, said: str) -> None:
    """«мне скучно» was a complaint guess and «не понял», «ахаха» was «не понял»."""
    olga = bot.customer("olga")
    [reply] = await olga.say(said)
    assert reply.text == _said(bot, "utter_chitchat")
    assert olga.buttons() == TOPICS
    await _no_answer_given(olga)


async def test_small_talk_after_a_miss_is_no_second_miss(bot: TestBot) -> None:
    """Two misses in a row call a person: «как дела?» after «не понял» did, at night it put
    the customer in the queue for the morning."""
    olga = bot.customer("olga")
    [reply] = await olga.say("ыфвфыв")
    assert _is_not_understood(bot, reply.text)
    await olga.say("как дела?")
    await olga.say("мне скучно")
    assert olga.last_outcome.owner is Owner.BOT
    assert olga.last_text == _said(bot, "utter_chitchat")


async def test_small_talk_after_an_answer_and_the_topics_lead_back(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("сколько стоит доставка")
    await olga.say("как дела?")
    assert olga.last_text == _said(bot, "utter_how_are_you")
    await olga.press("Возврат товара")
    assert olga.last_outcome.owner is Owner.BOT
    assert any("Помогло" in b.title for b in olga.last.buttons)  # an entry's answer now


@pytest.mark.parametrize("said", ["ты бот?", "ты живой человек?", "ты кто?", "что ты умеешь?"])
async def test_asked_whether_it_is_a_bot_it_says_so_and_offers_a_person(
    bot: TestBot, said: str
) -> None:
    olga = bot.customer("olga")
    [reply] = await olga.say(said)
    assert reply.text == _said(bot, "utter_bot_challenge")
    assert "бот" in reply.text
    assert "Позвать оператора" in olga.buttons()
    await olga.press("Позвать оператора")
    assert olga.last_outcome.owner is not Owner.BOT


async def test_well_then_with_nothing_asked_is_still_the_prompt(bot: TestBot) -> None:
    """«ну ладно» agrees, as «ок» does: it must not become small talk (nor «не понял»)."""
    olga = bot.customer("olga")
    [reply] = await olga.say("ну ладно")
    assert reply.text == _said(bot, "utter_ask_question")


async def test_a_question_about_the_order_with_how_is_it_is_the_order(bot: TestBot) -> None:
    olga = bot.customer("olga")
    [reply] = await olga.say("как дела с моим заказом?")
    assert reply.text != _said(bot, "utter_how_are_you")
    assert olga.last_outcome.prediction is not None
    assert olga.last_outcome.prediction.intent == "order_status"

"""What the customer types about the bot's last message (bot/feedback.py): «не помогло» right
after an answer is the «👎» button, «помогло» the «👍»; «нет», «другое» to «Уточните…» or «Что
именно вас интересует?» asks for the question in other words — a second «нет» calls a person.

Dialogues over the demo bot on SQLite and PostgreSQL, and the phrase rules on their own."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.feedback import CLARIFY_NONE, declines, verdict
from bot.ownership import Owner
from bot.storage.models import Conversation, Message
from tests.dialogue import TestBot

DELIVERY = "в пункт выдачи «Вольт» — бесплатно"
WARRANTY_REPAIR = "warranty_repair"


def said(bot: TestBot, response: str) -> str:
    """The domain's text (the test does not copy its wording)."""
    return bot.runtime.engine.brain.domain.render(response, "telegram").text


async def stored(bot: TestBot, text: str) -> dict[str, Any]:
    async with bot.runtime.db.read() as session:
        message = await session.scalar(
            select(Message).where(Message.text == text).order_by(Message.id.desc()).limit(1)
        )
    assert message is not None
    return dict(message.data)


@pytest.mark.parametrize(
    "typed",
    ["не помогло", "это не то", "не то", "вы не поняли", "не ответили на вопрос", "бесполезно"],
)
async def test_not_helped_typed_after_an_answer_is_the_thumbs_down(
    bot: TestBot, typed: str
) -> None:
    alice = bot.customer("alice")
    await alice.say("скока доставка")
    assert DELIVERY in alice.last_text
    [reply] = await alice.say(typed)  # was «не понял», «Понял. Напишите…» or «Уточните…»
    assert reply.text == said(bot, "utter_helpful_no")
    assert [b.title for b in reply.buttons] == ["Позвать оператора"]
    assert alice.last_outcome.owner is Owner.BOT
    # The editor's «Ответы бота» counts it as the press.
    rating = (await stored(bot, typed))["helpful"]
    assert (rating["entry"], rating["value"]) == ("delivery_cost", False)


@pytest.mark.parametrize("typed", ["помогло", "да, спасибо, помогло"])
async def test_helped_typed_after_an_answer_is_the_thumbs_up(bot: TestBot, typed: str) -> None:
    bob = bot.customer("bob")
    await bob.say("скока доставка")
    [reply] = await bob.say(typed)  # «помогло» was «не понял»
    assert reply.text == said(bot, "utter_helpful_yes")
    assert (await stored(bot, typed))["helpful"]["value"] is True


async def test_impatience_after_an_answer_is_no_thanks(bot: TestBot) -> None:
    carol = bot.customer("carol")
    await carol.say("скока доставка")
    [reply] = await carol.say("ну и?")  # was «Рад помочь!»
    assert reply.text == said(bot, "utter_helpful_no")


@pytest.mark.parametrize(
    "before", [[], ["привет"], ["скока доставка", "спасибо"]], ids=["first", "greeted", "thanked"]
)
@pytest.mark.parametrize("typed", ["ну и?", "ну?", "ну и что?"])
async def test_impatience_with_no_answer_just_given_is_no_thanks(
    bot: TestBot, before: list[str], typed: str
) -> None:
    ivan = bot.customer("ivan")
    for text in before:
        await ivan.say(text)
    [reply] = await ivan.say(typed)  # after «спасибо» it was «Рад помочь!» again
    assert reply.text not in (said(bot, "utter_affirm"), said(bot, "utter_thanks"))
    assert reply.text in (said(bot, "utter_default"), said(bot, "utter_ask_question"))


@pytest.mark.parametrize(
    ("first", "then"),
    [("👎 Не помогло", "не помогло"), ("не помогло", "не помогло"), ("не помогло", "ну и?")],
)
async def test_not_helped_again_calls_a_person(bot: TestBot, first: str, then: str) -> None:
    henry = bot.customer("henry")
    await henry.say("скока доставка")
    if first.startswith("👎"):
        await henry.press(first)
    else:
        await henry.say(first)
    assert henry.last_text == said(bot, "utter_helpful_no")
    replies = await henry.say(then)  # was «Жаль, что ответ не помог…» once more
    assert said(bot, "utter_helpful_no") not in [r.text for r in replies]
    assert henry.last_outcome.owner is Owner.QUEUED  # the customer insists: a person
    async with bot.runtime.db.read() as session:
        assert await session.scalar(select(Conversation.escalation_reason)) == "not_understood"
    assert (await stored(bot, then))["helpful"]["value"] is False  # still the editor's «👎»


async def test_the_same_words_with_no_answer_before_are_read_as_usual(bot: TestBot) -> None:
    dave = bot.customer("dave")
    [reply] = await dave.say("не помогло")
    assert reply.text != said(bot, "utter_helpful_no")
    assert "helpful" not in await stored(bot, "не помогло")


async def test_a_no_to_the_options_asks_for_the_question_then_a_person(bot: TestBot) -> None:
    erin = bot.customer("erin")
    await erin.say("гарантия")  # «Что именно вас интересует?» and the warranty entries
    assert "Срок гарантии" in erin.buttons()
    [reply] = await erin.say("другое")  # was «Понял. Напишите, что осталось непонятным»
    assert reply.text == said(bot, CLARIFY_NONE)
    assert reply.text != said(bot, "utter_deny")
    assert erin.buttons() == ["Позвать оператора"]
    assert erin.last_outcome.owner is Owner.BOT
    await erin.say("другое")  # was the same text again, and again
    assert erin.last_outcome.owner is Owner.BOT
    assert erin.last_text == said(bot, CLARIFY_NONE)
    await erin.say("ничего из этого")
    assert erin.last_outcome.owner is Owner.QUEUED  # no loop: a person
    async with bot.runtime.db.read() as session:
        assert await session.scalar(select(Conversation.escalation_reason)) == "not_understood"


@pytest.mark.parametrize("typed", ["нет", "ничего из этого"])
async def test_a_no_to_did_you_mean_is_not_a_verdict_on_an_answer(bot: TestBot, typed: str) -> None:
    frank = bot.customer("frank")
    await frank.say("гарантия")
    [reply] = await frank.say(typed)
    assert reply.text == said(bot, CLARIFY_NONE)


async def test_a_reply_to_the_options_is_read_with_the_question_it_answers(bot: TestBot) -> None:
    grace = bot.customer("grace")
    await grace.say("гарантия")
    [reply] = await grace.say("мне про ремонт")  # was the repair status
    brain = bot.runtime.engine.brain
    assert reply.text == brain.kb.entries[WARRANTY_REPAIR].render("telegram").text


def test_which_messages_are_verdicts() -> None:
    assert verdict("Не помогло.") is False and verdict("нет, это не то") is False
    assert verdict("ну и?") is False and verdict("и?") is False
    assert verdict("да, спасибо, помогло") is True
    assert verdict("не помогло, как оформить возврат?") is None  # a question of its own
    assert verdict("и") is None and verdict("спасибо") is None
    assert declines("Нет") and declines("другое") and declines("нет, ничего из этого")
    assert not declines("другое хочу спросить: где мой заказ")


@pytest.mark.parametrize("typed", ["круто", "супер, спасибо", "отлично!"])
async def test_a_pleased_word_after_an_answer_is_thanked_for(bot: TestBot, typed: str) -> None:
    """QA 3 Q13, QA44: «круто» after the returns' answer was «Поболтать я не мастер…»."""
    vera = bot.customer("vera")
    await vera.say("как вернуть товар")
    [reply] = await vera.say(typed)
    assert reply.text == said(bot, "utter_affirm")
    assert vera.last_outcome.owner is Owner.BOT

"""A question typed after «Подскажите, что пошло не так?» is answered, not filed as the comment.

QA: on Viber (Telegram alike) an operator closes, the customer presses «2», the bot asks what went
wrong, and the customer types «как вернуть товар» — without «?», as messenger users write. The
bot thanked for it as the rating's comment; the question was answered only when sent again.

Dialogues on the real runtime with the demo project's trained NLU, on SQLite and PostgreSQL: a
message the NLU confidently reads as a knowledge-base question or a flow's intent, or one that
opens with a question word, is a new request (answered, not kept as the comment); words about how
the rated conversation went are the comment — also put as a question («почему так долго
отвечали?», the rule in docs/handoff.md «Closing and rating» and bot/rating_words.py).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation, Rating
from handoff.service import HandoffService
from tests.dialogue import Customer, TestBot

THANKS = "Спасибо! Передам руководителю поддержки — разберёмся."


async def _rated_two(bot: TestBot, customer: Customer, anna: int | None = None) -> int:
    """Anna helps ``customer``, closes, and the customer presses «2»: the conversation's id."""
    if anna is None:
        anna = await bot.operator("anna", name="Анна")
    await customer.say("позовите оператора")
    assert customer.last_outcome.owner is Owner.OPERATOR
    conv_id = customer.last_outcome.conversation_id
    assert conv_id is not None
    service = HandoffService.from_runtime(bot.runtime)
    await service.reply(conv_id, anna, "Готово, проверьте, пожалуйста.")
    await service.close(conv_id, anna)
    assert await bot.runtime.outbox.wait_idle(timeout=10)  # «Оператор завершил диалог…», 1–5
    low = (await customer.press("2"))[-1]
    assert "что пошло не так" in low.text
    assert [b.title for b in low.buttons][-1] == "Другое"
    return conv_id


async def _comment(bot: TestBot, conv_id: int) -> str | None:
    async with bot.runtime.db.read() as session:
        rating = await session.scalar(select(Rating).where(Rating.conversation_id == conv_id))
    assert rating is not None and rating.score == 2
    return rating.comment


async def _answer(bot: TestBot, entry_id: str, channel: str) -> str:
    """What the bot answers for the knowledge-base entry on ``channel``."""
    return bot.runtime.engine.brain.kb.entries[entry_id].render(channel).text


async def _owner(bot: TestBot, conv_id: int) -> str:
    async with bot.runtime.db.read() as session:
        conversation = await session.get(Conversation, conv_id)
    assert conversation is not None
    return conversation.owner


async def test_a_question_without_a_question_mark_is_answered_on_viber(bot: TestBot) -> None:
    """The QA's dialogue: «как вернуть товар» is answered at once, and is no comment."""
    customer = bot.customer("v1", channel="viber")
    conv_id = await _rated_two(bot, customer)
    said = [m.text for m in await customer.say("как вернуть товар")]
    assert THANKS not in said
    assert await _answer(bot, "return_goods", "viber") in said
    assert await _comment(bot, conv_id) is None
    assert await _owner(bot, conv_id) == Owner.CLOSED.value  # a new conversation answered it


async def test_what_the_nlu_reads_as_a_question_is_one_without_a_question_word(
    bot: TestBot,
) -> None:
    """«а вы доставляете в казань» opens with no question word and ends in no «?»: the NLU's
    confident reading of a knowledge-base entry makes it a question."""
    customer = bot.customer("t1")
    conv_id = await _rated_two(bot, customer)
    said = [m.text for m in await customer.say("а вы доставляете в казань")]
    assert await _answer(bot, "delivery_regions", "telegram") in said
    assert THANKS not in said
    assert await _comment(bot, conv_id) is None


async def test_a_flow_intent_starts_its_flow(bot: TestBot) -> None:
    customer = bot.customer("t2")
    conv_id = await _rated_two(bot, customer)
    [ask] = await customer.say("где мой заказ")
    flow = bot.runtime.engine.brain.flows["order_status_check"]
    assert ask.text == flow.steps[0].ask
    assert await _comment(bot, conv_id) is None
    link, *_ = await customer.say("12345678")  # the flow goes on: the number was its answer
    assert "orders/12345678" in link.text


async def test_a_question_word_makes_a_question_the_nlu_only_guesses_at(bot: TestBot) -> None:
    """«что делать если товар сломался»: the NLU is not sure which entry; the bot asks which one
    it is («Уточните…») instead of thanking for a comment."""
    customer = bot.customer("t3")
    conv_id = await _rated_two(bot, customer)
    [reply] = await customer.say("что делать если товар сломался")
    assert reply.text != THANKS
    assert reply.buttons, "the entries it may be about, to choose from"
    assert await _comment(bot, conv_id) is None


async def test_a_complaint_is_still_the_comment(bot: TestBot) -> None:
    """The NLU reads these as complaints, not questions: the comment, as before."""
    anna = await bot.operator("anna", name="Анна")
    customer = bot.customer("v2", channel="viber")
    conv_id = await _rated_two(bot, customer, anna)
    [thanks] = await customer.say("оператор долго отвечал и ничего не решил")
    assert thanks.text == THANKS
    assert await _comment(bot, conv_id) == "оператор долго отвечал и ничего не решил"
    other = bot.customer("v3", channel="viber")
    conv_other = await _rated_two(bot, other, anna)
    [thanks] = await other.say("грубо ответили")
    assert thanks.text == THANKS
    assert await _comment(bot, conv_other) == "грубо ответили"


async def test_a_question_about_the_rated_conversation_is_the_comment(bot: TestBot) -> None:
    """«почему так долго отвечали?» is both a question (a question word and «?») and words about
    how the conversation went: it is the comment — nothing the bot could answer resolves it."""
    customer = bot.customer("t4")
    conv_id = await _rated_two(bot, customer)
    [thanks] = await customer.say("почему так долго отвечали?")
    assert thanks.text == THANKS
    assert await _comment(bot, conv_id) == "почему так долго отвечали?"
    # Only that one message: the next question is the bot's again.
    said = [m.text for m in await customer.say("сколько стоит доставка")]
    assert await _answer(bot, "delivery_cost", "telegram") in said

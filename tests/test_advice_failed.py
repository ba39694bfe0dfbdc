"""A follow-up read as the entry just answered is a re-ask only when it says what the customer's
question said (bot/repeats.py); a report that the answer's advice failed or an angry repeat goes
to a person (bot/advice_failed.py); a new question about the answer gets its part or the honest
pointer (bot/answer_parts.py) — not «Я ответил на этот вопрос выше» (QA 3 Q7)."""

from __future__ import annotations

import pytest

from bot.advice_failed import reports_failure
from bot.ownership import Owner
from bot.repeats import RESPONSE, similar
from bot.storage.models import Conversation
from tests.dialogue import Customer, TestBot

UNDERSTAND = "Понимаю, так не должно быть."
PART = "Об этом в ответе выше:"
ABOVE = "Всё, что я знаю об этом, — в ответе выше."


def reminder(bot: TestBot) -> str:
    return bot.runtime.engine.brain.domain.render(RESPONSE, "telegram").text


async def reason_of(bot: TestBot, customer: Customer) -> tuple[str, str]:
    async with bot.runtime.db.read() as session:
        conv = await session.get(Conversation, customer.last_outcome.conversation_id)
        assert conv is not None
        escalation = (conv.context or {})["escalation"]
    return escalation["reason"], escalation["detail"]


async def test_the_courier_refusing_the_act_goes_to_a_person_at_night(night_bot: TestBot) -> None:
    alice = night_bot.customer("alice")
    await alice.say("телевизор пришел разбитый экран треснул при курьере открыли")
    assert "составит акт" in alice.last_text
    replies = await alice.say("курьер отказался акт составлять сказал не его проблема")
    assert replies[0].text.startswith(UNDERSTAND)  # was the same «составит акт» sentence again
    assert not any(reminder(night_bot) in r.text for r in replies)
    assert alice.last_outcome.owner is Owner.QUEUED
    assert await reason_of(night_bot, alice) == ("complaint", "advice_failed:damaged_in_delivery")
    replies = await alice.say("что мне делать теперь")  # was «Я ответил на этот вопрос…»
    assert not any(reminder(night_bot) in r.text for r in replies)
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_an_angry_repeat_goes_to_a_person(night_bot: TestBot) -> None:
    alice = night_bot.customer("alice")
    await alice.say("не то привезли")
    assert "отметит расхождение" in alice.last_text
    replies = await alice.say("уже сказал что не то привезли!!!")  # was the reminder
    assert replies[0].text.startswith(UNDERSTAND)
    assert alice.last_outcome.owner is Owner.QUEUED
    assert (await reason_of(night_bot, alice))[1] == "advice_failed:order_incomplete"


async def test_a_new_question_about_the_defect_answer_is_no_re_ask(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("Товар с браком")
    [reply] = await alice.say(
        "а если бракованный товар был куплен по акции со скидкой деньги вернут полностью?"
    )
    assert not reply.text.startswith(reminder(bot))  # it had not been answered
    assert reply.text.startswith((PART, ABOVE))
    assert "Позвать оператора" in alice.buttons()
    await alice.say("👎 Не помогло")
    assert alice.last_outcome.owner is Owner.BOT  # no forced hand-over at the third message


async def test_sub_questions_about_changing_an_order_are_no_re_asks(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("Изменить заказ")
    [reply] = await alice.say("хочу добавить ещё один товар")  # was the reminder
    assert reply.text.startswith(PART)
    assert "добавить новый товар в оформленный заказ нельзя" in reply.text
    await alice.say("а объединить два заказа можно?")  # was «Похоже, мой ответ не помог…»
    assert alice.last_outcome.owner is Owner.BOT


async def test_the_same_question_again_is_still_a_re_ask_and_twice_hands_over(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    assert (await alice.say("ну а как вернуть товар то?"))[0].text.startswith(reminder(bot))
    await alice.say("как вернуть товар?")
    assert alice.last_outcome.owner is Owner.QUEUED  # the loop protection stays


def test_a_question_sharing_a_word_with_a_short_one_is_not_the_same() -> None:
    assert similar("ну а как вернуть то?", "как вернуть товар")
    assert not similar(
        "а если бракованный товар был куплен по акции со скидкой деньги вернут полностью?",
        "Товар с браком",
    )
    assert not similar("отпишите меня от смс номер 89261234567", "СТОП СМС")


@pytest.mark.parametrize(
    "text",
    [
        "курьер отказался акт составлять сказал не его проблема",
        "не получилось, кнопки нет",
        "уже сказал что не то привезли!!!",
        "я же писал вам",
        "сколько можно",
    ],
)
def test_these_report_the_advice_failed(text: str) -> None:
    assert reports_failure(text)


@pytest.mark.parametrize(
    "text",
    [
        "а если курьер отказался, что делать?",
        "хочу отказаться от заказа",
        "как получить возврат",
        "не то привезли",
    ],
)
def test_these_do_not(text: str) -> None:
    assert not reports_failure(text)

"""The customer asks again what the bot has just answered (bot/repeats.py): the bot says the
answer is above and offers a person instead of sending the same text again; a third ask goes
to a person, as two misses do. Any other message in between makes the next ask a new one."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select, update

from bot.config import Domain
from bot.ownership import Owner
from bot.repeats import RESPONSE
from bot.storage.models import Conversation, Message
from tests.dialogue import TestBot

RETURN = "Товар надлежащего качества можно вернуть в течение 14 дней"
DELIVERY = "в пункт выдачи «Вольт» — бесплатно"


def reminder(bot: TestBot) -> str:
    """What the domain says instead of the same answer (the test does not copy its wording)."""
    return bot.runtime.engine.brain.domain.render(RESPONSE, "telegram").text


async def reason_of(bot: TestBot) -> str | None:
    async with bot.runtime.db.read() as s:
        return await s.scalar(select(Conversation.escalation_reason))


async def test_the_same_question_again_gets_a_pointer_to_the_answer_and_a_person(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    [answer] = await alice.say("как вернуть товар")
    assert RETURN in answer.text
    [again] = await alice.say("ну а как вернуть то?")
    assert alice.last_outcome.owner is Owner.BOT
    # Not the same long text: that it is above, the entry's link and follow-ups, a person.
    assert again.text.startswith(reminder(bot)) and RETURN not in again.text
    assert [b.title for b in again.buttons] == [
        "Оформить возврат",
        "Сроки возврата денег",
        "Что нельзя вернуть",
        "Позвать оператора",
    ]
    assert next(b.url for b in again.buttons if b.title == "Оформить возврат") == (
        "https://volt-shop.ru/returns"
    )
    # A third time: the answer does not help, a person takes over — as after two misses.
    told = await alice.say("как вернуть товар?")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert told[0].text.startswith("Похоже, мой ответ не помог")  # the bot did understand
    assert await reason_of(bot) == "not_understood"


async def test_an_answer_rewritten_since_is_sent_in_full(bot: TestBot) -> None:
    alice = bot.customer("alice")
    [answer] = await alice.say("как вернуть товар")
    # What she read then was the editor's earlier wording (the answer was rewritten since).
    async with bot.runtime.db.write() as s:
        await s.execute(
            update(Message).where(Message.text == answer.text).values(text="Старый ответ.")
        )
    [again] = await alice.say("ну а как вернуть то?")
    assert RETURN in again.text and not again.text.startswith(reminder(bot))
    assert alice.last_outcome.owner is Owner.BOT


async def test_the_person_offered_with_the_reminder_comes_at_a_press(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    await alice.say("как вернуть товар?")
    await alice.press("Позвать оператора")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert await reason_of(bot) == "customer_request"


async def test_a_different_question_in_between_makes_the_next_ask_a_new_one(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    assert reminder(bot) in (await alice.say("как вернуть товар?"))[0].text
    assert DELIVERY in (await alice.say("сколько стоит доставка"))[0].text
    # The return question again, after the delivery: answered in full, and no miss is left over.
    [answer] = await alice.say("как вернуть товар")
    assert RETURN in answer.text and "👎 Не помогло" in [b.title for b in answer.buttons]
    assert reminder(bot) in (await alice.say("как вернуть товар?"))[0].text
    assert alice.last_outcome.owner is Owner.BOT  # one re-ask since the reset, not a third


async def test_asking_again_many_turns_later_is_a_new_question(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    await alice.say("спасибо")
    await alice.say("сколько стоит доставка")
    await alice.say("какие способы оплаты есть")
    await alice.say("ок")
    [answer] = await alice.say("как вернуть товар?")
    assert RETURN in answer.text
    # Nor is a «спасибо» right after the answer a question answered: the ask after it is new.
    await alice.say("спасибо")
    assert RETURN in (await alice.say("как вернуть товар"))[0].text
    assert alice.last_outcome.owner is Owner.BOT


async def test_not_helped_then_the_same_question_is_a_re_ask(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    await alice.press("👎 Не помогло")
    [again] = await alice.say("ну а как вернуть то?")
    assert again.text.startswith(reminder(bot)) and RETURN not in again.text


async def test_a_miss_right_after_the_reminder_hands_over(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    await alice.say("как вернуть товар?")
    await alice.say("абырвалг кукуруза синхрофазотрон")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert await reason_of(bot) == "not_understood"


async def test_a_short_answer_is_repeated_under_the_reminder(bot: TestBot) -> None:
    brain = bot.runtime.engine.brain
    short = "Вернуть товар можно за 14 дней: заявка на https://volt-shop.ru/returns."
    entries = dict(brain.kb.entries)
    entries["return_goods"] = entries["return_goods"].model_copy(update={"answer": short})
    kb = dataclasses.replace(brain.kb, entries=entries)
    bot.runtime.engine.brain = dataclasses.replace(brain, kb=kb)
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    [again] = await alice.say("как вернуть товар?")
    assert again.text == f"{reminder(bot)}\n\n{short}"


async def test_a_long_answer_without_a_link_button_gives_the_link_of_its_text(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("в какие города доставляете")
    [again] = await alice.say("в какие города вы доставляете?")
    # «Регионы доставки» has follow-up buttons only; its link is in the text.
    assert again.text.startswith(reminder(bot))
    assert again.text.endswith("\n\nhttps://volt-shop.ru")


async def test_without_the_response_the_answer_is_sent_again(bot: TestBot) -> None:
    brain = bot.runtime.engine.brain
    responses = {k: v for k, v in brain.domain.responses.items() if k != RESPONSE}
    domain = Domain(responses, brain.domain.intents)
    bot.runtime.engine.brain = dataclasses.replace(brain, domain=domain)
    alice = bot.customer("alice")
    for question in ("как вернуть товар", "ну а как вернуть то?", "как вернуть товар?"):
        assert RETURN in (await alice.say(question))[0].text
    assert alice.last_outcome.owner is Owner.BOT


@pytest.mark.parametrize(
    ("question", "follow_up", "part"),
    [
        ("доставка курьером интервал", "а перенести можно?", "Перенести доставку на другой день"),
        ("подъём на этаж", "а холодильник?", None),  # the answer says «крупная техника»
    ],
)
async def test_a_new_question_the_same_entry_answers_is_no_re_ask(
    bot: TestBot, question: str, follow_up: str, part: str | None
) -> None:
    """Not «Я ответил на этот вопрос…» (it asks something else), nor the same long answer again
    (QA D21, D23): the part of it that holds the question's words, or else «в ответе выше»
    (bot/answer_parts.py, tests/test_answer_parts.py)."""
    alice = bot.customer("alice")
    [first] = await alice.say(question)
    [again] = await alice.say(follow_up)
    assert not again.text.startswith(reminder(bot))
    assert again.text != first.text
    if part is None:
        assert again.text.startswith("Всё, что я знаю об этом, — в ответе выше")
    else:
        assert part in again.text
    assert alice.last_outcome.owner is Owner.BOT

"""What a customer waits for, and a person asked for together with a topic.

A week's wait written to a shop is the order's wait: «Где мой заказ», whose flow asks the number
(data/faq/orders.yml). Once the conversation waits in the queue, «я ещё жду», «уже 10 минут
жду» are about the person: the queue's status (bot/queued.py), not an order-status answer and
not the throttled «добавлено к обращению». A call for a person in so many words hands over first
(bot/dialogue.py): a topic beside it («вопрос по оплате», «заказ не пришёл») is the person's to
answer; a question the bot answers confidently is answered after the handoff, the place in the
queue kept (handoff/escalation.py ``answered_first``, as beside a complaint)."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot

HANDOFF = "Передаю ваш вопрос"
ORDER_NUMBER_ASKED = "номер заказа"
WAIT = "Оператор подключится к диалогу примерно через"
CANCEL = "Отменить вызов оператора"


def _response(bot: TestBot, name: str) -> str:
    """The first text of a domain.yml response (tests read the content, not a copy of it)."""
    return bot.runtime.brain.domain.render(name, "telegram").text


@pytest.mark.parametrize(
    "message", ["уже неделю жду", "заказ не пришёл уже неделю, я ничего не понимаю"]
)
async def test_a_week_of_waiting_written_to_the_shop_is_about_the_order(
    bot: TestBot, message: str
) -> None:
    alice = bot.customer("alice")
    [asked] = await alice.say(message)  # was a defect answer / the missing SMS answer
    prediction = alice.last_outcome.prediction
    assert prediction is not None and prediction.intent == "order_status", prediction
    assert ORDER_NUMBER_ASKED in asked.text.lower()  # «Где мой заказ» asks which one
    assert alice.last_outcome.owner is Owner.BOT
    status, *_ = await alice.say("55512345")
    assert "https://volt-shop.ru/orders/55512345" in status.text  # the flow's link to it


@pytest.mark.parametrize(
    "waiting", ["я ещё жду", "уже 10 минут жду", "жду ответа уже полчаса", "сколько можно ждать"]
)
async def test_in_the_queue_waiting_is_waiting_for_the_person(bot: TestBot, waiting: str) -> None:
    await bot.busy_operator()  # someone online, every slot taken: the queue names minutes
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    [said] = await olga.say(waiting)  # was «Ваше сообщение добавлено к обращению»
    assert said.text.startswith(WAIT), said.text
    assert CANCEL in [b.title for b in said.buttons]
    [said] = await olga.say("долго ещё?")  # a question about the wait: always the status
    assert said.text.startswith(WAIT), said.text
    # Said again at once: the status again or nothing (a burst), never an order's answer.
    for again in await olga.say(waiting):
        assert again.text.startswith(WAIT), again.text
    assert olga.last_outcome.owner is Owner.QUEUED


async def test_in_the_queue_a_wait_that_names_the_order_is_the_orders(bot: TestBot) -> None:
    await bot.busy_operator()
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    answer, kept = await olga.say("жду заказ уже неделю")
    assert "https://volt-shop.ru/orders" in answer.text  # the knowledge base's answer …
    assert kept.text == _response(bot, "utter_handoff_queued_answered")  # … place kept
    assert olga.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize(
    "message",
    [
        "можно оператора? вопрос по оплате",
        "соедините с человеком. заказ не пришёл",
        "Хочу поговорить с оператором. Заказ 55512345 не пришёл",
        "Здравствуйте. Хочу поговорить с оператором по заказу 55512345, он не пришёл",
    ],
)
async def test_a_person_asked_for_with_a_topic_is_called_at_once(
    bot: TestBot, message: str
) -> None:
    await bot.busy_operator()
    alice = bot.customer("alice")
    [handoff] = await alice.say(message)  # not a payment or order-status answer first
    assert handoff.text.startswith(HANDOFF), handoff.text
    assert alice.last_outcome.owner is Owner.QUEUED
    if "55512345" in message:  # the number is passed on, not asked for again
        assert "по заказу № 55512345" in handoff.text
        assert "повторять ничего не нужно" in handoff.text


async def test_a_question_asked_with_a_call_is_answered_after_the_handoff(bot: TestBot) -> None:
    await bot.busy_operator()
    alice = bot.customer("alice")
    handoff, answer, kept = await alice.say("как вернуть товар? и позовите оператора")
    assert handoff.text.startswith(HANDOFF)  # the person asked for, first …
    assert "https://volt-shop.ru/returns" in answer.text  # … the answer the bot has …
    assert kept.text == _response(bot, "utter_handoff_queued_answered")  # … place kept
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_a_question_asked_with_who_beside_a_call_is_answered_too(bot: TestBot) -> None:
    # «кто» is a question word like «как» (nlu/question_words.py): was the hand-off alone.
    await bot.busy_operator()
    alice = bot.customer("alice")
    handoff, answer, kept = await alice.say("кто установит телевизор на стену и позовите оператора")
    assert handoff.text.startswith(HANDOFF)
    assert answer.text.startswith("Да, наши мастера устанавливают")
    assert kept.text == _response(bot, "utter_handoff_queued_answered")


async def test_once_an_operator_has_it_the_question_is_theirs(bot: TestBot) -> None:
    await bot.operator("anna", name="Анна")  # online and free: she takes it at once
    alice = bot.customer("alice")
    [joined] = await alice.say("как вернуть товар? и позовите оператора")
    assert joined.text.startswith("Оператор Анна")  # no FAQ answer beside her
    assert alice.last_outcome.owner is Owner.OPERATOR


@pytest.mark.parametrize(
    "message",
    [
        "оператора пожалуйста. как связаться с вами по телефону",
        "человека дайте, как вернуть деньги за заказ",
        "Здравствуйте, оператора пожалуйста, вопрос по оплате",
    ],
)
async def test_a_person_named_before_the_verb_is_a_call_too(bot: TestBot, message: str) -> None:
    await bot.busy_operator()
    alice = bot.customer("alice")
    handoff, *_ = await alice.say(message)  # was the contacts or the return answer, no person
    assert handoff.text.startswith(HANDOFF), handoff.text
    assert alice.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize(
    "message",
    [
        "не надо оператора, просто скажите как вернуть товар",
        "оператор мне не помог, как вернуть товар",
    ],
)
async def test_a_person_declined_or_spoken_of_is_no_call(bot: TestBot, message: str) -> None:
    alice = bot.customer("alice")
    [answer] = await alice.say(message)
    assert "https://volt-shop.ru/returns" in answer.text
    assert alice.last_outcome.owner is Owner.BOT

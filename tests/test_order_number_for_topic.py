"""An order number sent after an answer that asked for it belongs to that answer's topic
(bot/order_topic.py, QA 2d: D58, D38, D98, D1): the number is kept and a person takes the
topic with it — not the «Где мой заказ» flow and its «Всё понятно со статусом?». A bare number
with no such answer before it still starts the flow. And «нужно поговорить с человеком по
поводу возврата денег» is a call for a person (handoff/escalation.py), not only a refund
question; a reply at «Всё понятно со статусом?» that answers nothing of it is a new message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ownership import Owner
from bot.storage.models import Conversation
from bot.yamlio import ContentError
from knowledge_base.loader import load_kb_text
from tests.dialogue import TestBot

STATUS = "Статус заказа №"
QUESTION = "Всё понятно со статусом?"
TAKEN = "Спасибо, заказ № 34567890 — передаю коллеге ваш вопрос «Когда вернутся деньги»"


async def _conversation(bot: TestBot, customer: object) -> Conversation:
    async with bot.runtime.db.write() as session:
        found = await session.get(Conversation, customer.last_outcome.conversation_id)  # type: ignore[attr-defined]
        assert found is not None
        return found


async def test_the_number_the_refund_answer_asked_for_goes_to_a_person(bot: TestBot) -> None:
    alice = bot.customer("alice")
    [answer] = await alice.say("сколько ждать возврат денег")
    assert "пришлите номер заказа" in answer.text
    told = [m.text for m in await alice.say("заказ 34567890")]
    assert told[0].startswith(TAKEN)
    assert not any(t.startswith(STATUS) or t == QUESTION for t in told)
    assert "укажите номер" not in " ".join(told)  # the hand-over knows it
    conversation = await _conversation(bot, alice)
    assert conversation.owner == Owner.QUEUED.value
    assert (conversation.context or {})["order_number"] == "34567890"
    assert conversation.team == "billing"  # the entry's team
    escalation = (conversation.context or {})["escalation"]
    assert escalation["detail"] == "refund_time"


async def test_a_bare_number_after_the_wrong_item_answer_is_for_that_topic(bot: TestBot) -> None:
    dana = bot.customer("dana")
    await dana.say("привезли не тот товар")
    [taken, *_] = await dana.say("12345678")
    assert taken.text.startswith("Спасибо, заказ № 12345678 — передаю коллеге")


async def test_answers_in_between_do_not_lose_what_was_asked(bot: TestBot) -> None:
    """D1: the refund answer asked for the number; two misread messages later it comes."""
    erik = bot.customer("erik")
    await erik.say("вернул наушники в магазин 5 дней назад деньги так и не пришли")
    await erik.say("оплачивал картой сбера")
    [taken, *_] = await erik.say("номер заказа 48213377")
    assert taken.text.startswith("Спасибо, заказ № 48213377 — передаю коллеге ваш вопрос «Когда")


async def test_a_bare_number_with_no_such_answer_still_opens_the_status(bot: TestBot) -> None:
    bob = bot.customer("bob")
    await bob.say("как вернуть товар?")  # its answer asks for no number
    told = [m.text for m in await bob.say("34567890")]
    assert told[0].startswith("Статус заказа № 34567890") and told[1] == QUESTION


async def test_a_flow_started_since_takes_the_number_itself(bot: TestBot) -> None:
    carl = bot.customer("carl")
    await carl.say("сколько ждать возврат денег")
    [ask] = await carl.say("где мой заказ?")
    assert "номер заказа" in ask.text
    told = [m.text for m in await carl.say("34567890")]
    assert told[0].startswith("Статус заказа № 34567890")


@pytest.mark.parametrize(
    "said",
    ["нужно поговорить с человеком по поводу возврата денег", "мне надо связаться со специалистом"],
)
async def test_needing_to_talk_to_a_person_is_a_call(bot: TestBot, said: str) -> None:
    fedor = bot.customer("fedor")
    told = [m.text for m in await fedor.say(said)]
    assert told[0].startswith("Передаю ваш вопрос"), told
    conversation = await _conversation(bot, fedor)
    assert conversation.owner == Owner.QUEUED.value
    assert (conversation.context or {})["escalation"]["reason"] == "customer_request"


async def test_a_reply_that_is_no_answer_to_the_status_question_is_read_anew(
    bot: TestBot,
) -> None:
    gleb = bot.customer("gleb")
    told = [m.text for m in await gleb.say("12345678")]
    assert told[-1] == QUESTION
    again = [m.text for m in await gleb.say("вернула 2 недели назад")]
    assert QUESTION not in " ".join(again)
    assert not (await _conversation(bot, gleb)).context.get("flow")  # type: ignore[union-attr]


def test_asking_for_the_number_in_a_specialists_answer_is_refused_at_its_line(
    tmp_path: Path,
) -> None:
    text = (
        'version: "1"\nentries:\n'
        "  - id: ok_entry\n    title: Хорошо\n    questions: [один]\n    answer: Ответ\n"
        "  - id: special\n    title: Только сотрудник\n    questions: [два]\n"
        "    answer: Передаю специалисту.\n    human_only: true\n    asks_order_number: true\n"
    )
    with pytest.raises(ContentError) as info:
        load_kb_text(text, "payment.yml")
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == ("payment.yml", 7)
    assert "asks_order_number не нужен при human_only" in problem.message


async def test_paying_twice_by_sbp_is_the_double_charge_for_a_person(bot: TestBot) -> None:
    """D6: it read as a failed payment, and the number sent next opened «Где мой заказ»."""
    ivan = bot.customer("ivan")
    told = [m.text for m in await ivan.say("оплатил по сбп 2 раза случайно что делать")]
    assert told[0].startswith("Понимаем, как это неприятно")
    assert (await _conversation(bot, ivan)).owner == Owner.QUEUED.value

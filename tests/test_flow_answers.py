"""How a customer answers a flow's question: typed yes and no the way people type them, words
that leave the flow, and buttons that answer only the question they came with."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.events import InboundKind
from bot.ownership import Owner
from bot.storage.models import Conversation
from handoff.editor import unanswered
from tests.dialogue import Customer, TestBot

STOPPED_ASKING = "Хорошо, больше не спрашиваю номер заказа. Чем ещё могу помочь?"
UNSURE = "Не уверен, что понял вас правильно. Всё понятно со статусом?"


async def _context(bot: TestBot) -> dict[str, object]:
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation).order_by(Conversation.id.desc()))
        assert conv is not None
        return dict(conv.context)


async def press_old(customer: Customer, title: str) -> list[str]:
    """Press the button ``title`` of the *oldest* message that has it (Telegram keeps them)."""
    for message in customer.sent:
        for button in message.buttons:
            if button.title == title:
                event = customer.event(kind=InboundKind.BUTTON, payload=button.payload, text=title)
                return [m.text for m in await customer.redeliver(event)]
    raise AssertionError(f"no button {title!r}")


# -- «нее» is no, «угу» is yes, «да нет» is asked again ---------------------------------------


@pytest.mark.parametrize("said", ["нее", "нит", "не-а", "неа", "нееет", "нету", "Неее!"])
async def test_a_colloquial_no_is_no(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    told = [m.text for m in await alice.say(said)]  # «нее» was read as «да»: «Отлично!»
    assert told[0].startswith("Передаю коллеге номер заказа 12345678")
    assert alice.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize("said", ["ага", "угу", "дааа", "ну да", "всё понятно", "да-да"])
async def test_a_colloquial_yes_is_yes(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.say(said)
    assert alice.last_text.startswith("Отлично!")
    assert alice.last_outcome.owner is Owner.BOT


@pytest.mark.parametrize("said", ["да нет", "не знаю", "да, но заказ так и не пришёл", "наверное"])
async def test_an_answer_that_says_both_or_neither_is_asked_again(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.say(said)  # «да нет» was read as «нет» and handed over, «не знаю» as «нет» too
    assert alice.last_text == UNSURE
    assert alice.buttons() == ["Да, спасибо", "Нет, заказ задерживается"]
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("нет")  # asked again, answered clearly
    assert any("Передаю коллеге номер заказа 12345678" in m.text for m in alice.sent[-2:])


# -- «передумал» leaves the flow like «отмена» ------------------------------------------------


async def test_a_cancel_is_no_question_the_bot_missed(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("курьер не приехал")  # the flow asks for the order number
    await alice.say("передумал")
    assert alice.last_text == STOPPED_ASKING
    # The bot understood it (the flow was left): not for the editor's «Бот не понял», where
    # teaching it to an entry would make «передумал» outside a flow answer with that entry.
    async with bot.runtime.db.read() as session:
        missed = await unanswered(session, bot.runtime.brain)
    assert "передумал" not in [item.text for item in missed.items]


@pytest.mark.parametrize(
    "said",
    [
        *("передумал, не надо", "уже не нужно", "не надо", "стоп, не надо", "ладно, не важно"),
        *("Передумала.", "спасибо, мне уже ничего не нужно", "нет, не надо"),
    ],
)
async def test_a_customer_who_changed_their_mind_leaves_the_flow(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say(said)  # was «Не вижу номера заказа…», then a person was called
    assert alice.last_text == STOPPED_ASKING
    assert alice.last_outcome.owner is Owner.BOT
    assert "flow" not in await _context(bot)


async def test_no_at_a_yes_no_question_is_the_answer_not_a_cancel(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.say("нет, не надо")  # «нет» answers «Всё понятно?»
    assert any("Передаю коллеге номер заказа 12345678" in m.text for m in alice.sent[-2:])


async def test_cancel_please_inside_the_order_flow_is_about_the_order(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("отменить пожалуйста")  # cancel the order, most likely: its FAQ answer
    assert alice.last_text != STOPPED_ASKING
    assert "отмен" in alice.last_text.lower()


# -- a button answers only the question it came with ------------------------------------------


async def test_an_old_button_of_another_flow_does_not_answer_the_question_now(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.press("Да, спасибо")
    await alice.say("курьер не приехал")  # the number is known from the first flow
    assert alice.buttons() == ["Да, подожду", "Нет, интервал прошёл"]
    # The first flow's «нет» was taken as «Нет, интервал прошёл»: a person and a promise of
    # 500 bonuses the customer never asked for.
    told = await press_old(alice, "Нет, заказ задерживается")
    assert told == [
        "Этот вопрос уже закрыт. Если нужно что-то ещё — просто напишите.",
        "Новое время там указано?",
    ]
    assert alice.last_outcome.owner is Owner.BOT
    assert alice.buttons() == ["Да, подожду", "Нет, интервал прошёл"]
    await alice.press("Да, подожду")
    assert alice.last_text.startswith("Хорошо! Если курьер не приедет")


async def test_the_same_question_asked_again_is_not_answered_by_its_first_button(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.press("Да, спасибо")
    await alice.say("где мой заказ 87654321")  # the same question, about another order
    told = await press_old(alice, "Нет, заказ задерживается")  # under the first order's link
    assert told[0].startswith("Этот вопрос уже закрыт")
    assert told[1] == "Всё понятно со статусом?"
    assert alice.last_outcome.owner is Owner.BOT
    [first, second] = [
        b.payload for m in alice.sent for b in m.buttons if b.title == "Нет, заказ задерживается"
    ][:2]
    assert first != second  # each run's buttons are its own
    assert second.startswith("flowbtn:order_status_check:resolved:")

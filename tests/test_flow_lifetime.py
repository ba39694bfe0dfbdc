"""A customer half-way through a flow, while the flow changes under them (an editor's edit and
reload) or time passes (a question left unanswered for days)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation, utcnow
from flows.models import Flow, FlowButton, Step
from tests.dialogue import TestBot

ORDER = "order_status_check"
ERROR = "что-то пошло не так"


def edit_flow(
    bot: TestBot, change: Callable[[list[Step]], list[Step]], flow_id: str = ORDER
) -> None:
    """The editor changes a flow's steps and the bot reloads (a new brain)."""
    brain = bot.runtime.engine.brain
    flow = brain.flows[flow_id]
    edited = Flow.model_validate({**flow.model_dump(), "steps": change(list(flow.steps))})
    bot.runtime.engine.brain = dataclasses.replace(brain, flows={**brain.flows, flow_id: edited})


def with_policy(bot: TestBot, **policy: object) -> None:
    brain = bot.runtime.engine.brain
    config = brain.config.model_copy(
        update={"policy": brain.config.policy.model_copy(update=policy)}
    )
    bot.runtime.engine.brain = dataclasses.replace(brain, config=config)


def later(delta: timedelta) -> Callable[[], datetime]:
    moment = utcnow() + delta
    return lambda: moment


async def _latest(bot: TestBot) -> Conversation:
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation).order_by(Conversation.id.desc()))
        assert conv is not None
        return conv


# -- an editor changes the flow while customers are in it -------------------------------------


async def test_a_question_the_editor_removed_does_not_hand_the_customer_over(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    assert alice.last_text == "Всё понятно со статусом?"
    edit_flow(bot, lambda steps: [s for s in steps if s.id not in ("resolved", "thanks", "late")])
    await alice.say("да")  # was IndexError → «что-то пошло не так… передаю сотруднику»
    assert ERROR not in alice.last_text
    assert alice.last_text.startswith("Рад помочь")  # read as a plain «да»
    assert alice.last_outcome.owner is Owner.BOT
    assert "flow" not in (await _latest(bot)).context


async def test_an_old_button_of_a_removed_question_is_stale(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    edit_flow(bot, lambda steps: [s for s in steps if s.id not in ("resolved", "thanks", "late")])
    told = [m.text for m in await alice.press("Нет, заказ задерживается")]
    assert told == ["Этот вопрос уже закрыт. Если нужно что-то ещё — просто напишите."]
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_question_added_before_the_one_waiting_does_not_take_its_answer(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    delivery = Step(
        id="delivery",
        ask="Заказ доставляет курьер?",
        slot="courier",
        buttons=[FlowButton(title="Да", value="yes"), FlowButton(title="Нет", value="no")],
    )
    edit_flow(bot, lambda steps: [*steps[:2], delivery, *steps[2:]])  # at the waiting index
    told = [m.text for m in await alice.say("нет")]  # «нет» to «Всё понятно со статусом?»
    assert told[0].startswith("Передаю коллеге номер заказа 12345678")
    flow = (await _latest(bot)).context["escalation"]["flow"]
    assert flow["slots"] == {"order_number": "12345678", "resolved": "no"}  # not «courier»


async def test_a_renamed_question_is_found_by_what_it_asks(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")

    def rename(steps: list[Step]) -> list[Step]:
        return [
            s.model_copy(update={"id": "is_resolved"}) if s.id == "resolved" else s for s in steps
        ]

    edit_flow(bot, rename)
    await alice.press("Да, спасибо")  # the button of the question before its rename
    assert alice.last_text.startswith("Отлично!")


async def test_reordered_steps_keep_each_answer_in_its_slot(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("курьер не приехал, заказ 12345678")  # waits at «Новое время там указано?»

    # «new_time» moved to the top: its index now points at «number»
    edit_flow(bot, lambda steps: [steps[2], steps[0], steps[1], *steps[3:]], "courier_missed")
    told = [m.text for m in await alice.say("нет")]
    assert "Подскажите номер" not in told[0]  # known: not asked again
    assert "500 Вольт-бонусов" in told[-2]  # the answer went to «new_time», as asked
    flow = (await _latest(bot)).context["escalation"]["flow"]
    assert flow["slots"] == {"order_number": "12345678", "new_time": "no"}


# -- a question left unanswered for days -------------------------------------------------------


async def test_a_week_old_question_does_not_swallow_a_new_order_number(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    assert alice.last_text == "Всё понятно со статусом?"
    bot.runtime.engine.clock = later(timedelta(days=8))  # she comes back a week later
    told = [m.text for m in await alice.say("87654321")]  # was the week-old question again
    assert "https://volt-shop.ru/orders/87654321" in told[0]
    assert alice.last_outcome.owner is Owner.BOT


async def test_the_age_limit_is_a_setting(bot: TestBot) -> None:
    with_policy(bot, flow_expiry_hours=2)
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    bot.runtime.engine.clock = later(timedelta(hours=3))
    await alice.say("щас поищу")  # not «Не вижу номера заказа»: the question no longer waits
    assert "Не вижу номера заказа" not in alice.last_text
    assert "flow" not in (await _latest(bot)).context


async def test_a_question_in_a_conversation_kept_open_expires_too(bot: TestBot) -> None:
    with_policy(bot, session_expiry_minutes=0)  # one conversation for ever
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    first = alice.last_outcome.conversation_id
    bot.runtime.engine.clock = later(timedelta(hours=13))
    await alice.say("да")
    assert alice.last_outcome.conversation_id == first
    assert alice.last_text.startswith("Рад помочь")  # a plain «да», not the flow's «Отлично!»
    context = (await _latest(bot)).context
    assert "flow" not in context and context["flow_data"]["slots"]["order_number"] == "12345678"


async def test_a_carried_question_a_new_message_does_not_answer_is_let_go(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    bot.runtime.engine.clock = later(timedelta(hours=3))  # a new conversation, flow carried
    await alice.say("щас поищу")  # was «Не вижу номера заказа…», then a person on the next
    assert "Не вижу номера заказа" not in alice.last_text
    assert "flow" not in (await _latest(bot)).context
    assert alice.last_outcome.owner is Owner.BOT

"""«Отменить вызов оператора»: a customer who no longer needs a person takes the request back
(bot/cancel.py). While waiting in the queue the conversation goes back to the bot; once an
operator has it, the operator reads the press. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.cancel import CANCEL_HANDOFF_PAYLOAD, INACTIVE
from bot.events import InboundKind
from bot.ownership import Owner
from bot.storage.models import Transition
from tests.dialogue import TestBot
from tests.handoff_kit import demo_bot_without

CANCEL = "Отменить вызов оператора"


async def test_a_customer_in_the_queue_cancels_and_the_bot_answers_again(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert CANCEL in alice.buttons()
    [said] = await alice.press(CANCEL)
    assert said.text.startswith("Хорошо, отменил вызов оператора.")
    assert alice.last_outcome.owner is Owner.BOT
    # The bot is back: a question gets its answer, not «оператор скоро подключится».
    [answer, *_] = await alice.say("как вернуть товар?")
    assert "вернуть" in answer.text.lower()
    async with bot.runtime.db.read() as session:
        moves = (
            await session.execute(
                select(
                    Transition.from_owner, Transition.to_owner, Transition.reason, Transition.actor
                ).order_by(Transition.id)
            )
        ).all()
    assert moves[-1] == ("queued", "bot", "customer_cancelled", "customer")


async def test_once_an_operator_has_it_the_press_reaches_the_operator(bot: TestBot) -> None:
    from handoff.auth import create_operator

    async with bot.runtime.db.write() as session:
        anna = await create_operator(session, "anna", "anna-pass-1", display_name="Анна")
        anna.status = "online"
    alice = bot.customer("alice")
    [joined] = await alice.say("позовите оператора")  # Anna is free: she has it at once
    assert alice.last_outcome.owner is Owner.OPERATOR
    # No queue to leave, no minutes to wait: only «уже читает», with no cancel button.
    assert joined.buttons == () and joined.text.startswith("Оператор Анна уже читает")
    # The button of an older handoff message, pressed now, reaches Anna.
    press = alice.event(kind=InboundKind.BUTTON, payload=CANCEL_HANDOFF_PAYLOAD, text=CANCEL)
    [said] = await alice.redeliver(press)
    assert said.text.startswith("Оператор уже подключился к диалогу")
    assert alice.last_outcome.owner is Owner.OPERATOR  # still hers to close


async def test_an_old_button_with_the_bot_changes_nothing(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("позовите оператора")
    await alice.press(CANCEL)
    [again] = await alice.press(CANCEL)  # the same old button once more
    # Nothing to take back: not «отменил» a second time.
    assert again.text == "Вызов оператора уже не активен — я на связи, просто напишите вопрос."
    assert alice.last_outcome.owner is Owner.BOT


async def test_without_its_phrase_an_old_button_gets_the_prompt(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with demo_bot_without(db_url, demo_project, demo_model, INACTIVE) as bot:
        alice = bot.customer("alice")
        await alice.say("спасибо")
        press = alice.event(kind=InboundKind.BUTTON, payload=CANCEL_HANDOFF_PAYLOAD, text=CANCEL)
        [said] = await alice.redeliver(press)
        assert said.text == "Я на связи! Чем могу помочь? Напишите вопрос своими словами."
        assert alice.last_outcome.owner is Owner.BOT

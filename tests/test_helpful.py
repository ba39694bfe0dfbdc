"""«Ответ помог?» under the bot's answer (bot/helpful.py), and what the editor sees of it.

Dialogues over the demo bot on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Message
from handoff.editor_helpful import helpfulness
from tests.dialogue import TestBot

HELPED, NOT_HELPED = "👍 Помогло", "👎 Не помогло"


async def pressed(bot: TestBot, title: str) -> dict[str, Any]:
    async with bot.runtime.db.read() as session:
        message = await session.scalar(
            select(Message).where(Message.text == title).order_by(Message.id.desc()).limit(1)
        )
    assert message is not None
    return dict(message.data)


async def test_an_answer_asks_whether_it_helped_and_a_no_offers_a_person(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("сколько стоит доставка")
    assert "299 ₽" in alice.last_text
    assert alice.buttons()[-2:] == [HELPED, NOT_HELPED]  # after the entry's own buttons
    replies = await alice.press(NOT_HELPED)
    assert replies[0].text.startswith("Жаль, что ответ не помог")
    assert alice.buttons() == ["Позвать оператора"]
    assert alice.last_outcome.owner is Owner.BOT  # an offer, not a handoff
    assert (await pressed(bot, NOT_HELPED))["helpful"] == {"entry": "delivery_cost", "value": False}
    await alice.press("Позвать оператора")
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_a_yes_is_thanked_and_is_no_miss(bot: TestBot) -> None:
    bob = bot.customer("bob")
    await bob.say("как вернуть товар")
    replies = await bob.press(HELPED)
    assert replies[0].text.startswith("Рад, что помог")
    assert (await pressed(bot, HELPED))["helpful"] == {"entry": "return_goods", "value": True}
    async with bot.runtime.db.read() as session:
        found = await helpfulness(session, bot.runtime.brain)
    assert [(h.entry_id, h.helped, h.not_helped) for h in found] == [("return_goods", 1, 0)]


async def test_several_answers_at_once_are_not_asked_about(bot: TestBot) -> None:
    carol = bot.customer("carol")
    replies = await carol.say("как вернуть товар? и сколько стоит доставка")
    assert len(replies) == 2
    assert all(HELPED not in [b.title for b in r.buttons] for r in replies)


async def test_a_project_can_turn_the_question_off(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.runtime.brain.config.policy, "ask_helpful", False)
    dave = bot.customer("dave")
    await dave.say("сколько стоит доставка")
    assert HELPED not in dave.buttons()


async def test_the_editor_sees_the_least_helpful_answers_first(bot: TestBot) -> None:
    for name, question, verdict in (
        ("u1", "сколько стоит доставка", NOT_HELPED),
        ("u2", "сколько стоит доставка", NOT_HELPED),
        ("u3", "как вернуть товар", NOT_HELPED),
        ("u4", "как вернуть товар", HELPED),
    ):
        customer = bot.customer(name)
        await customer.say(question)
        await customer.press(verdict)
    changed = bot.customer("u5")  # changed their mind: the last press counts, once
    await changed.say("как вернуть товар")
    await changed.press(NOT_HELPED)
    await changed.press(HELPED)
    async with bot.runtime.db.read() as session:
        found = await helpfulness(session, bot.runtime.brain)
    assert [(h.entry_id, h.helped, h.not_helped) for h in found] == [
        ("delivery_cost", 0, 2),
        ("return_goods", 2, 1),
    ]
    assert found[0].title == bot.runtime.brain.kb.entries["delivery_cost"].title


async def test_the_same_button_pressed_again_is_thanked_once_and_a_change_of_mind_is_heard(
    bot: TestBot,
) -> None:
    dana = bot.customer("dana")
    await dana.say("как вернуть товар")
    assert (await dana.press(HELPED))[0].text.startswith("Рад, что помог")
    assert await dana.press(HELPED) == []  # the old button, pressed again: no second thanks
    # She changed her mind: the latest press counts, and it is answered.
    assert (await dana.press(NOT_HELPED))[0].text.startswith("Жаль, что ответ не помог")
    assert (await pressed(bot, NOT_HELPED))["helpful"] == {"entry": "return_goods", "value": False}
    async with bot.runtime.db.read() as session:
        found = await helpfulness(session, bot.runtime.brain)
    assert [(h.entry_id, h.helped, h.not_helped) for h in found] == [("return_goods", 0, 1)]

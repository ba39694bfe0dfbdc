"""«а 1 января?», «а 31 декабря?», «а в воскресенье?» right after an answer that gives hours ask
that answer about that day (bot/bare_asks.py asks_when, bot/followup.py): answered from the
same entry (in full, or the part of it a follow-up asks about). Alone the date is «не понял» or
the support's hours."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.bare_asks import asks_when, tells_hours
from bot.storage.models import Message
from tests.dialogue import TestBot

NOT_UNDERSTOOD = "Извините, я не совсем понял вопрос"


def answer(bot: TestBot, entry_id: str) -> str:
    return bot.runtime.engine.brain.kb.entries[entry_id].render("telegram").text


async def read_as(bot: TestBot, text: str) -> str:
    """The entry the bot acted on for the customer's ``text`` (the history keeps it)."""
    async with bot.runtime.db.read() as session:
        asked = await session.scalar(
            select(Message).where(Message.text == text).order_by(Message.id.desc()).limit(1)
        )
    assert asked is not None
    return str(asked.data["nlu"]["intent"])


async def test_a_date_after_the_stores_hours_is_answered_from_the_stores(bot: TestBot) -> None:
    stores = answer(bot, "pickup_points")
    alice = bot.customer("alice")
    await alice.say("какой у вас график работы магазинов")
    assert alice.last_text == stores
    # «а 1 января?» was «Извините, я не совсем понял вопрос»; «а 31 декабря?» the support's
    # hours («Служба поддержки «Вольта» работает…»)
    for day in ["а 1 января?", "а 31 декабря?", "а в воскресенье?"]:
        [reply, *_] = await alice.say(day)
        assert await read_as(bot, day) == "pickup_points", day
        assert "Служба поддержки" not in reply.text and NOT_UNDERSTOOD not in reply.text
    assert "1 января закрыты" in (await alice.say("а 1 января?"))[0].text


async def test_a_date_after_the_support_hours_is_answered_from_the_support(bot: TestBot) -> None:
    support = answer(bot, "contacts")
    alice = bot.customer("alice")
    await alice.say("вы работаете в новогодние праздники?")
    assert alice.last_text == support
    [reply, *_] = await alice.say("а 1 января?")  # was «не понял»
    assert await read_as(bot, "а 1 января?") == "contacts"
    assert NOT_UNDERSTOOD not in reply.text


async def test_a_date_after_an_answer_without_hours_is_not_pulled_into_it(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    returns = alice.last_text
    [reply, *_] = await alice.say("а 1 января?")
    assert reply.text != returns


def test_which_messages_only_name_a_day(demo_project: Any) -> None:
    for text in [
        "а 1 января?",
        "а 31 декабря?",
        "а в воскресенье?",
        "ну а в праздники тоже?",
        "а 31-го?",
        "а в новый год?",
        "а в субботу как?",
    ]:
        assert asks_when(text), text
    for text in [
        "1 января?",  # no «а»: not a follow-up by its words
        "а на год?",
        "а на телек?",
        "а 31 декабря работаете",  # a verb: bot/bare_asks.py asks_bare reads it
        "а доставка 1 января?",
        "а если 1 января?",
        "а 5?",
    ]:
        assert not asks_when(text), text
    kb = demo_project.kb
    assert tells_hours(kb.entries["pickup_points"]) and tells_hours(kb.entries["contacts"])
    assert not tells_hours(kb.entries["return_goods"])

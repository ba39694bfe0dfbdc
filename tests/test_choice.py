"""«2», «второе» after «Уточните…»: the customer picks an offered option by typing it."""

from __future__ import annotations

import pytest

from bot.choice import ordinal
from bot.ownership import Owner
from handoff.editor import unanswered
from tests.dialogue import TestBot


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("2", 2),
        ("2.", 2),
        ("вариант 3", 3),
        ("Второе", 2),
        ("да, первое", 1),
        ("№1", 1),
        ("третий пункт", 3),
        ("последний", -1),
        ("ну второй", 2),
    ],
)
def test_a_message_that_only_names_a_place(text: str, place: int) -> None:
    assert ordinal(text) == place


@pytest.mark.parametrize(
    "text", ["12", "второе место", "дважды", "первый раз заказываю", "2 штуки", "да", ""]
)
def test_a_message_that_says_more_is_no_pick(text: str) -> None:
    assert ordinal(text) is None


async def test_the_customer_types_the_number_of_an_option(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("возврат")  # a bare topic: «Что именно вас интересует?» and its entries
    offered = alice.buttons()
    assert len(offered) >= 3 and offered[-1] == "Позвать оператора"
    await alice.say("2")
    assert alice.last_outcome.owner is Owner.BOT
    # the second option's answer, as if its button had been pressed
    entry = next(e for e in bot.runtime.brain.kb.entries.values() if e.title == offered[1])
    assert alice.last_text.startswith(entry.render("telegram").text[:40])
    async with bot.runtime.db.read() as session:  # «2» is no question the bot missed
        missed = await unanswered(session, bot.runtime.brain)
    assert "2" not in [item.text for item in missed.items]


async def test_the_last_option_by_its_place_calls_a_person(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("возврат")
    await alice.say("последний")
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_a_number_means_nothing_without_an_offer_just_before(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("возврат")
    await alice.say("спасибо")  # anything else uses the offer up
    await alice.say("2")
    assert alice.last_outcome.owner is Owner.BOT
    assert "не совсем понял" in alice.last_text

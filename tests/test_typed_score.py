"""A score typed to the bot without being asked (bot/typed_score.py, bot/feedback.py): «5» or
«ставлю 1 звезду» was «не понял»; right after an answer it rates that answer as «👍/👎» do,
at another moment it is thanked for, or — a low one — met with an offer of a person."""

from __future__ import annotations

import pytest

from bot.typed_score import score
from tests.dialogue import TestBot

NOT_UNDERSTOOD = "Извините, я не совсем понял вопрос"


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("5", 5),
        ("5!", 5),
        ("ставлю 1 звезду", 1),
        ("5 звёзд", 5),
        ("оценка 4", 4),
        ("4 из 5", 4),
        ("12345678", None),
        ("6", None),
        ("5 минут", None),
        ("2", None),  # an option's number, most likely (tests/test_choice.py)
        ("ставлю 2", 2),
        ("я 5 раз писал", None),
    ],
)
def test_a_score_is_a_number_from_one_to_five_and_nothing_else(
    text: str, given: int | None
) -> None:
    assert score(text) == given


async def test_five_after_thanks_is_thanked_for(bot: TestBot) -> None:
    anna = bot.customer("anna")
    await anna.say("спасибо, всё")
    [reply] = await anna.say("5")
    assert reply.text.startswith("Рад помочь")


async def test_one_star_is_met_with_an_offer_of_a_person(bot: TestBot) -> None:
    boris = bot.customer("boris")
    [reply] = await boris.say("ставлю 1 звезду")
    assert not reply.text.startswith(NOT_UNDERSTOOD)
    assert reply.text.startswith("Понял. Напишите, пожалуйста, что осталось непонятным")
    assert [b.title for b in reply.buttons] == ["Позвать оператора"]


async def test_a_score_right_after_an_answer_rates_that_answer(bot: TestBot) -> None:
    clara = bot.customer("clara")
    await clara.say("как вернуть товар")
    [reply] = await clara.say("2 звезды")
    assert reply.text.startswith("Жаль, что ответ не помог")
    dan = bot.customer("dan")
    await dan.say("как вернуть товар")
    [reply] = await dan.say("5")
    assert reply.text.startswith("Рад, что помог")

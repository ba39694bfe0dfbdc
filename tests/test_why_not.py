"""«а почему нет» after an answer that says something is not possible (QA 2d D7, D24) asks the
reason: it is no «нет» to the answer («Понял. Напишите, что осталось непонятным…»). The
content has no reason to give, so the bot says so and offers a person."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot


@pytest.mark.parametrize(
    "why", ["а почему нет", "почему нет?", "а почему нельзя", "почему не принимаете"]
)
async def test_why_not_after_an_answer_is_a_question_not_a_no(bot: TestBot, why: str) -> None:
    alice = bot.customer("alice")
    await alice.say("можно оплатить картой казахстанского банка?")
    assert "не принимаются" in alice.last_text
    await alice.say(why)
    assert "Понял. Напишите" not in alice.last_text  # was: read as «нет»
    assert "Позвать оператора" in alice.buttons()
    assert alice.last_outcome.owner is Owner.BOT
    assert "Причину подробнее подсказать не могу" in alice.last_text


async def test_a_plain_no_after_an_answer_is_still_a_no(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("можно оплатить картой казахстанского банка?")
    await alice.say("нет")
    assert "Понял. Напишите" in alice.last_text

"""A score typed a message or two after an answer is recorded for that answer, and thanks
before a score do not hide it (QA 3 Q13: QA44 «круто», then «оцениваю на 5 звезд», QA22
«спасибо, оценка 5» got «Рад помочь!» and nothing was recorded)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.storage.models import Message
from bot.typed_score import score
from tests.dialogue import TestBot


async def _vote(bot: TestBot, text: str) -> object:
    """What the customer's message ``text`` recorded about an answer («👍/👎»), if anything."""
    async with bot.runtime.db.read() as s:
        data = await s.scalar(
            select(Message.data).where(Message.author == "customer", Message.text == text)
        )
        return (data or {}).get("helpful")


@pytest.mark.parametrize(
    ("text", "given"),
    [("спасибо, оценка 5", 5), ("оцениваю на 5 звезд", 5), ("ставлю 5", 5), ("спасибо", None)],
)
def test_thanks_before_a_score(text: str, given: int | None) -> None:
    assert score(text) == given


async def test_a_score_after_thanks_for_an_answer_is_recorded(bot: TestBot) -> None:
    anna = bot.customer("anna")
    await anna.say("как вернуть товар")
    await anna.say("круто")
    await anna.say("оцениваю на 5 звезд")  # was thanked for, and lost
    assert anna.last_text.startswith("Рад помочь")
    assert await _vote(bot, "оцениваю на 5 звезд") == {
        "entry": "return_goods",
        "value": True,
        "typed": True,
    }


async def test_thanks_and_a_score_right_after_an_answer_rate_it(bot: TestBot) -> None:
    boris = bot.customer("boris")
    await boris.say("как вернуть товар")
    await boris.say("спасибо, оценка 5")  # was «Пожалуйста!»
    assert boris.last_text.startswith("Рад, что помог")

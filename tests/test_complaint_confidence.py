"""A complaint hands over only when the bot is sure it is one: a customer who hesitates
(«ыыы ну это как его») is not apologised to and passed to a senior specialist (QA7 D2)."""

from __future__ import annotations

from typing import Any

from bot.ownership import Owner
from handoff.config import HandoffConfig
from handoff.escalation import Reason, detect
from nlu.api import Decision, IntentScore, Prediction
from tests.conftest import brain_for
from tests.dialogue import TestBot, start_bot


def _complaint(confidence: float) -> Prediction:
    ranking = (IntentScore("complaint", confidence),)
    return Prediction("…", "complaint", confidence, Decision.ANSWER, ranking)


def test_a_complaint_the_nlu_is_unsure_of_is_no_trigger() -> None:
    config = HandoffConfig()
    assert config.complaint_min_confidence == 0.7
    assert detect("ну это самое", _complaint(0.62), config) is None
    trigger = detect("ужасный сервис", _complaint(0.93), config)
    assert trigger is not None and trigger.reason is Reason.COMPLAINT
    # A project may trust its model more (or less).
    assert detect("ну это самое", _complaint(0.62), HandoffConfig(complaint_min_confidence=0.5))


async def test_a_hesitating_customer_is_asked_again_not_handed_to_a_senior(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("ну эта штука как её там")  # not among the training examples
    assert olga.last_outcome.owner is Owner.BOT
    assert "извинения" not in olga.last_text and "специалист" not in olga.last_text
    assert "не совсем понял" in olga.last_text or "Уточните" in olga.last_text


async def test_an_angry_customer_still_reaches_a_person_at_once(bot: TestBot) -> None:
    anna = bot.customer("anna")
    told = [m.text for m in await anna.say("вы издеваетесь, третий раз пишу, ужасный сервис")]
    assert anna.last_outcome.owner is Owner.QUEUED
    assert "приносим извинения" in told[0]


async def test_a_complaint_that_stays_with_the_bot_promises_no_senior(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """Below the confidence (here: a project that wants certainty) the bot has no answer to a
    complaint: it says it did not understand and offers a person — it does not apologise for
    passing the matter on while keeping it."""
    brain = brain_for(demo_project, demo_model, complaint_min_confidence=1.0)
    bot = await start_bot(demo_project, brain, db_url)
    try:
        ivan = bot.customer("ivan")
        await ivan.say("вы издеваетесь, третий раз пишу")
        assert ivan.last_outcome.owner is Owner.BOT
        assert "специалист" not in ivan.last_text and "не совсем понял" in ivan.last_text
        # A second miss in a row goes to a person, as for any message not understood.
        await ivan.say("вы издеваетесь, третий раз пишу")
        again = ivan.last_outcome
        assert again.owner is Owner.QUEUED
    finally:
        await bot.runtime.stop()

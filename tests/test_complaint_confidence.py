"""A complaint hands over only when the bot is sure it is one: a customer who hesitates
(«ыыы ну это как его») is not apologised to and passed to a senior specialist (QA7 D2)."""

from __future__ import annotations

from bot.ownership import Owner
from handoff.config import HandoffConfig
from handoff.escalation import Reason, detect
from nlu.api import Decision, IntentScore, Prediction
from tests.dialogue import TestBot


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

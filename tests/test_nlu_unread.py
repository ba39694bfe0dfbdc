"""Messages that are no evidence for any intent are rejected, and a lone weak guess is no
«Вы имели в виду…?» (docs/nlu.md, «The 2026-12-07 QA pass: gibberish and lone guesses»)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nlu import Decision, NLUConfig
from nlu.api import IntentScore
from nlu.model import decide
from tests.dialogue import TestBot

NOT_UNDERSTOOD = "Извините, я не совсем понял вопрос"
GIBBERISH = ["асдфг", "фывфыв", "ккк", "ыыы", "хз", "асдфг!!", "асдфг 😊", "жк"]
# A Latin mash: before nlu/latin.py each Latin word was evidence («zxcv» was thanks 0.46).
LATIN_GIBBERISH = ["asdfgh", "qwertyuiop", "sdfsdfsdf", "zxcvb", "jkjkjk", "ghjkl", "qwerty!!"]
# Short real inputs: each reads as it did before the rule (the rule never fires on them).
READ = [
    "ок",
    "да",
    "ok",
    "нет",
    "спс",
    "12345678",
    "заказ 12345",
    "+79161234567",
    "test@mail.ru",
    "gde moi zakaz",
    "ult vjq pfrfp",
    "др",
    "тв",
    "пвз",
    "samsung",
    "iphone",
    "xiaomi",
    "hello",
    "wi-fi",
    "thanks",
    "where is my order",
    "благодарочка",
    "товр вернуть",
]


def _without_rule(model: Any) -> Any:
    old = copy.copy(model)
    old.config = model.config.model_copy(update={"reject_unknown_words": False})
    return old


@pytest.mark.parametrize("text", GIBBERISH)
def test_a_keyboard_mash_is_rejected(demo_model: Any, text: str) -> None:
    p = demo_model.predict(text)
    assert p.decision is Decision.REJECT
    assert p.confidence == 0.0


@pytest.mark.parametrize("text", LATIN_GIBBERISH)
def test_a_latin_keyboard_mash_is_rejected(demo_model: Any, text: str) -> None:
    p = demo_model.predict(text)
    assert (p.decision, p.confidence) == (Decision.REJECT, 0.0)


def test_without_the_rule_a_mash_was_answered(demo_model: Any) -> None:
    """The QA pass's «асдфг» was read as thanks and answered; without the rule some of the
    mashes above are still answered (which ones moves with the content), so they are not
    vacuous."""
    old = _without_rule(demo_model)
    mashes = [*GIBBERISH, *LATIN_GIBBERISH]
    assert any(old.predict(text).decision is not Decision.REJECT for text in mashes)


@pytest.mark.parametrize("text", READ)
def test_short_real_inputs_read_as_before(demo_model: Any, text: str) -> None:
    new, old = demo_model.predict(text), _without_rule(demo_model).predict(text)
    assert (new.intent, new.decision, new.confidence) == (old.intent, old.decision, old.confidence)


def test_short_real_inputs_are_understood(demo_model: Any) -> None:
    for text, intent in [("ок", "affirm"), ("да", "affirm"), ("ok", "affirm")]:
        p = demo_model.predict(text)
        assert (p.intent, p.decision) == (intent, Decision.ANSWER), text
    assert demo_model.predict("gde moi zakaz").intent == "order_status"
    assert demo_model.predict("ult vjq pfrfp").intent == "order_status"


def test_a_mash_inside_a_question_leaves_the_question_alone(demo_model: Any) -> None:
    p = demo_model.predict("асдфг где мой заказ")
    assert (p.intent, p.decision) == ("order_status", Decision.ANSWER)


async def test_a_mash_gets_not_understood_and_the_operator_button(bot: TestBot) -> None:
    """«асдфг» got «Пожалуйста! Если появятся ещё вопросы…» (thanks, 0.43)."""
    alice = bot.customer("alice")
    [answer] = await alice.say("асдфг")
    assert answer.text.startswith(NOT_UNDERSTOOD)
    assert [b.title for b in answer.buttons] == ["Позвать оператора"]


def _ranking(*scores: float) -> list[IntentScore]:
    return [IntentScore(f"i{k}", s) for k, s in enumerate(scores)]


@pytest.mark.parametrize(
    ("scores", "decision"),
    [
        ((0.22, 0.10), Decision.REJECT),  # one weak guess alone: was a one-button clarify
        ((0.249, 0.0), Decision.REJECT),
        ((0.25, 0.10), Decision.CLARIFY),  # alone, but at clarify_lone_threshold
        ((0.27, 0.10), Decision.CLARIFY),
        ((0.22, 0.21), Decision.CLARIFY),  # two candidates: still «Вы имели в виду…?»
        ((0.19, 0.18), Decision.REJECT),
        ((0.45, 0.40), Decision.CLARIFY),
        ((0.45, 0.10), Decision.ANSWER),
    ],
)
def test_a_lone_weak_guess_is_no_clarify(scores: tuple[float, ...], decision: Decision) -> None:
    assert decide(_ranking(*scores), NLUConfig()) is decision


def test_the_lone_threshold_at_the_clarify_threshold_is_the_old_policy() -> None:
    cfg = NLUConfig(clarify_lone_threshold=0.2)
    assert decide(_ranking(0.22, 0.10), cfg) is Decision.CLARIFY


@pytest.mark.parametrize("text", ["asdfgh", "qwertyuiop", "sdfsdfsdf", "zxcvb", "jkjkjk", "ghjkl"])
async def test_a_latin_mash_gets_not_understood(bot: TestBot, text: str) -> None:
    """«zxcvb» got «Пожалуйста!…» (thanks 0.44), «jkjkjk» the whole welcome (greet 0.55)."""
    alice = bot.customer("alice")
    [answer] = await alice.say(text)
    assert answer.text.startswith(NOT_UNDERSTOOD)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("iphone не заряжается", "defective_item"),
        ("ult vjq pfrfp", "order_status"),
        ("gde moi zakaz", "order_status"),
    ],
)
async def test_latin_that_means_something_is_still_understood(
    bot: TestBot, text: str, intent: str
) -> None:
    alice = bot.customer("alice")
    [answer] = await alice.say(text)
    assert not answer.text.startswith(NOT_UNDERSTOOD)
    prediction = alice.last_outcome.prediction
    assert prediction is not None
    assert (prediction.intent, prediction.decision) == (intent, Decision.ANSWER)


async def test_a_brand_with_a_topic_is_no_mash(bot: TestBot) -> None:
    """«xiaomi гарантия»: the service centres are offered, not «не понял»."""
    alice = bot.customer("alice")
    [answer] = await alice.say("xiaomi гарантия")
    assert not answer.text.startswith(NOT_UNDERSTOOD)
    assert "Сервисные центры" in alice.buttons()

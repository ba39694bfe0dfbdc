"""After answering a several-question message, «А про «…» уточните…» offers for the question
only guessed at the entries worth offering — those the NLU gives at least
``nlu.clarify_threshold`` — never a 5 % guess (the one clarify rule, QA7 D4)."""

from __future__ import annotations

from pathlib import Path

from bot.readings import unclear_part
from knowledge_base.loader import load_kb
from nlu.api import Decision, IntentScore, Prediction

KB = load_kb([Path(__file__).resolve().parent.parent / "data" / "faq"])


def _message(*ranking: tuple[str, float]) -> Prediction:
    """«можно оплатить картой? и это… доставка в казань» — the payment is clear, the rest not."""
    paid = Prediction(
        "можно оплатить картой?", "payment_methods", 0.95, Decision.ANSWER,
        (IntentScore("payment_methods", 0.95),),
    )  # fmt: skip
    scores = tuple(IntentScore(intent, confidence) for intent, confidence in ranking)
    unsure = Prediction("и это доставка в казань", ranking[0][0], ranking[0][1],
                        Decision.CLARIFY, scores)  # fmt: skip
    return Prediction("…", "payment_methods", 0.6, Decision.ANSWER, scores, parts=(paid, unsure))


def test_the_guessed_question_offers_the_entries_the_bot_half_recognised() -> None:
    found = unclear_part(
        _message(("delivery_time", 0.41), ("delivery_regions", 0.33)),
        KB, ["payment_methods"], 3, 0.3,
    )  # fmt: skip
    assert found is not None and found[1] == ["delivery_time", "delivery_regions"]


def test_a_weak_guess_is_not_offered_and_alone_asks_nothing() -> None:
    weak = _message(("delivery_time", 0.41), ("promo_code", 0.05))
    found = unclear_part(weak, KB, ["payment_methods"], 3, 0.3)
    assert found is not None and found[1] == ["delivery_time"]
    only_weak = _message(("delivery_time", 0.08), ("promo_code", 0.05))
    assert unclear_part(only_weak, KB, ["payment_methods"], 3, 0.3) is None

"""A short follow-up is read in the light of the answer before it.

«Сколько стоит доставка?» — answered — «а по времени сколько?». Alone, the follow-up is a weak
reading (delivery time at 0.31: «Уточните…»); right after an answer about delivery, a person
hears a question about delivery. So when a customer's message is elliptic («а …», «и …», at
most six words), the NLU did not answer it, and the bot answered an FAQ entry in this
conversation within the last ``policy.followup_window_minutes``, the entries of that entry's
category (other than the entry itself) get ``policy.followup_category_bonus`` added to their
scores and the answer / clarify / reject decision is taken again with the NLU's own thresholds.

It can only turn a clarify or a miss into an answer within the topic just discussed; a message
the NLU answered is never changed, and nothing outside the ranking is invented. Measured with
``python -m bench.followups`` (docs/nlu.md): 21 → 24 of 30 follow-ups answered right, no wrong
answer added, none of 8 unrelated follow-ups answered with an FAQ entry.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from bot.config import ProjectConfig
from knowledge_base.models import KnowledgeBase
from nlu import NLUConfig
from nlu.api import Decision, IntentScore, Prediction

LAST_FAQ = "last_faq"  # conversation context: {"id": entry id, "at": ISO time}
MARKERS = ("а ", "и ")
MAX_WORDS = 6


def remember(context: dict[str, Any] | None, entry_id: str, now: datetime) -> dict[str, Any]:
    """The conversation's context after the bot answered ``entry_id``."""
    return {**(context or {}), LAST_FAQ: {"id": entry_id, "at": now.isoformat()}}


def asks_another_entry(
    prediction: Prediction | None, context: dict[str, Any] | None, kb: KnowledgeBase
) -> bool:
    """Does a corrected message (Telegram's edit) confidently ask about another entry than
    the one the bot answered last? Then the correction deserves its own answer."""
    if prediction is None or prediction.decision is not Decision.ANSWER:
        return False
    last = (context or {}).get(LAST_FAQ) or {}
    return prediction.intent in kb and prediction.intent != last.get("id")


def is_elliptic(text: str) -> bool:
    """«а за 2 часа?», «и сроки?» — not «а как вернуть товар, купленный в прошлом месяце?»."""
    lowered = text.strip().lower()
    return lowered.startswith(MARKERS) and len(lowered.split()) <= MAX_WORDS


def reread(
    prediction: Prediction,
    text: str,
    context: dict[str, Any] | None,
    kb: KnowledgeBase,
    config: ProjectConfig,
    now: datetime,
) -> Prediction | None:
    """The follow-up's reading in the light of the last answer, or None to keep the NLU's."""
    bonus = config.policy.followup_category_bonus
    if bonus <= 0 or prediction.decision is Decision.ANSWER or not is_elliptic(text):
        return None
    last = (context or {}).get(LAST_FAQ) or {}
    previous = kb.get(str(last.get("id", "")))
    try:
        answered_at = datetime.fromisoformat(str(last.get("at", "")))
    except ValueError:
        return None
    window = timedelta(minutes=config.policy.followup_window_minutes)
    if previous is None or not previous.category or now - answered_at > window:
        return None

    def score(s: IntentScore) -> float:
        entry = kb.get(s.intent)
        same = entry is not None and entry.category == previous.category
        return s.confidence + (bonus if same and entry is not previous else 0.0)

    ranked = sorted(prediction.ranking, key=score, reverse=True)
    if not ranked or kb.get(ranked[0].intent) is None:
        return None
    top, second = score(ranked[0]), (score(ranked[1]) if len(ranked) > 1 else 0.0)
    thresholds = NLUConfig.model_validate(config.nlu)
    if top < thresholds.answer_threshold or top - second < thresholds.ambiguity_margin:
        return None
    best = ranked[0]
    return dataclasses.replace(
        prediction,
        intent=best.intent,
        confidence=best.confidence,  # the model's own; the bonus is context, not certainty
        decision=Decision.ANSWER,
        ranking=tuple(ranked),
        extra={**prediction.extra, "followup_bonus": bonus},
    )

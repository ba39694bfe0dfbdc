"""A bare topic («возврат», «вопрос по оплате») is no question yet: ask which one.

A customer who writes one word names a topic, and the knowledge base usually has several
entries on it: «возврат» may mean how to return goods, when the money comes back or what
cannot be returned. The NLU still picks one of them, often confidently (a single word gives
its classifier little to weigh), and answering that one is a guess presented as an answer.
A mature support bot shows the topic's entries instead: «Что именно вас интересует?» with
buttons. This module decides when a message is such a topic and which entries to offer; the
dialogue (:mod:`bot.dialogue`) and the editor's «Проверить бота» both use it, so the preview
says what the bot will do.
"""

from __future__ import annotations

import re

from knowledge_base.models import FAQEntry, KnowledgeBase
from nlu.api import Decision, Prediction

# One word of letters, optionally after «вопрос по», «по», «про», «насчёт», «касательно».
_TOPIC = re.compile(
    r"^\W*(?:(?:у\s+меня\s+)?вопрос(?:ик)?\s+)?(?:по|про|насч[её]т|касательно|о|об)?\s*"
    r"(?!вопрос(?:ик)?\b)(?P<word>[^\W\d_]{3,})[\s?!.…]*$",
    re.IGNORECASE,
)


def is_bare_topic(text: str) -> bool:
    """«возврат», «Оплата?», «вопрос по доставке», «насчёт гарантии» — not «как вернуть»."""
    return _TOPIC.match(text.strip()) is not None


def topic_entries(
    text: str, prediction: Prediction | None, kb: KnowledgeBase, limit: int
) -> list[FAQEntry]:
    """The entries to offer for a bare topic, best first, or [] to answer as usual.

    Only for a message the NLU answered with a knowledge-base entry: the offered entries are
    those of the NLU's ranking in the same category as its answer (at least two, at most
    ``limit``), so the customer's likeliest meaning still comes first.
    """
    if prediction is None or prediction.decision is not Decision.ANSWER:
        return []
    top = kb.get(prediction.intent or "")
    if top is None or not top.category or not is_bare_topic(text):
        return []
    entries = [top]
    for score in prediction.ranking:
        entry = kb.get(score.intent)
        if entry is not None and entry.id != top.id and entry.category == top.category:
            entries.append(entry)
    return entries[:limit] if len(entries) >= 2 else []

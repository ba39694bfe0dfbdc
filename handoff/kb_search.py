"""Canned answers for operators: search the knowledge base by words, helped by the NLU.

Operators type a few words («возврат деньги»); entries score by word-prefix matches in the
title (strongest), questions and answer, and the NLU's ranking for the same text adds its
confidence, so a paraphrase with no shared words still finds the right entry.
"""

from __future__ import annotations

import re
from typing import Any

from knowledge_base.models import KnowledgeBase
from nlu.api import NLUModel

_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
STEM = 5  # Russian endings vary a lot: compare the first letters only


def _words(text: str) -> list[str]:
    return [w[:STEM] for w in _WORD.findall(text.lower().replace("ё", "е")) if len(w) > 1]


def search(
    kb: KnowledgeBase,
    query: str,
    *,
    nlu: NLUModel | None = None,
    channel: str | None = None,
    limit: int = 8,
) -> list[dict[str, Any]]:
    words = _words(query)
    if not words:
        return []
    scores: dict[str, float] = {}
    for entry_id, entry in kb.entries.items():
        title = set(_words(entry.title))
        questions = set(_words(" ".join(entry.questions)))
        answer = set(_words(entry.answer))
        score = 0.0
        for word in words:
            score += 3.0 * (word in title) + 2.0 * (word in questions) + 1.0 * (word in answer)
        if score:
            scores[entry_id] = score / len(words)
    if nlu is not None:
        try:
            ranking = nlu.predict(query).ranking
        except Exception:  # the search must work even if the model is being retrained
            ranking = ()
        for item in ranking[:5]:
            if item.intent in kb.entries:
                scores[item.intent] = scores.get(item.intent, 0.0) + 3.0 * item.confidence
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    results = []
    for entry_id, score in best:
        entry = kb.entries[entry_id]
        results.append(
            {
                "id": entry_id,
                "title": entry.title,
                "category": entry.category,
                "answer": entry.render(channel).text,
                "human_only": entry.human_only,
                "score": round(score, 3),
            }
        )
    return results

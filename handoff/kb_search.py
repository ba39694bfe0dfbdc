"""Canned answers for operators: search the knowledge base by words, helped by the NLU.

Operators type a few words («возврат деньги»); entries score by word-prefix matches in the
title (strongest), questions and answer, and the NLU's ranking for the same text adds its
confidence, so a paraphrase with no shared words still finds the right entry.

The NLU ranks every entry for any text, nonsense too («фывапр», «zzz»): its ranking helps only
when it read the text as a question (not ``REJECT``), and then only its candidates of at least
``NLU_FLOOR``. Otherwise a query no entry shares a word with finds nothing, and the console
says «Ничего не найдено» instead of offering unrelated answers.
"""

from __future__ import annotations

import re
from typing import Any

from knowledge_base.models import KnowledgeBase
from nlu.api import Decision, NLUModel

_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
STEM = 5  # Russian endings vary a lot: compare the first letters only
NLU_FLOOR = 0.05  # an NLU candidate below this confidence is noise, not a reason to show an entry


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
            prediction = nlu.predict(query)
        except Exception:  # the search must work even if the model is being retrained
            prediction = None
        understood = prediction is not None and prediction.decision is not Decision.REJECT
        ranking = prediction.ranking if prediction is not None and understood else ()
        for item in ranking[:5]:
            if item.intent in kb.entries and item.confidence >= NLU_FLOOR:
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

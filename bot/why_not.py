"""«а почему нет?», «а почему нельзя», «почему не принимаете» right after an answer: the reason.

An answer that says something is not possible («Карты иностранных банков не принимаются») is
often met with «а почему нет». The NLU read that as «нет» (``deny``) and the bot replied
``utter_deny``'s «Понял. Напишите, что осталось непонятным…» (QA 2d D7, D24), as if the customer
had said the answer did not help. It is a question: the entry's content gives what reason there
is, so the bot says honestly that it has no other and offers a person
(``utter_why_not`` with «Позвать оператора»). Only right after an answer
(:func:`bot.repeats.just_answered`) and only when the NLU did not read the message as a question
of the knowledge base («почему не проходит оплата» is answered as usual). Not a miss.

At a flow's question with buttons («Всё понятно со статусом?») «почему?», «а почему нет?»,
«зачем?» (:func:`asks_why`) ask why the bot asks: «а почему нет» was read as «нет» and handed
over, a bare «почему?» as some FAQ entry's («Уточните: Как работают Вольт-бонусы»).
:func:`at_flow_question` says why (``utter_why_flow_question``: the answer decides whether the bot
helps itself or passes the question on) and the flow asks its question again; not a miss.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import repeats
from nlu.api import Decision

if TYPE_CHECKING:
    from bot.dialogue import Turn

RESPONSE = "utter_why_not"
FLOW_QUESTION = "utter_why_flow_question"
"""Why a flow asks its yes/no question, said before the question again."""
MAX_WORDS = 5
_LEADING = frozenset(["а", "но", "ну", "и", "так", "это", "вот"])
_WHY = frozenset(["почему", "зачем", "отчего", "чего", "че", "чё", "чо"])
_NEGATION = frozenset(["не", "нет", "нельзя", "никак", "невозможно"])
_ONLY_WHY = frozenset(["так", "это", "же", "вдруг", "спрашиваете", "спрашиваешь", "вопрос"])


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower().replace("ё", "е"))


def asks_why_not(text: str) -> bool:
    """A short «почему нет / нельзя / не …?»: the reason for a «no» asked."""
    words = _words(text)
    while words and words[0] in _LEADING:
        words = words[1:]
    return (
        0 < len(words) <= MAX_WORDS
        and (words[0] in _WHY or words[:2] == ["с", "чего"])
        and bool(_NEGATION & set(words[1:]))
    )


def asks_why(text: str) -> bool:
    """«почему?», «а зачем?», «почему так?» or a «почему нет» (:func:`asks_why_not`): the
    reason asked, with nothing else said."""
    if asks_why_not(text):
        return True
    words = _words(text)
    while words and words[0] in _LEADING:
        words = words[1:]
    return 0 < len(words) <= 3 and words[0] in _WHY and all(w in _ONLY_WHY for w in words[1:])


def at_flow_question(turn: Turn) -> bool:
    """«почему?» at a flow's question with buttons: why it is asked (:data:`FLOW_QUESTION`);
    the caller asks the question again. False for any other message, or without the phrase."""
    if FLOW_QUESTION not in turn.domain.responses or not asks_why(turn.event.text):
        return False
    p = turn.prediction
    if p is not None and p.decision is Decision.ANSWER and (p.intent or "") in turn.kb:
        return False  # «почему не проходит оплата»: a question of its own, read as usual
    turn.utter(FLOW_QUESTION)
    return True


async def handled(turn: Turn) -> bool:
    """Reply to «а почему нет» right after an answer; False for any other message."""
    from bot.dialogue import say_offering_operator

    p = turn.prediction
    if RESPONSE not in turn.domain.responses or p is None or not asks_why_not(turn.event.text):
        return False
    if p.decision is Decision.ANSWER and (p.intent or "") in turn.kb:
        return False  # a question of the knowledge base: answered as usual
    if await repeats.just_answered(turn) is None:
        return False
    say_offering_operator(turn, RESPONSE)
    return True

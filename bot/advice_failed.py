"""The customer says the answer's advice failed, or repeats themselves in anger: a person, now.

«телевизор пришел разбитый…» — «не принимайте товар: курьер… составит акт» — «курьер отказался
акт составлять сказал не его проблема» (QA 3 Q7, QA31): the NLU reads the same entry again,
and neither the reminder («Я ответил на этот вопрос выше…», bot/repeats.py) nor the part of the
answer (bot/answer_parts.py) helps: the customer did what it says and it did not work. So is
«уже сказал что не то привезли!!!» (QA45): the customer is angry, not asking again.

Such a message (:func:`reports_failure`), read as the entry the customer's previous message was
answered with, gets ``utter_advice_failed`` («Понимаю, так не должно быть…») and goes to a person
with reason ``complaint`` and detail ``advice_failed:<entry id>`` (the console shows the
conversation). What counts:

* the advice failed — «отказался», «отказываются», «не получилось», «не получается», «не
  вышло», «не выходит», «не сработало», «не помогает» — in a message that asks nothing (no «?»,
  no question word: «а если курьер отказался, что делать?» is a question of its own);
* an angry repeat — «уже сказал», «я же писал», «сколько можно», or «!!» — whatever it asks.

A project whose domain lacks the response reads the message as before.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import repeats
from bot.handover import escalate
from handoff.escalation import Reason
from nlu.question_words import has_question_word

if TYPE_CHECKING:
    from bot.dialogue import Turn

RESPONSE = "utter_advice_failed"
DETAIL = "advice_failed:"  # the escalation's detail: advice_failed:<entry id>

_FAILED = re.compile(
    r"\b(?:отказал(?:ся|ась|ись|и)?|отказыва(?:ется|ются|ют)"
    r"|не\s+(?:получ(?:илось|ается|ится)|вышло|выходит|сработал\w*|помога\w+|помогло))\b"
)
"""«курьер отказался», «не получилось», «не помогает»: what the answer said did not work."""
_ANGRY = re.compile(
    r"\b(?:уже|я\s+же|же)\s+(?:(?:вам|вас|тебе)\s+)?"
    r"(?:сказал\w*|писал\w*|написал\w*|говорил\w*|объяснял\w*|спрашивал\w*)\b"
    r"|\bсколько\s+можно\b|!{2,}"
)
"""«уже сказал», «я же писал», «сколько можно», «!!!»: the customer repeats themselves, angry."""


def reports_failure(text: str) -> bool:
    """Does ``text`` say the advice failed (and ask nothing), or repeat itself in anger?"""
    said = text.lower().replace("ё", "е")
    if _ANGRY.search(said):
        return True
    return bool(_FAILED.search(said)) and "?" not in said and not has_question_word(said)


async def handled(turn: Turn, entry_id: str) -> bool:
    """Hand a failure report about ``entry_id``, the answer just given, to a person with
    ``utter_advice_failed``; False for anything else."""
    if RESPONSE not in turn.domain.responses or not reports_failure(turn.event.text):
        return False
    if await repeats.just_answered(turn) != entry_id:
        return False
    turn.utter(RESPONSE)
    await escalate(turn, Reason.COMPLAINT, f"{DETAIL}{entry_id}", announced=True)
    return True

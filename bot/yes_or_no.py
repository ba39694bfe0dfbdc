"""«ну так есть или нет», «так можно или нет?» right after an answer: the short answer, please.

The customer has read the answer and did not find the «да» or «нет» in it. The message asks
nothing new: alone the NLU reads it as nothing (a miss: «не понял», and the next one hands
over) or its «нет» as the answer not helping (``utter_deny``). It insists on a yes or no to the
question just answered (:func:`insists`), so the bot restates that answer's own short answer —
its first sentence when it opens with «Да» or «Нет» (:func:`short_answer`; «Да: на товары от
3 000 ₽ действует рассрочка…») — as ``utter_yes_or_no`` with ``{answer}``. An answer without
one gets ``utter_yes_or_no_unknown``: the bot says honestly it cannot tell from its answer and
offers a colleague with «Позвать оператора» — the customer decides, nothing is handed over.
Only right after an answer (:func:`bot.repeats.just_answered`); neither is a miss.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import repeats
from knowledge_base.models import FAQEntry

if TYPE_CHECKING:
    from bot.dialogue import Turn

RESPONSE = "utter_yes_or_no"
UNKNOWN = "utter_yes_or_no_unknown"
_INSISTS = re.compile(
    r"^(?:(?:а|и|ну|так|вот|что|короче|в\s+итоге)[\s,.!]+)*"
    r"(?:(?:вы|он|она|оно|они|это|его|ее|их)\s+)?[^\W\d_]+(?:[\s,]+ли)?[\s,]+или\s+(?:нет|не)"
    r"[\s?!.…)]*$"
)
"""«ну так есть или нет», «так можно или нет?», «да или нет», «так вы работаете или нет?»."""
_SHORT = re.compile(r"^(?:да|нет)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"^(.+?[.!?…])(?=\s|$)", re.DOTALL)


def insists(text: str) -> bool:
    """Does ``text`` only insist on a yes or no (:data:`_INSISTS`)?"""
    return _INSISTS.match(text.strip().lower().replace("ё", "е")) is not None


def short_answer(entry: FAQEntry, channel: str | None = None) -> str | None:
    """The first sentence of ``entry``'s answer if it opens with «Да» or «Нет», else None;
    lower-case («да: на товары…»), as it follows the phrase's «Если коротко —»."""
    text = entry.render(channel).text.strip()
    if not _SHORT.match(text):
        return None
    first = text.split("\n", 1)[0].strip()
    found = _SENTENCE.match(first)
    sentence = found.group(1) if found else first
    return sentence[0].lower() + sentence[1:]  # follows the phrase's «Если коротко —»


async def handled(turn: Turn) -> bool:
    """Reply to «так есть или нет?» right after an answer; False for any other message."""
    from bot.dialogue import say_offering_operator

    if turn.prediction is None or not insists(turn.event.text):
        return False
    if RESPONSE not in turn.domain.responses or UNKNOWN not in turn.domain.responses:
        return False
    entry_id = await repeats.just_answered(turn)
    entry = turn.kb.get(entry_id or "")
    if entry is None:
        return False
    short = short_answer(entry, turn.channel)
    if short is not None:
        turn.say(
            turn.domain.render(RESPONSE, turn.channel, answer=short),
            {"response": RESPONSE},
        )
        return True
    say_offering_operator(turn, UNKNOWN)
    return True

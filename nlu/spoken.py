"""Spoken spellings: «када привезут», «скока стоит», «щас», «ваще» read as the words they stand for.

Customers type some words the way they say them. These are not typos, so the spelling corrector
(:mod:`nlu.spelling`) cannot mend them: it looks for the closest training word, and «када» is one
letter from «куда» but two from «когда» — «када привезут» was read as «куда привезут», a
question about the regions delivered to, and a following «и када привезут» was not even seen as
a question of its own, since «када» is not a question word (:mod:`nlu.segments`).

:func:`standard_spelling` replaces each whole word of :data:`SPOKEN` by its standard form before
anything else reads the message (the model's read, like the keyboard-layout fix: at prediction
time only, the training data is the editors' own text). Only spellings that stand for one word
and are no other word a customer of a shop would write are listed: not «тока» (the genitive of
«ток»), «кода» or «мона».
"""

from __future__ import annotations

import re

SPOKEN: dict[str, str] = {
    "када": "когда",
    "кагда": "когда",
    "скока": "сколько",
    "скоко": "сколько",
    "щас": "сейчас",
    "счас": "сейчас",
    "чо": "что",
    "чё": "что",
    "шо": "что",
    "ваще": "вообще",
    "нада": "надо",
    "седня": "сегодня",
    "сёдня": "сегодня",
    "канеш": "конечно",
    "канешн": "конечно",
    "канешно": "конечно",
}
_SPOKEN = re.compile(r"(?<![\w-])(?:" + "|".join(SPOKEN) + r")(?![\w-])", re.IGNORECASE)


def standard_spelling(text: str) -> str:
    """``text`` with every spoken spelling of :data:`SPOKEN` replaced by its standard form
    («Када привезут?» → «Когда привезут?»); everything else as typed."""

    def one(m: re.Match[str]) -> str:
        standard = SPOKEN[m.group(0).lower()]
        return standard.capitalize() if m.group(0)[0].isupper() else standard

    return _SPOKEN.sub(one, text)

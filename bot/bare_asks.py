"""A short question with no thing of its own, asking how, where or when to do what an answer
offers: «как оформить», «где оформить», «а 31 декабря работаете».

Right after the answer on a «Вольт-защита+» claim («…оформляется как ремонт…»), «как оформить»
asks how to file that claim; alone the NLU reads it as how to place an order. Right after the
stores' hours, «а 31 декабря работаете» asks about the stores; alone it is the support's hours.
Such a message (:func:`asks_bare`) has a verb, no noun but a date or a day, at most
:data:`MAX_WORDS` words, and its verb is one the answer itself uses («оформить» —
«оформляется», «работаете» — «работают»): the answer offers that action. «как оформить заказ»
names its own thing and stays the checkout (bot/followup.py reads the bare question after the
answer's title).
"""

from __future__ import annotations

import re

from bot.russian import MONTHS
from knowledge_base.models import FAQEntry
from nlu.text import morph

MAX_WORDS = 5
STEM = 5  # «оформить» — «оформляется», «работать» — «работают»
_WHEN = frozenset(
    [
        *MONTHS,
        "праздник",
        "каникулы",
        "понедельник",
        "вторник",
        "среда",
        "четверг",
        "пятница",
        "суббота",
        "воскресенье",
        "выходные",
        "сегодня",
        "завтра",
    ]
)
"""Nouns that say when, not what: «а 31 декабря работаете», «в субботу работаете»."""
_ASKING_ONLY = frozenset(["хотеть", "мочь", "помочь", "подсказать", "сказать", "знать", "быть"])
"""Verbs that ask nothing of the answer's own: «хочу оформить» is «оформить»."""


def _verbs(text: str) -> list[str] | None:
    """The lemmas of the message's verbs, or None when it names a thing of its own (a noun
    other than a date, an unknown or Latin word) or is too long."""
    words = re.findall(r"[^\W\d_]+", text.lower().replace("ё", "е"))
    if not words or len(text.split()) > MAX_WORDS:
        return None
    verbs = []
    for word in words:
        parsed = morph().parse(word)[0]
        pos, lemma = parsed.tag.POS, parsed.normal_form
        if pos is None or (pos == "NOUN" and lemma not in _WHEN):
            return None
        if pos in ("VERB", "INFN") and lemma not in _ASKING_ONLY:
            verbs.append(lemma)
    return verbs


def asks_bare(text: str, entry: FAQEntry) -> bool:
    """Does ``text`` ask only how, where or when to do what ``entry``'s answer offers?"""
    verbs = _verbs(text)
    if not verbs:
        return False
    offered = {w[:STEM] for w in re.findall(r"\w+", f"{entry.title} {entry.answer}".lower())}
    return any(len(v) >= STEM and v[:STEM] in offered for v in verbs)

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

With no verb at all, «а 1 января?», «а 31 декабря?», «а в воскресенье?» right after an answer
that gives hours (:func:`tells_hours`: the stores' «с 10:00 до 22:00 … 31 декабря … до 18:00»,
the support's hours) asks that answer about that day (:func:`asks_when`: «а»/«и», then nothing
but a date or a day). Alone the NLU reads the date as nothing or as the support's hours.
"""

from __future__ import annotations

import itertools
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
        "воскресение",  # pymorphy3's lemma of «воскресенье»
        "выходные",
        "выходной",
        "сегодня",
        "завтра",
    ]
)
"""Nouns that say when, not what: «а 31 декабря работаете», «в субботу работаете»."""
_HOLIDAYS = frozenset(["новогодний", "праздничный", "майский"])
"""Days by their holiday: «а в новогодние?», «а в праздничные дни?», «а в новый год?»."""
_DAY_WORDS = frozenset(["новый", "день", "число", "год"])
"""Words that only make a day of a date: «а 1-го числа», «а в выходные дни»."""
_LEADS = frozenset(["а", "и"])
_FILLERS = frozenset(["ну", "вот", "тоже", "же", "как", "тогда", "го"])
"""«ну а 1 января как?», «а 31-го тоже?»: nothing asked of their own."""
_HOURS = re.compile(r"\b\d{1,2}:\d{2}\b|\{hours\}")
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


def asks_when(text: str) -> bool:
    """Is ``text`` only «а»/«и» and a date or a day, no verb and nothing of its own — «а 1
    января?», «а 31 декабря?», «ну а в воскресенье?», «а в праздники тоже?»?"""
    words = re.findall(r"[^\W_]+", text.lower().replace("ё", "е"))
    if words[:1] == ["ну"]:
        words = words[1:]
    if not words or words[0] not in _LEADS or len(words) > MAX_WORDS + 1:
        return False
    when = False
    for before, word in itertools.pairwise(words):
        if word.isdigit() or word in _FILLERS:
            when = when or (word == "го" and before.isdigit())  # «а 31-го?»
            continue
        parsed = morph().parse(word)[0]
        lemma = parsed.normal_form
        if lemma in _WHEN or lemma in _HOLIDAYS or (lemma == "год" and before.startswith("нов")):
            when = True
        elif parsed.tag.POS != "PREP" and lemma not in _DAY_WORDS:
            return False
    return when


def tells_hours(entry: FAQEntry) -> bool:
    """Does ``entry``'s answer give hours («с 10:00 до 22:00», the ``{hours}`` placeholder)?"""
    return _HOURS.search(entry.answer) is not None

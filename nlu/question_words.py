"""The Russian words a question is asked with: one list for every reader that asks «is this a
question?» of a customer's words without the classifier (docs/nlu.md, «Question words»).

- :data:`QUESTION_WORDS`: the interrogatives — «как», «где», «сколько», «какой» and its forms,
  «каков», «кто», «кому», «что», «чем», «чей», «отчего», and the spoken :data:`SPOKEN` «чего»,
  «скока» (as typed; :mod:`nlu.spoken` mends them only for the classifier).
- :data:`MODAL_QUESTION`: a question without one — «можно …», «нужно ли», «надо ли», «есть ли»,
  «будет ли», «могу ли», «можете ли». A bare «нужно»/«надо» asks nothing («нужно вернуть
  товар»).
- :data:`ASKING_VERBS`: a request to tell, a question by itself — «подскажите», «скажите»,
  «расскажите» (:func:`opens_as_request`; elsewhere they only lead a question word).

Words are whole ``\\w`` runs (``\\b``), case and «ё» aside; an indefinite pronoun («что-то»,
«где-нибудь») is no question word, and neither is the «чем» of a comparison («дороже, чем в
магазине», anywhere in a message).
"""

from __future__ import annotations

import re

QUESTION_WORDS: tuple[str, ...] = (
    "как",
    "какой",
    "какая",
    "какое",
    "какие",
    "какую",
    "каким",
    "каких",
    "какого",
    "какому",
    "каком",
    "какими",
    "где",
    "куда",
    "откуда",
    "когда",
    "сколько",
    "скока",
    "почему",
    "зачем",
    "отчего",
    "кто",
    "кому",
    "что",
    "чем",
    "чей",
    "чья",
    "чье",
    "чьи",
    "каков",
    "какова",
    "каково",
    "каковы",
)
SPOKEN: tuple[str, ...] = ("чего", "скока")
"""Spoken question words: they open an exclamation as often as a question («чего так долго»,
«скока можно ждать»), so :func:`opens_as_request` does not count them."""
QUESTION_WORDS += SPOKEN
MODAL_QUESTION = r"можно|(?:нужно|надо|есть|будет|могу|можете)\s+ли"
LEAD_WORDS: tuple[str, ...] = ("а", "и", "ну", "так", "скажите", "подскажите")
"""Words a question may open with before its question word: «а где мой заказ», «ну как»."""
COURTESY: tuple[str, ...] = ("пожалуйста", "извините", "здравствуйте")
"""Courtesy a request may open with too (:func:`opens_as_request`): «извините, где мой заказ»."""
ASKING_VERBS: tuple[str, ...] = ("подскажите", "скажите", "расскажите")
"""A request to tell: «подскажите, пожалуйста» asks by itself (:func:`opens_as_request`)."""

ASKING = r"(?:" + "|".join(QUESTION_WORDS) + "|" + MODAL_QUESTION + r")\b(?!-)"
"""A regular-expression piece (no groups): a question word or a modal question, a whole word
and not an indefinite pronoun («что-то», «где-нибудь»). For a pattern of one's own, such as
:mod:`nlu.segments`' «и» before a new question."""

_LETTERS = re.compile(r"[а-яё]+")
_WORD = re.compile(r"\b(?:" + "|".join(QUESTION_WORDS) + r")\b(?!-)")
_ANYWHERE = re.compile(r"\b" + ASKING)
_START = re.compile(r"^\W*(?:(?:" + "|".join(LEAD_WORDS) + r")\s+)*" + ASKING)
_REQUEST = re.compile(
    r"^\W*(?:(?:"
    + "|".join(LEAD_WORDS + COURTESY)
    + r")[\s,!.]+)*(?:"
    + "|".join(w for w in QUESTION_WORDS + ASKING_VERBS if w not in SPOKEN)
    + "|"
    + MODAL_QUESTION
    + r")\b(?!-)"
)
# «дороже, чем в магазине», «ни при чём»: the «чем» of a comparison asks nothing.
_COMPARED = re.compile(r"\b(\w+(?:ее|ей|ше|же|че)|при|нежели)(\W+)чем\b")


def _normal(text: str) -> str:
    return text.lower().replace("ё", "е")


def _without_comparisons(text: str) -> str:
    return _COMPARED.sub(r"\1\2", _normal(text))


def starts_with_question(text: str) -> bool:
    """Does ``text`` open with a question word or a modal question, after lead words only?
    «а как вернуть товар», «подскажите можно ли картой» — not «заказ 12345678 где» or
    «нужно вернуть товар». A «?» is the caller's to look for."""
    return _START.match(_normal(text)) is not None


def opens_with_question(text: str) -> bool:
    """:func:`starts_with_question` over the message's Cyrillic words alone, so punctuation
    between them does not hide the question: «а, где мой заказ», «ну... как вернуть»."""
    return starts_with_question(" ".join(_LETTERS.findall(_normal(text))))


def has_question(text: str) -> bool:
    """A question word or a modal question anywhere: «12345678 и еще доставка сколько стоит»,
    «а картой можно»."""
    return _ANYWHERE.search(_without_comparisons(text)) is not None


def has_question_word(text: str) -> bool:
    """An interrogative anywhere, modal questions aside: «а на год можно?» has none."""
    return _WORD.search(_without_comparisons(text)) is not None


def opens_as_request(text: str) -> bool:
    """Does ``text`` open as a new request — a question word (not a spoken one, :data:`SPOKEN`),
    a modal question or a request to tell (:data:`ASKING_VERBS`), after lead words and courtesy
    (:data:`COURTESY`) with «,», «!», «.» between them? «извините, как вернуть товар»,
    «подскажите, сколько идёт доставка», «можно ли оплатить картой» — not «чего так долго»,
    «где-то потерялся», «12345678 где». The reader of a rating's comment asks it
    (:mod:`bot.rating_words`); a «?» is the caller's to look for."""
    return _REQUEST.match(_normal(text)) is not None

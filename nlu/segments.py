"""Several questions in one message: «как вернуть товар? и сколько ждать деньги».

Customers in messengers often ask two things at once. The whole message is classified as usual;
if it also splits into two or more questions, each is classified too (:attr:`Prediction.parts`),
so the dialogue can answer every question it understood instead of only the loudest one.

Splitting is deliberately conservative: only at sentence ends (``.``, ``?``, ``!``, ``;``, a
new line), at explicit «and also» connectors («и ещё», «а также», «кроме того», «ещё вопрос»…)
and at an «и» right before a question word («… в казань и можно ли оплатить картой»,
«… и сколько ждать деньги»); never at a bare comma or any other «и», which join parts of one
question far more often than two questions. A part needs at least :data:`MIN_WORDS` words,
so «Здравствуйте!» or «Спасибо.» is never a question of its own. A «?» glued to the next word
(«как вернуть товар?и когда…») ends a question too, and so does a numbered list's mark in a
message with two or more («1) доставка в Казань 2) оплатить при получении 3) рассрочка»).

A question without such a mark — «сколько стоит доставка в казань, можно ли оплатить картой»,
«как вернуть товар, когда вернут деньги» — is found by :func:`split_loosely` (a comma, «и»,
«а» before a piece that asks something), whose pieces the model keeps only when each is
understood on its own, confidently and differently (:func:`nlu.model.confirmed_pieces`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlu.question_words import ASKING, has_question

MIN_WORDS = 3
MIN_WORDS_ASKED = 2
"""A piece that ends in «?» is a question from two words on: «рассрочка есть? и можно ли
вернуть товар, купленный в рассрочку» asks two things."""
MAX_PARTS = 4
_CONNECTORS = (
    r"и\s+ещ[её]",
    r"а\s+ещ[её]",
    r"ещ[её]\s+вопрос",
    r"и\s+второй\s+вопрос",
    r"второй\s+вопрос",
    r"а\s+также",
    r"и\s+также",
    r"кроме\s+того",
    r"плюс\s+ко\s+всему",
)
# A bare «и» splits only where a new question starts right after it: «сколько идет доставка в
# казань и можно ли оплатить картой» — a question word, or «можно», «нужно/надо/есть/будет ли»
# (nlu.question_words) — or a new request: «… и нужно отремонтировать холодильник».
_AND_QUESTION = r"и\s+(?=" + ASKING + r"|(?:нужно|надо)\b)"
# A numbered list's item: «1) доставка в Казань 2) оплатить при получении 3) рассрочка»,
# «2. …» (QA 3 Q6, QA19: the list was one question, its middle item dropped).
_LIST_MARK = r"\d{1,2}[.)]\s*(?=[^\W\d_])"
_BOUNDARIES = (
    r"[.?!;…]+(?=\s|$)|[?!]+(?=[^\W\d_])|\n+|,?\s+(?=(?:" + "|".join(_CONNECTORS) + r")\b)"
    r"|,?\s+(?=" + _AND_QUESTION + r")"
)
_BOUNDARY = re.compile(rf"(?:{_BOUNDARIES})", re.IGNORECASE)
_LISTED_BOUNDARY = re.compile(rf"(?:{_BOUNDARIES}|[,;]?\s+(?={_LIST_MARK}))", re.IGNORECASE)
"""In a message with a list (two marks or more), its marks end questions too."""
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Dots inside abbreviations and numbers are not sentence ends: «т.е.», «и т.д.», «1.5».
_ABBREVIATION = re.compile(r"\b(?:т\.\s?е|т\.\s?д|т\.\s?п|т\.\s?к|и\.\s?о|г|ул|д|кв|руб|тыс|млн)$")


def split_questions(text: str) -> list[str]:
    """The questions of a message, or ``[]`` if it holds fewer than two.

    Short pieces (a greeting, «спасибо») join the next piece, so
    «Здравствуйте! Где мой заказ? И ещё: как вернуть товар» gives two questions.
    """
    listed, lead, text = _list_head(text)
    pieces: list[str] = []
    start = 0
    for m in (_LISTED_BOUNDARY if listed else _BOUNDARY).finditer(text):
        head = text[start : m.start()]
        if m.group().startswith(".") and _ABBREVIATION.search(head.rstrip()):
            continue
        pieces.append(text[start : m.end()])
        start = m.end()
    pieces.append(text[start:])
    parts = _joined(pieces, _least)
    if len(parts) < 2:
        return []
    if lead:  # «Подскажите, пожалуйста: 1) …»: the words before the list go with its first item
        parts[0] = f"{lead} {_FIRST_MARK.sub('', parts[0].strip(), count=1)}"
    return parts[:MAX_PARTS]


_FIRST_MARK = re.compile(r"(?:^|(?<=\s))" + _LIST_MARK)


def _list_head(text: str) -> tuple[bool, str, str]:
    """Is there a numbered list (two marks or more; one «2)» is no list), the words before it
    that ask nothing themselves, and the rest."""
    first = _FIRST_MARK.search(text)
    if first is None or not _FIRST_MARK.search(text, first.end()):
        return False, "", text
    head = text[: first.start()].strip()
    if "?" in head:
        return True, "", text
    return True, head, text[first.start() :]


def _least(part: str) -> int:
    """The words a question needs: a list's item is one from a word on («3) рассрочка»)."""
    if re.match(_LIST_MARK, part.strip()):
        return 1
    return MIN_WORDS_ASKED if part.endswith("?") else MIN_WORDS


_LEADING_CONNECTOR = re.compile(
    r"^\s*(?:(?:" + "|".join(_CONNECTORS) + r")\b|[иа]\s+(?=\w)|" + _LIST_MARK + r"|[-•*]\s+)"
    r"[\s,:—–-]*",
    re.IGNORECASE,
)


def question_of(part: str) -> str:
    """A question of :func:`split_questions` without the connector it was asked with: «и когда
    привезут» is read as «когда привезут», «И ещё: как вернуть товар» as «как вернуть товар»,
    «а оплатить картой можно?» as «оплатить картой можно?».
    The «и» is what joined the question to the one before, not part of it, and alone it pulls
    the reading toward whichever entries' examples happen to start with one («и когда
    привезут»: where the order is, 0.38, over the delivery times, 0.23; «когда привезут»:
    the delivery times, 0.65). A part that would be left with nothing stays as it is."""
    rest = _LEADING_CONNECTOR.sub("", part, count=1)
    return rest if _WORD.search(rest) else part


MAX_LOOSE_PIECES = 3
# Where a question may end without a mark: a comma, or an «и» / «а» between words («сколько
# стоит доставка в казань, можно ли оплатить картой», «… в казань а оплатить картой при
# получении можно?»); not «а не» («человек, а не бот»).
_LOOSE_BOUNDARY = re.compile(r",\s*|\s+(?=(?:и|а(?!\s+не\b))\s)", re.IGNORECASE)


def split_loosely(text: str) -> list[str]:
    """A question's pieces at a comma, «и» or «а», each of which asks something of its own —
    a question word or a modal question in it, or a «?» at its end — or ``[]`` if fewer than
    two or more than :data:`MAX_LOOSE_PIECES` (a story, not questions). Pieces are as long as
    :func:`split_questions`' parts; a piece that asks nothing joins the one before.

    Still too eager to trust alone — «что делать, если курьер не приехал, когда обещал» is
    one question — so a reading of these pieces stands only when each of them is a confident
    reading of its own, all different, one of them the reading of the whole
    (:func:`nlu.model.confirmed_pieces`). «обмен и возврат товара», «прошла неделя а заказа
    всё нет» ask nothing in a piece and stay whole."""
    pieces: list[str] = []
    for piece in _LOOSE_BOUNDARY.split(text):
        if pieces and not (has_question(piece) or piece.rstrip().endswith("?")):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    if not all(has_question(p) or p.rstrip().endswith("?") for p in pieces):
        return []
    pieces = _joined(pieces, lambda part: MIN_WORDS_ASKED if part.endswith("?") else MIN_WORDS)
    if not 2 <= len(pieces) <= MAX_LOOSE_PIECES:
        return []
    return pieces


def _joined(pieces: list[str], least: Callable[[str], int]) -> list[str]:
    """``pieces`` with each of fewer than ``least(piece)`` words joined to the next one, and a
    short tail («спасибо!») to the last."""
    parts: list[str] = []
    carry = ""
    for piece in pieces:
        candidate = f"{carry} {piece.strip()}".strip() if carry else piece.strip()
        if len(_WORD.findall(candidate)) < least(candidate):
            carry = candidate
            continue
        parts.append(candidate)
        carry = ""
    if carry and parts:
        parts[-1] = f"{parts[-1]} {carry}"
    return parts


MAX_CLAUSES = 12
CLAUSES_MIN_WORDS = 8
"""A shorter message is read whole (and by its questions): its clauses would cost a prediction
each for no mood the whole reading misses."""
# Finer than questions: a clause ends at a sentence end, a comma, a dash or a colon, or before
# «и», «а», «но» — «Я очень недовольна и хочу вернуть деньги», «вы вообще нормальные, третий
# раз переносите»; not before «а не» («человек, а не бот» is one thought). Only for finding a
# mood anywhere in a long message (a complaint); the questions to answer stay those of
# :func:`split_questions`.
_CLAUSE_BOUNDARY = re.compile(
    r"[.?!;…,:]+(?=\s|$)|\s+[—–-]+\s+|\n+|\s+(?=(?:и|но|да\s+и)\s|а\s+(?!не\b))", re.IGNORECASE
)


def split_clauses(text: str) -> list[str]:
    """The clauses of a message of :data:`CLAUSES_MIN_WORDS` words or more, of two words or
    more each, or ``[]`` if it holds fewer than two; at most :data:`MAX_CLAUSES`, the first and
    the last half of them (a story's mood is often at its end). A one-word piece joins the
    next."""
    if len(_WORD.findall(text)) < CLAUSES_MIN_WORDS:
        return []
    clauses = _joined(_CLAUSE_BOUNDARY.split(text), lambda _: 2)
    if len(clauses) < 2:
        return []
    if len(clauses) > MAX_CLAUSES:
        half = MAX_CLAUSES // 2
        return clauses[:half] + clauses[-half:]
    return clauses

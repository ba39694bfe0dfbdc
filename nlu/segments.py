"""Several questions in one message: «как вернуть товар? и сколько ждать деньги».

Customers in messengers often ask two things at once. The whole message is classified as usual;
if it also splits into two or more questions, each is classified too (:attr:`Prediction.parts`),
so the dialogue can answer every question it understood instead of only the loudest one.

Splitting is deliberately conservative: only at sentence ends (``.``, ``?``, ``!``, ``;``, a
new line) and at explicit «and also» connectors («и ещё», «а также», «кроме того», «ещё вопрос»…),
never at a bare comma or «и», which join parts of one question far more often than two
questions. A part needs at least :data:`MIN_WORDS` words, so «Здравствуйте!» or «Спасибо.» is
never a question of its own.
"""

from __future__ import annotations

import re

MIN_WORDS = 3
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
_BOUNDARY = re.compile(
    r"(?:[.?!;…]+(?=\s|$)|\n+|,?\s+(?=(?:" + "|".join(_CONNECTORS) + r")\b))",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Dots inside abbreviations and numbers are not sentence ends: «т.е.», «и т.д.», «1.5».
_ABBREVIATION = re.compile(r"\b(?:т\.\s?е|т\.\s?д|т\.\s?п|т\.\s?к|и\.\s?о|г|ул|д|кв|руб|тыс|млн)$")


def split_questions(text: str) -> list[str]:
    """The questions of a message, or ``[]`` if it holds fewer than two.

    Short pieces (a greeting, «спасибо») join the next piece, so
    «Здравствуйте! Где мой заказ? И ещё: как вернуть товар» gives two questions.
    """
    pieces: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        head = text[start : m.start()]
        if m.group().startswith(".") and _ABBREVIATION.search(head.rstrip()):
            continue
        pieces.append(text[start : m.end()])
        start = m.end()
    pieces.append(text[start:])
    parts: list[str] = []
    carry = ""
    for piece in pieces:
        candidate = f"{carry} {piece.strip()}" if carry else piece.strip()
        if len(_WORD.findall(candidate)) < MIN_WORDS:
            carry = candidate
            continue
        parts.append(candidate)
        carry = ""
    if carry and parts:  # a short tail («спасибо!») belongs to the last question
        parts[-1] = f"{parts[-1]} {carry}"
    if len(parts) < 2:
        return []
    return parts[:MAX_PARTS]

"""A duration in the customer's words, counted in days: what a ``note`` step with
``unit: days`` keeps (data/flows/repairs.yml ``repair_days``, docs/flows.md).

«ремонт уже 50 дней» is 50; «3 недели» 21; «2 месяца», «два месяца» 60; «полтора месяца» 45;
«полмесяца» 15; «месяц назад», «уже больше месяца» 30 (a unit without a number is one of it).
A week is 7 days, a month 30. Years are not read: «купил 2 года назад», «гарантия год» say
when the thing was bought or how long it is covered, not how long a repair lasts.
"""

from __future__ import annotations

import re

_NUMBERS = {
    "один": 1, "одна": 1, "одну": 1, "одного": 1, "одной": 1, "два": 2, "две": 2, "двух": 2,
    "пару": 2, "пара": 2, "три": 3, "трех": 3, "четыре": 4, "четырех": 4, "пять": 5, "пяти": 5,
    "шесть": 6, "шести": 6, "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9,
    "девяти": 9, "десять": 10, "десяти": 10, "полтора": 1.5, "полторы": 1.5, "пол": 0.5,
}  # fmt: skip
"""Number words a duration is said with (after «ё» is read as «е»)."""
_UNITS = (
    (re.compile(r"дн(?:я|ей|и)?|день|сут(?:ки|ок)?"), 1),
    (re.compile(r"недел(?:я|и|ю|ь)"), 7),
    (re.compile(r"месяц(?:а|ев)?|мес"), 30),
)
_DURATION = re.compile(
    r"(?<![\w.,])(?:(?P<digits>\d{1,3}(?:[.,]5)?)|(?P<word>"
    + "|".join(sorted((w for w in _NUMBERS if w != "пол"), key=len, reverse=True))
    + r")|(?P<half>пол))?\s*-?\s*(?P<unit>дн(?:я|ей|и)?|день|сут(?:ки|ок)?|недел(?:я|и|ю|ь)|"
    r"месяц(?:а|ев)?|мес)(?![а-я])\.?"
)


def days_in(text: str) -> int | None:
    """The first duration the text gives, in whole days; None without one."""
    lowered = text.lower().replace("ё", "е")
    for match in _DURATION.finditer(lowered):
        start = match.start("unit")
        if match["word"] is not None and not re.search(r"\s", lowered[match.end("word") : start]):
            continue  # «двухдневный»: a word run into the unit is no number said
        amount: float = 1
        if match["digits"] is not None:
            amount = float(match["digits"].replace(",", "."))
        elif match["word"] is not None:
            amount = _NUMBERS[match["word"]]
        elif match["half"] is not None:
            amount = 0.5
        unit = next(days for pattern, days in _UNITS if pattern.fullmatch(match["unit"]))
        return round(amount * unit)
    return None

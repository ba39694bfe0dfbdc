"""Russian number agreement for the texts customers, operators and editors read.

    plural(1, "минуту", "минуты", "минут")   → "минуту"     (1, 21, 101)
    plural(3, "минуту", "минуты", "минут")   → "минуты"     (2–4, 22–24)
    plural(12, "минуту", "минуты", "минут")  → "минут"      (0, 5–20, 25–30, 11–14 of any hundred)

One rule, written once: before, four modules carried their own copy of it.
"""

from __future__ import annotations

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
"""The months in the nominative, January first (a period's name, a date's noun)."""


def plural(n: int, one: str, few: str, many: str) -> str:
    """The form of a noun that agrees with the number ``n`` (``one``: 1, 21; ``few``: 2–4, 22;
    ``many``: 0, 5–20, 25)."""
    tens, ones = abs(n) % 100, abs(n) % 10
    if ones == 1 and tens != 11:
        return one
    if 2 <= ones <= 4 and not 12 <= tens <= 14:
        return few
    return many

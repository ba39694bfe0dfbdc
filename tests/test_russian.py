"""Russian number agreement (bot/russian.py), as the texts use it."""

from __future__ import annotations

import pytest

from bot.russian import plural
from handoff.team_hours import plural_minutes
from handoff.waiting import about_minutes, queue_text


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (0, "минут"),
        (1, "минуту"),
        (2, "минуты"),
        (4, "минуты"),
        (5, "минут"),
        (11, "минут"),
        (12, "минут"),
        (14, "минут"),
        (21, "минуту"),
        (22, "минуты"),
        (25, "минут"),
        (101, "минуту"),
        (111, "минут"),
        (112, "минут"),
        (122, "минуты"),
    ],
)
def test_the_noun_agrees_with_the_number(n: int, form: str) -> None:
    assert plural(n, "минуту", "минуты", "минут") == form


def test_the_texts_read_right() -> None:
    assert [plural_minutes(n) for n in (1, 3, 5, 21)] == [
        "1 минуту",
        "3 минуты",
        "5 минут",
        "21 минуту",
    ]
    assert [about_minutes(n) for n in (1, 3, 11, 21)] == [
        "1 минуты",
        "3 минут",
        "11 минут",
        "21 минуты",
    ]
    assert queue_text(2) == "перед вами в очереди 2 обращения"
    assert queue_text(11) == "перед вами в очереди 11 обращений"

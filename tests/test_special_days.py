"""Holidays and shortened days (``handoff.working_hours.special_days``).

The Russian New Year closes support for days; a customer writing on 1 January must read when
the team is really back («3 января в 10:00»), not «завтра в 9:00» and not the usual «ежедневно
с 9:00 до 21:00». A broken date or span in config.yml is an error with its line."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_config
from bot.ownership import Owner
from bot.yamlio import ContentError
from handoff.config import WorkingHours
from handoff.team_hours import format_back_at, is_open, is_special_day, next_opening
from tests.conftest import brain_for
from tests.dialogue import TestBot, start_bot

NEW_YEAR = WorkingHours(
    timezone="Europe/Moscow",
    special_days={
        date(2026, 12, 31): "09:00-18:00",
        date(2027, 1, 1): "closed",
        date(2027, 1, 2): "closed",
        date(2027, 1, 3): "10:00 - 16:00",
    },
)


def moscow(*args: int) -> datetime:
    """A moment given in Moscow time (UTC+3), as UTC."""
    year, month, day, hour, minute = args
    return datetime(year, month, day, hour - 3, minute, tzinfo=UTC)


def test_the_spans_are_read_as_hours_and_closed_as_a_closed_day() -> None:
    assert NEW_YEAR.hours_on(date(2026, 12, 31)) == (time(9), time(18))
    assert NEW_YEAR.hours_on(date(2027, 1, 1)) is None
    assert NEW_YEAR.hours_on(date(2027, 1, 3)) == (time(10), time(16))
    assert NEW_YEAR.hours_on(date(2027, 1, 4)) == (time(9), time(21))  # the usual week again


def test_a_shortened_day_closes_early() -> None:
    assert is_open(NEW_YEAR, moscow(2026, 12, 31, 17, 59))
    assert not is_open(NEW_YEAR, moscow(2026, 12, 31, 18, 0))
    back = next_opening(NEW_YEAR, moscow(2026, 12, 31, 18, 30))
    # Not «завтра в 9:00»: the 1st and 2nd are closed, the 3rd opens at 10.
    assert format_back_at(back, moscow(2026, 12, 31, 18, 30)) == "3 января в 10:00"


def test_a_closed_day_is_closed_at_noon() -> None:
    assert not is_open(NEW_YEAR, moscow(2027, 1, 1, 12, 0))
    assert is_special_day(NEW_YEAR, moscow(2027, 1, 1, 12, 0))
    assert not is_special_day(NEW_YEAR, moscow(2027, 1, 5, 12, 0))
    assert next_opening(NEW_YEAR, moscow(2027, 1, 2, 23, 0)) == datetime(
        2027, 1, 3, 7, 0, tzinfo=UTC
    )


def test_a_special_day_can_open_a_day_off() -> None:
    weekdays = WorkingHours(days=[0, 1, 2, 3, 4], special_days={date(2026, 12, 26): "10:00-15:00"})
    # Saturday the 26th is a working Saturday; Sunday is not.
    assert is_open(weekdays, moscow(2026, 12, 26, 11, 0))
    assert not is_open(weekdays, moscow(2026, 12, 27, 11, 0))
    back = next_opening(weekdays, moscow(2026, 12, 26, 16, 0))
    assert back == datetime(2026, 12, 28, 6, 0, tzinfo=UTC)  # Monday 9:00


def test_a_long_closure_is_still_found() -> None:
    closed = {date(2027, 1, day): None for day in range(1, 16)}
    hours = WorkingHours(special_days=closed)
    assert next_opening(hours, moscow(2026, 12, 31, 22, 0)) == datetime(
        2027, 1, 16, 6, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('"с утра"', 'ожидается closed или часы вида "09:00-18:00"'),
        ('"18:00-09:00"', "время начала должно быть раньше"),
        ('"25:00-26:00"', "такого времени нет"),
    ],
)
def test_a_broken_special_day_names_its_line(tmp_path: Path, value: str, says: str) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        "handoff:\n"
        "  working_hours:\n"
        "    special_days:\n"
        "      2026-12-31: closed\n"
        f"      2027-01-03: {value}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_config(config)
    [problem] = info.value.problems
    assert problem.line == 5, problem
    assert says in problem.message, problem.message


def test_a_date_that_is_no_date_names_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        "handoff:\n  working_hours:\n    special_days:\n      31 декабря: closed\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_config(config)
    [problem] = info.value.problems
    assert (problem.line, problem.message) == (
        4,
        "handoff.working_hours.special_days.31 декабря: ожидается дата ГГГГ-ММ-ДД",
    )


@pytest.fixture
async def holiday_bot(
    db_url: str, demo_project: Any, demo_model: Any
) -> AsyncIterator[Callable[[datetime], Awaitable[TestBot]]]:
    """Starts the demo bot with the New Year schedule at a given moment."""
    started: list[TestBot] = []

    async def at(now: datetime) -> TestBot:
        brain = brain_for(demo_project, demo_model, working_hours=NEW_YEAR)
        started.append(await start_bot(demo_project, brain, db_url, clock=lambda: now))
        return started[-1]

    yield at
    for bot in started:
        await bot.runtime.stop()


async def test_on_new_year_the_customer_hears_the_holiday_schedule(
    holiday_bot: Callable[[datetime], Awaitable[TestBot]],
) -> None:
    alice = (await holiday_bot(moscow(2027, 1, 1, 12, 0))).customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_text.startswith(
        "Сегодня служба поддержки работает по праздничному графику, и сейчас операторы не "
        "на связи. Ваше сообщение сохранено — сотрудник ответит здесь же 3 января в 10:00."
    )
    assert "ежедневно 9:00–21:00" not in alice.last_text
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_on_an_ordinary_night_the_usual_schedule_is_said(
    holiday_bot: Callable[[datetime], Awaitable[TestBot]],
) -> None:
    alice = (await holiday_bot(moscow(2027, 1, 5, 23, 0))).customer("alice")
    await alice.say("позовите оператора")
    assert "ежедневно 9:00–21:00" in alice.last_text
    assert "завтра в 9:00" in alice.last_text

"""A month's statistics measure tens of thousands of waits on the team's clock
(:class:`handoff.team_hours.TeamClock`, :class:`handoff.team_hours.LocalDates`): they must read
exactly what :func:`handoff.team_hours.open_seconds` and ``astimezone(...).date()`` read, on
the edges as well — a wait across midnight, a weekend, a holiday, a shortened day, a DST
change, a zone half an hour off UTC, a Brazilian midnight that happened twice, an end before
the start."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handoff.config import WorkingHours
from handoff.team_hours import LocalDates, TeamClock, open_seconds

# Moscow (no DST), Berlin (DST at 2–3 am), Kolkata (+5:30: a UTC hour holds a local midnight),
# Lord Howe (a half-hour DST), São Paulo (DST changed at midnight until 2019), New York.
ZONES = [
    "Europe/Moscow",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "America/New_York",
]


def schedules(zone: str) -> list[WorkingHours]:
    return [
        WorkingHours(timezone=zone),  # 9–21 every day
        WorkingHours(  # weekdays 0:00–23:30, holidays and a short day, a working Saturday
            timezone=zone,
            start=time(0, 0),
            end=time(23, 30),
            days=[0, 1, 2, 3, 4],
            special_days={
                date(2018, 11, 2): None,
                date(2018, 11, 3): "10:00-15:00",
                date(2026, 3, 28): "09:00-18:00",
                date(2026, 3, 30): "closed",
                date(2026, 12, 31): "09:00-18:00",
            },
        ),
        WorkingHours(timezone=zone, always_open=True),
    ]


def moments(rng: random.Random, around: datetime, n: int) -> list[datetime]:
    """UTC moments within four days of ``around``, some on whole hours and minutes."""
    found = []
    for _ in range(n):
        moment = around + timedelta(seconds=rng.uniform(-2 * 86400, 2 * 86400))
        if rng.random() < 0.3:
            moment = moment.replace(minute=rng.choice((0, 30)), second=0, microsecond=0)
        found.append(moment)
    return found


# DST changes (Berlin and New York in March 2026, São Paulo's midnight one in November 2018,
# Lord Howe's in April 2026) and an ordinary week.
AROUND = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2018, 11, 4, 3, tzinfo=UTC),
    datetime(2018, 2, 18, 2, tzinfo=UTC),
    datetime(2026, 4, 4, 15, tzinfo=UTC),
    datetime(2026, 12, 30, 12, tzinfo=UTC),
]


@pytest.mark.parametrize("zone", ZONES)
def test_the_local_date_of_a_moment_is_the_one_astimezone_gives(zone: str) -> None:
    tz = ZoneInfo(zone)
    local_date = LocalDates(tz)
    rng = random.Random(zone)
    for around in AROUND:
        for moment in moments(rng, around, 400):
            assert local_date(moment) == moment.astimezone(tz).date(), moment
            here = moment.astimezone(tz)  # not UTC: converted as it is
            assert local_date(here) == here.date()


@pytest.mark.parametrize("zone", ZONES)
def test_a_wait_on_the_team_clock_is_what_open_seconds_reads(zone: str) -> None:
    rng = random.Random(f"waits {zone}")
    for hours in schedules(zone):
        clock = TeamClock(hours)
        for around in AROUND:
            starts = moments(rng, around, 150)
            for start in starts:
                # Within the hour, across midnight, over a weekend; and an end before the start.
                for seconds in (rng.uniform(0, 3600), rng.uniform(0, 3 * 86400), -90.0, 0.0):
                    end = start + timedelta(seconds=seconds)
                    assert clock(start, end) == open_seconds(hours, start, end), (start, end)


def test_a_night_question_answered_at_opening_waited_forty_seconds() -> None:
    clock = TeamClock(WorkingHours(timezone="Europe/Moscow"))
    asked = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    answered = datetime(2026, 12, 8, 6, 0, 40, tzinfo=UTC)  # 9:00:40
    assert clock(asked, answered) == 40
    assert clock(answered, asked) == 0

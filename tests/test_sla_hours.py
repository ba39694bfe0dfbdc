"""The first-response goal runs on the team's working hours (``handoff.sla_in_working_hours``).

A customer who writes at 23:00 to a team that works 9–21 and is answered at 9:00:40 waited
40 seconds of the team's time: the statistics count it within a 60-second goal, and the lead's
«Сейчас» does not show the overnight queue as late while nobody is supposed to be there. A team
that wants the wall clock turns it off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.storage.db import Database
from bot.storage.models import Customer, Operator, utcnow
from handoff import live
from handoff.config import HandoffConfig, WorkingHours
from handoff.metrics import compute
from handoff.sla_clock import SlaClock
from handoff.team_hours import open_seconds
from tests.handoff_kit import console_env, conversation, login, make_brain, operator_reply

MOSCOW = ZoneInfo("Europe/Moscow")
NINE_TO_NINE = WorkingHours(timezone="Europe/Moscow")  # 9:00–21:00 every day


def msk(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=MOSCOW).astimezone(
        UTC
    )


def test_a_night_question_answered_at_opening_waited_seconds() -> None:
    monday = date(2026, 12, 7)
    asked = msk(monday, 23, 0)
    answered = msk(monday + timedelta(days=1), 9, 0, 40)
    assert open_seconds(NINE_TO_NINE, asked, answered) == 40
    # Within the day it is the plain difference; across two working days, the hours between.
    assert open_seconds(NINE_TO_NINE, msk(monday, 10), msk(monday, 10, 5)) == 300
    assert (
        open_seconds(NINE_TO_NINE, msk(monday, 20), msk(monday + timedelta(days=2), 10))
        == (1 + 12 + 1) * 3600
    )
    # A team that is always open counts the night too.
    assert open_seconds(WorkingHours(always_open=True), asked, answered) == 10 * 3600 + 40
    assert open_seconds(NINE_TO_NINE, answered, asked) == 0


def test_holidays_and_days_off_do_not_count() -> None:
    hours = WorkingHours(
        timezone="Europe/Moscow",
        days=[0, 1, 2, 3, 4],
        special_days={date(2027, 1, 1): "closed", date(2026, 12, 31): "09:00-18:00"},
    )
    # Thursday 31 December 17:59 → Monday 4 January 9:01: one minute on the 31st, one on the 4th.
    asked = msk(date(2026, 12, 31), 17, 59)
    answered = msk(date(2027, 1, 4), 9, 1)
    assert open_seconds(hours, asked, answered) == 120


def test_a_clock_change_is_real_time_not_wall_time() -> None:
    # Berlin, 29 March 2026: 02:00 becomes 03:00. Open 01:00–04:00 is two real hours.
    hours = WorkingHours(timezone="Europe/Berlin", start="01:00", end="04:00")  # type: ignore[arg-type]
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 29, 0, 0, tzinfo=berlin).astimezone(UTC)
    end = datetime(2026, 3, 29, 5, 0, tzinfo=berlin).astimezone(UTC)
    assert open_seconds(hours, start, end) == 2 * 3600


async def night_then_morning(db: Database) -> tuple[datetime, int]:
    """A customer handed over last night at 23:00 (Moscow) and answered at 9:00:40; another
    handed over at 23:30 and still waiting. Returns the moment the first one was answered."""
    now = utcnow()
    today = now.astimezone(MOSCOW).date()
    morning = today if now >= msk(today, 9, 0, 40) else today - timedelta(days=1)
    night = morning - timedelta(days=1)
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        session.add(customer)
        await session.flush()
        anna = Operator(username="anna", display_name="Анна", password_hash="-", role="operator")
        session.add(anna)
        await session.flush()
        for start, answered in (
            (msk(night, 23, 0), msk(morning, 9, 0, 40)),
            (msk(night, 23, 30), None),
        ):
            handed_over = conversation(
                customer.id,
                "operator" if answered else "queued",
                start,
                None if answered is None else (answered - start).total_seconds(),
            )
            handed_over.team = "support"
            session.add(handed_over)
            await session.flush()
            if answered is not None:  # Anna's reply, for her line in the per-operator table
                session.add(operator_reply(handed_over, anna.id, answered))
    return msk(morning, 9, 0, 40), customer.id


async def test_the_statistics_count_only_working_hours(db: Database) -> None:
    await night_then_morning(db)
    since = utcnow() - timedelta(days=3)
    async with db.read() as session:
        team_report = await compute(
            session, since, brain=make_brain(), goal_seconds=60, hours=NINE_TO_NINE
        )
        team_time = team_report["first_response"]
        wall = (await compute(session, since, brain=make_brain(), goal_seconds=60))[
            "first_response"
        ]
    assert team_time["p50_seconds"] == 40.0
    assert team_time["within_goal"] == 1
    [anna] = team_report["operators"]
    assert (anna["operator"], anna["first_response_p50_seconds"]) == ("Анна", 40.0)
    assert wall["p50_seconds"] == 10 * 3600 + 40
    assert wall["within_goal"] == 0


async def test_the_lead_does_not_see_the_night_queue_as_late_before_opening(
    db: Database,
) -> None:
    answered, _ = await night_then_morning(db)
    morning = answered.astimezone(MOSCOW).date()
    config = HandoffConfig(working_hours=NINE_TO_NINE)
    async with db.read() as session:
        # 3:00: the 23:30 customer has waited three and a half hours, none of them the team's.
        at_three = msk(morning, 3, 0)
        night = await live.snapshot(session, config, at_three)
        [support] = [t for t in night.teams if t.team == "support"]
        assert support.waiting == 1 and support.over_goal == 0
        assert support.oldest_wait_seconds == 3.5 * 3600  # the wait itself is told as it is
        # 9:05: five minutes of the team's time, past the 60-second goal.
        later = await live.snapshot(session, config, msk(morning, 9, 5))
        assert [t.over_goal for t in later.teams if t.team == "support"] == [1]
        wall = HandoffConfig(working_hours=NINE_TO_NINE, sla_in_working_hours=False)
        night = await live.snapshot(session, wall, at_three)
        assert [t.over_goal for t in night.teams if t.team == "support"] == [1]


@pytest.fixture
async def console_client(db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, HandoffConfig]]:
    brain = make_brain(always_open=False)  # the demo's 9:00–21:00 Moscow time
    async with console_env(db, brain) as env:
        await env.s.operator("boss", role="admin", status="offline")
        async with env.client() as client:
            await login(client, "boss")
            yield client, env.s.engine.brain.config.handoff


async def test_the_statistics_page_reads_the_setting(
    db: Database, console_client: tuple[httpx.AsyncClient, HandoffConfig]
) -> None:
    client, config = console_client
    await night_then_morning(db)
    first = (await client.get("/api/v1/metrics?days=3")).json()["first_response"]
    assert (first["p50_seconds"], first["within_goal"]) == (40.0, 1)
    assert first["working_hours_only"] is True  # «считается только рабочее время»
    config.sla_in_working_hours = False
    first = (await client.get("/api/v1/metrics?days=3")).json()["first_response"]
    assert (first["p50_seconds"], first["within_goal"]) == (10 * 3600 + 40, 0)
    assert first["working_hours_only"] is False
    csv = (await client.get("/api/v1/metrics.csv?days=3")).text
    assert "Время ожидания;календарное" in csv


def test_the_console_timer_stops_at_closing_and_starts_at_opening() -> None:
    clock = SlaClock(HandoffConfig(working_hours=NINE_TO_NINE))
    monday = date(2026, 12, 7)
    asked = msk(monday, 23, 30)
    tuesday = monday + timedelta(days=1)
    # 3:00: three and a half hours in the queue, none of them the team's; the clock waits
    # for 9:00 (the page starts counting then by itself).
    assert clock.waiting(asked, msk(tuesday, 3)) == {
        "state": "ok",
        "seconds": 0.0,
        "goal": 60,
        "at": msk(tuesday, 3).isoformat(),
        "running": False,
        "changes_at": msk(tuesday, 9).isoformat(),
    }
    # 9:00:50: amber; it runs until 21:00.
    morning = clock.waiting(asked, msk(tuesday, 9, 0, 50))
    assert (morning["state"], morning["seconds"], morning["running"]) == ("warn", 50.0, True)
    assert morning["changes_at"] == msk(tuesday, 21).isoformat()
    assert clock.waiting(asked, msk(tuesday, 9, 5))["state"] == "late"
    # The wall clock: red all night, and nothing to wait for.
    wall = SlaClock(HandoffConfig(working_hours=NINE_TO_NINE, sla_in_working_hours=False))
    night = wall.waiting(asked, msk(tuesday, 3))
    assert (night["state"], night["seconds"], night["running"]) == ("late", 3.5 * 3600, True)
    assert night["changes_at"] is None
    # Closed for the holidays: the next opening is days away.
    holidays = WorkingHours(
        timezone="Europe/Moscow",
        special_days={date(2027, 1, d): "closed" for d in range(1, 4)},  # type: ignore[misc]
    )
    closed = SlaClock(HandoffConfig(working_hours=holidays)).waiting(
        msk(date(2026, 12, 31), 22), msk(date(2027, 1, 2), 12)
    )
    assert (closed["running"], closed["seconds"]) == (False, 0.0)
    assert closed["changes_at"] == msk(date(2027, 1, 4), 9).isoformat()


async def test_the_console_list_shows_a_night_customer_waiting_on_the_team_clock(
    db: Database, console_client: tuple[httpx.AsyncClient, HandoffConfig]
) -> None:
    client, config = console_client
    now = utcnow()
    today = now.astimezone(MOSCOW).date()
    # The team is off today and yesterday; a customer asked two hours ago.
    config.working_hours.special_days = {today: None, today - timedelta(days=1): None}
    async with db.write() as session:
        customer = Customer(display_name="Ночной клиент", created_at=now)
        session.add(customer)
        await session.flush()
        session.add(conversation(customer.id, "queued", now - timedelta(hours=2), None))

    [item] = (await client.get("/api/v1/conversations?view=queued")).json()["conversations"]
    assert item["sla"]["state"] == "ok"
    assert (item["sla"]["seconds"], item["sla"]["running"]) == (0.0, False)
    assert item["sla"]["changes_at"] == msk(today + timedelta(days=1), 9).isoformat()

    config.sla_in_working_hours = False  # the wall clock: two hours, red
    [item] = (await client.get("/api/v1/conversations?view=queued")).json()["conversations"]
    assert (item["sla"]["state"], item["sla"]["running"]) == ("late", True)
    assert item["sla"]["seconds"] >= 2 * 3600

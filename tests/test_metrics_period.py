"""The statistics period on the company's clock: «7 дней» from local midnight, a calendar month,
times in the CSV as people read them, and a clear refusal of a period that makes no sense."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handoff.errors import HandoffError
from handoff.metrics_period import period
from tests.handoff_kit import Env, login

MOSCOW = "Europe/Moscow"
# 06:10 in Moscow on 7 December 2026.
NOW = datetime(2026, 12, 7, 3, 10, 34, 458530, tzinfo=UTC)


def test_seven_days_are_today_and_six_whole_days_before_it_in_moscow() -> None:
    week = period({"days": "7"}, MOSCOW, NOW)
    assert (week.title, week.slug) == ("7 дней", "7d")
    assert week.local(week.since) == "01.12.2026 00:00"  # not 06:10 on 30 November
    assert week.since == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    today = period({"days": "1"}, MOSCOW, NOW)
    assert (today.title, today.local(today.since)) == ("сегодня", "07.12.2026 00:00")


def test_a_calendar_month_from_its_first_midnight_to_the_next() -> None:
    november = period({"month": "2026-11"}, MOSCOW, NOW)
    assert november.title == "ноябрь 2026"
    assert november.as_json()["since_local"] == "01.11.2026 00:00"
    assert november.as_json()["until_local"] == "01.12.2026 00:00"
    assert period({"month": "last"}, MOSCOW, NOW).slug == "2026-11"
    this = period({"month": "this"}, MOSCOW, NOW)
    assert (this.slug, this.local(this.since)) == ("2026-12", "01.12.2026 00:00")
    january = period({"month": "last"}, MOSCOW, datetime(2027, 1, 5, tzinfo=UTC))
    assert january.title == "декабрь 2026"


@pytest.mark.parametrize(
    "query",
    [{"month": "2026-13"}, {"month": "ноябрь"}, {"month": "2027-02"}, {"days": "0"}, {"days": "x"}],
)
def test_a_period_that_makes_no_sense_is_refused(query: dict[str, str]) -> None:
    with pytest.raises(HandoffError) as refused:
        period(query, MOSCOW, NOW)
    assert refused.value.code == "bad_period"


async def test_a_month_downloads_with_local_times_people_read(env: Env) -> None:
    await env.s.operator("boss", role="admin")
    await env.s.escalate("c1")
    async with env.client() as client:
        await login(client, "boss")
        response = await client.get("/api/v1/metrics.csv?month=this")
        assert response.status_code == 200
        lines = response.content.decode("utf-8").removeprefix("\ufeff").split("\r\n")
        assert "Передано операторам;1" in lines
        since = next(line for line in lines if line.startswith("Период с;"))
        assert since.endswith(" 00:00") and since.removeprefix("Период с;")[:2] == "01"
        assert f"Часовой пояс;{MOSCOW}" in lines
        assert not any("+00:00" in line for line in lines)  # no raw UTC timestamps
        bad = await client.get("/api/v1/metrics?month=2026-13")
        assert bad.status_code == 400 and bad.json()["error"] == "bad_period"

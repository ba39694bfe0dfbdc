"""Which stretch of time the statistics cover, in the company's time zone.

A manager asks for «the last 7 days» or «November», meaning whole days on the team's clock
(``handoff.working_hours.timezone``), not a rolling window of UTC hours: «7 дней» is today and
the six days before it, from local midnight; a month is its first day's midnight to the next
month's. ``/api/v1/metrics`` and ``metrics.csv`` take ``days=N`` (1–365) or ``month=YYYY-MM``
(also ``month=this`` and ``month=last``), and the period goes back in the answer with the local
times people read («01.11.2026 00:00»).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.russian import MONTHS, plural
from handoff.errors import HandoffError

_MONTH = re.compile(r"(\d{4})-(\d{2})")
NOW = timedelta(seconds=1)  # «until now» includes what was written this very second


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime  # inclusive, aware
    until: datetime  # exclusive, aware
    title: str  # «7 дней», «ноябрь 2026»
    slug: str  # for the CSV file's name: «7d», «2026-11»
    timezone: str

    def local(self, moment: datetime) -> str:
        """«01.11.2026 00:00» on the company's clock."""
        return moment.astimezone(ZoneInfo(self.timezone)).strftime("%d.%m.%Y %H:%M")

    def as_json(self) -> dict[str, str]:
        return {
            "title": self.title,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "since_local": self.local(self.since),
            "until_local": self.local(self.until),
            "timezone": self.timezone,
        }


def _midnight(day: datetime, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(), tzinfo=tz)


def _month(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=tz)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, following


def period(query: Mapping[str, str], timezone: str, now: datetime) -> Period:
    """The period a request asks for; :class:`HandoffError` (400) for one that makes no sense.
    Neither given: the last 7 days."""
    tz = ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    month = query.get("month")
    if month:
        if month in ("this", "last"):
            year, number = local_now.year, local_now.month
            if month == "last":
                year, number = (year - 1, 12) if number == 1 else (year, number - 1)
        elif (found := _MONTH.fullmatch(month)) and 1 <= int(found[2]) <= 12:
            year, number = int(found[1]), int(found[2])
        else:
            raise HandoffError("Месяц указывается как ГГГГ-ММ, например 2026-11.", "bad_period")
        since, until = _month(year, number, tz)
        if since > now:
            raise HandoffError("Этот месяц ещё не начался.", "bad_period")
        return Period(
            since,
            min(until, now + NOW),
            f"{MONTHS[number - 1]} {year}",
            f"{year}-{number:02d}",
            timezone,
        )
    raw = query.get("days", "7")
    try:
        days = int(raw)
    except ValueError:
        raise HandoffError("Период: число дней от 1 до 365.", "bad_period") from None
    if not 1 <= days <= 365:
        raise HandoffError("Период: число дней от 1 до 365.", "bad_period")
    since = _midnight(local_now - timedelta(days=days - 1), tz)
    return Period(since, now + NOW, _days_title(days), f"{days}d", timezone)


def _days_title(days: int) -> str:
    """«сегодня», «7 дней», «2 дня», «21 день»: today and the days before it."""
    if days == 1:
        return "сегодня"
    return f"{days} {plural(days, 'день', 'дня', 'дней')}"

"""The team's clock: working hours, holidays, when the team is back, how long a wait is.

What the hand-off tells a customer about time — «сегодня в 9:00», «9:00–21:00», «≈ 5 минут» —
and the SLA's working seconds, all from ``config.yml`` → ``handoff: working_hours``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.russian import plural
from handoff.config import HandoffConfig, WorkingHours


def is_open(hours: WorkingHours, now: datetime) -> bool:
    if hours.always_open:
        return True
    local = now.astimezone(ZoneInfo(hours.timezone))
    today = hours.hours_on(local.date())
    return today is not None and today[0] <= local.time() < today[1]


def is_special_day(hours: WorkingHours, now: datetime) -> bool:
    """Is today (the team's local date) one of ``working_hours.special_days``?"""
    return now.astimezone(ZoneInfo(hours.timezone)).date() in hours.special_days


DaySpans = dict[date, tuple[datetime, datetime] | None]
"""A cache of :func:`open_seconds`' working spans per local date (in UTC)."""


def open_seconds(
    hours: WorkingHours, start: datetime, end: datetime, spans: DaySpans | None = None
) -> float:
    """How many seconds of ``[start, end)`` fall within working hours — the clock a
    first-response goal runs on: a question asked at 23:00 and answered at 9:00:40 waited
    40 seconds of the team's time. Wall-clock seconds when the team is always open. A caller
    measuring many waits passes one ``spans`` dict: each day's hours are worked out once (or
    measures with a :class:`TeamClock`, faster still)."""
    if end <= start:
        return 0.0
    if hours.always_open:
        return (end - start).total_seconds()
    tz = ZoneInfo(hours.timezone)
    day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    return _open_between(hours, tz, start, end, day, last, spans if spans is not None else {})


class TeamClock:
    """:func:`open_seconds` for many waits of one team (a month's statistics): the same
    seconds, with each day's hours and each UTC hour's local date worked out once."""

    def __init__(self, hours: WorkingHours) -> None:
        self.hours = hours
        self.tz = ZoneInfo(hours.timezone)
        self.spans: DaySpans = {}
        self.local_date = LocalDates(self.tz)

    def __call__(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        if self.hours.always_open:
            return (end - start).total_seconds()
        day, last = self.local_date(start), self.local_date(end)
        if day != last:
            return _open_between(self.hours, self.tz, start, end, day, last, self.spans)
        # One local day (most waits): one span to cut, as the loop below does.
        spans = self.spans
        span = spans[day] if day in spans else _day_span(self.hours, self.tz, day, spans)
        if span is None:
            return 0.0
        return max((min(span[1], end) - max(span[0], start)).total_seconds(), 0.0)


class LocalDates:
    """``moment.astimezone(tz).date()`` for many UTC moments, looked up by the moment's UTC
    hour (a conversion per hour rather than per moment)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        # (year, month, day, hour) of a UTC hour → the local date all through it; None when
        # the date or the offset changes within the hour (such a moment is converted itself).
        self._dates: dict[tuple[int, int, int, int], date | None] = {}

    def __call__(self, moment: datetime) -> date:
        if moment.tzinfo is not UTC:
            return moment.astimezone(self.tz).date()
        key = (moment.year, moment.month, moment.day, moment.hour)
        if key in self._dates:
            found = self._dates[key]
        else:
            found = self._dates[key] = self._hour_date(key)
        return found if found is not None else moment.astimezone(self.tz).date()

    def _hour_date(self, key: tuple[int, int, int, int]) -> date | None:
        """The local date of every moment of a UTC hour, None if it is not one: the date or
        the offset differs between the hour's first and last microsecond (a zone's offset
        never changes twice within an hour, so the same offset at both ends holds through)."""
        first = datetime(*key, tzinfo=UTC).astimezone(self.tz)
        last = (datetime(*key, tzinfo=UTC) + timedelta(hours=1, microseconds=-1)).astimezone(
            self.tz
        )
        if first.date() != last.date() or first.utcoffset() != last.utcoffset():
            return None
        return first.date()


def _open_between(
    hours: WorkingHours,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    day: date,
    last: date,
    cache: DaySpans,
) -> float:
    """The working seconds of ``[start, end)``, the local dates ``day`` to ``last``."""
    total = 0.0
    while day <= last:
        utc_span = cache[day] if day in cache else _day_span(hours, tz, day, cache)
        if utc_span is not None:
            opens, closes = utc_span
            total += max((min(closes, end) - max(opens, start)).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total


def _day_span(
    hours: WorkingHours, tz: ZoneInfo, day: date, cache: DaySpans
) -> tuple[datetime, datetime] | None:
    """The working span of the local date ``day`` in UTC (None: closed), kept in ``cache``."""
    span = hours.hours_on(day)
    # In UTC: a difference of two times in one zone would ignore a DST change.
    cache[day] = (
        None
        if span is None
        else (
            datetime.combine(day, span[0], tzinfo=tz).astimezone(UTC),
            datetime.combine(day, span[1], tzinfo=tz).astimezone(UTC),
        )
    )
    return cache[day]


def sla_seconds(config: HandoffConfig, start: datetime, end: datetime) -> float:
    """Seconds of ``[start, end)`` that count toward the first-response goal
    (``handoff.sla_in_working_hours``: working hours only, else the wall clock)."""
    if config.sla_in_working_hours:
        return open_seconds(config.working_hours, start, end)
    return max((end - start).total_seconds(), 0.0)


# How far ahead to look for the next opening: the Russian New Year holidays close a team for
# up to ten days; a schedule closed longer than this is answered with «now».
LOOKAHEAD_DAYS = 45


def next_opening(hours: WorkingHours, now: datetime) -> datetime:
    """When operators are back (local time of the team), for the out-of-hours message."""
    tz = ZoneInfo(hours.timezone)
    local = now.astimezone(tz)
    for day in range(LOOKAHEAD_DAYS):
        candidate_date = (local + timedelta(days=day)).date()
        today = hours.hours_on(candidate_date)
        if today is None:
            continue
        opening = datetime.combine(candidate_date, today[0], tzinfo=tz)
        if opening > local:
            return opening
    return local


_MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


def format_span(start: time, end: time) -> str:
    """«9:00–21:00»: how a phrase's ``{hours}`` reads."""
    return f"{start.hour}:{start.minute:02d}–{end.hour}:{end.minute:02d}"


def usual_hours(hours: WorkingHours) -> str:
    """The week's working hours from config («9:00–21:00»), the ``{hours}`` of every phrase
    said out of hours (``utter_handoff_offline``…): change them in config.yml and every
    phrase that states them says the new ones."""
    return format_span(hours.start, hours.end)


def format_back_at(moment: datetime, now: datetime) -> str:
    """«сегодня в 9:00», «завтра в 9:00», «25 ноября в 9:00» in the team's time zone."""
    local_now = now.astimezone(moment.tzinfo)
    time_text = f"{moment.hour}:{moment.minute:02d}"
    if moment.date() == local_now.date():
        return f"сегодня в {time_text}"
    if moment.date() == (local_now + timedelta(days=1)).date():
        return f"завтра в {time_text}"
    return f"{moment.day} {_MONTHS[moment.month - 1]} в {time_text}"


def estimate_wait_minutes(
    position: int, online_operators: int, free_slots: int, avg_handling_minutes: float
) -> int:
    """Honest expected wait: immediate if someone is free, else the queue ahead over the team.

    ``position`` is how many conversations wait ahead. With no one online the estimate is the
    queue drained at one operator's pace (working hours are open, someone will come back).
    """
    if free_slots > position:
        return 1
    waiting_for_slot = position - free_slots + 1
    parallel = max(online_operators, 1)
    minutes = avg_handling_minutes * waiting_for_slot / parallel
    return max(1, round(minutes))


def plural_minutes(n: int) -> str:
    """«1 минуту», «3 минуты», «5 минут» (the accusative: «через …», «примерно …»)."""
    return f"{n} {plural(n, 'минуту', 'минуты', 'минут')}"

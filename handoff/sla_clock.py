"""The clock a customer's wait for a person runs on, as the console shows it.

With ``handoff.sla_in_working_hours`` the first-response goal counts working hours only (the
statistics do, ``team_hours.sla_seconds``); the console's amber and red timers must agree, or a
question asked at 23:00 glows red all night and the morning shift cannot tell it from a
customer the day shift forgot. The clock says how long the customer has waited so far, whether
it is running now, and when that changes (today's closing time, the next opening) so the page
can keep counting, or stop, without asking the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.ownership import Owner
from bot.storage.models import Conversation
from handoff.config import HandoffConfig
from handoff.team_hours import is_open, next_opening, sla_seconds

WARN_SHARE = 0.75
"""The timer turns amber at three quarters of the goal (and red past it)."""


@dataclass(frozen=True, slots=True)
class SlaClock:
    """The first-response goal and the hours it runs in."""

    config: HandoffConfig

    @property
    def goal_seconds(self) -> int:
        return self.config.sla_first_response_seconds

    @property
    def _on_hours(self) -> bool:
        return self.config.sla_in_working_hours and not self.config.working_hours.always_open

    def waited(self, start: datetime, end: datetime) -> float:
        """Seconds of ``[start, end)`` that count toward the goal."""
        return sla_seconds(self.config, start, end)

    def running(self, now: datetime) -> bool:
        return not self._on_hours or is_open(self.config.working_hours, now)

    def changes_at(self, now: datetime) -> datetime | None:
        """When the clock next stops (closing time) or starts (the next opening); ``None`` for
        the wall clock, or when no opening is in sight."""
        if not self._on_hours:
            return None
        hours = self.config.working_hours
        if not is_open(hours, now):
            opening = next_opening(hours, now)
            return opening.astimezone(UTC) if opening > now else None
        tz = ZoneInfo(hours.timezone)
        local = now.astimezone(tz)
        span = hours.hours_on(local.date())
        assert span is not None  # open now
        return datetime.combine(local.date(), span[1], tzinfo=tz).astimezone(UTC)

    def state(self, seconds: float) -> str:
        if seconds > self.goal_seconds:
            return "late"
        return "warn" if seconds > self.goal_seconds * WARN_SHARE else "ok"

    def waiting(self, start: datetime, now: datetime) -> dict[str, Any]:
        """A waiting customer's timer: ``seconds`` so far at ``at``, whether it ``running``,
        and ``changes_at`` — the console counts on from these."""
        seconds = self.waited(start, now)
        changes = self.changes_at(now)
        return {
            "state": self.state(seconds),
            "seconds": round(seconds, 1),
            "goal": self.goal_seconds,
            "at": now.isoformat(),
            "running": self.running(now),
            "changes_at": changes.isoformat() if changes is not None else None,
        }


def sla(conversation: Conversation, now: datetime, clock: SlaClock) -> dict[str, Any]:
    """Time to first human response against the goal, on the goal's clock (working hours with
    ``handoff.sla_in_working_hours``).

    ``state``: ``none`` (never escalated), ``ok``/``warn``/``late`` while waiting (with what the
    console needs to keep counting: ``SlaClock.waiting``), ``met``/``missed`` once answered.
    """
    start = conversation.escalated_at
    if start is None:
        return {"state": "none", "seconds": None, "goal": clock.goal_seconds}
    if conversation.first_response_at is not None:
        seconds = clock.waited(start, conversation.first_response_at)
        return {
            "state": "met" if seconds <= clock.goal_seconds else "missed",
            "seconds": round(seconds, 1),
            "goal": clock.goal_seconds,
        }
    if conversation.owner == Owner.CLOSED.value or conversation.owner == Owner.BOT.value:
        return {"state": "none", "seconds": None, "goal": clock.goal_seconds}
    return clock.waiting(start, now)

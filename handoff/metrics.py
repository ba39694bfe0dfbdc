"""Numbers a support manager asks for: response times, load per operator, CSAT, deflection,
how often the bot's answers helped, and why and after which questions conversations reached a
person (:mod:`handoff.metrics_reasons`).

Computed in Python from a date range's rows rather than with dialect-specific SQL
(percentiles and date truncation differ between SQLite and PostgreSQL); a support team's
monthly volume is small enough for that, and the same code runs on both backends. What is the
same in every dialect — counts per channel, ratings grouped by score — is counted by the
database, and the rows are read through the session's connection (Core rows, without the ORM's
per-row work): a month of 30 000 handoffs within a second (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from bot import helpful
from bot.ownership import Owner
from bot.rating import REASONS
from bot.storage.models import (
    Conversation,
    Message,
    Operator,
    Rating,
    Transition,
    utcnow,
)
from handoff import labels
from handoff.config import WorkingHours
from handoff.escalation import LocalDates, TeamClock
from handoff.metrics_reasons import handoffs
from handoff.metrics_rows import moment, rows

if TYPE_CHECKING:
    from bot.engine import Brain

# escalated, answered, owner, id, escalation reason
Escalated = Row[datetime | None, datetime | None, str, int, str | None]
Reply = Row[int | None, int, datetime]  # operator, conversation, at
Rated = Row[int, str | None, int | None, str, int]  # score, reason, operator, channel, how many
Waited = Callable[[datetime, datetime], float]  # seconds of the team's time between two moments


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in (0, 1]); None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


async def compute(
    session: AsyncSession,
    since: datetime,
    until: datetime | None = None,
    *,
    brain: Brain,
    timezone: str = "Europe/Moscow",
    goal_seconds: int = 60,
    hours: WorkingHours | None = None,
) -> dict[str, Any]:
    """All manager metrics for conversations/messages/ratings in ``[since, until)``; the
    ``brain``'s knowledge base and handoff triggers tell the customers' questions from
    «позовите оператора» (:mod:`handoff.metrics_reasons`). With ``hours``, waits for a first
    reply count only working hours (:func:`handoff.escalation.open_seconds`)."""
    until = until or utcnow() + timedelta(seconds=1)
    local_date = LocalDates(ZoneInfo(timezone))
    waited = _clock(hours)

    withdrawn = await _withdrawn(session, since)
    handed_over = await rows(
        session,
        select(
            moment(Conversation.escalated_at),
            moment(Conversation.first_response_at),
            Conversation.owner,
            Conversation.id,
            Conversation.escalation_reason,
        ).where(Conversation.escalated_at >= since, Conversation.escalated_at < until),
    )
    escalated: list[Escalated] = [row for row in handed_over if row[3] not in withdrawn]
    # Each answered conversation's wait, measured once (the per-operator table reuses it).
    answered_waits = {
        conversation_id: waited(started, answered)
        for started, answered, _, conversation_id, _ in escalated
        if answered is not None and started is not None
    }
    response_times = list(answered_waits.values())
    within_goal = sum(1 for seconds in response_times if seconds <= goal_seconds)
    # Still waiting past the goal is already late, whatever the reply time will be; a wait
    # still within the goal is undecided and counts neither way.
    waits = _waits(escalated, utcnow(), waited)
    waiting_over_goal = sum(1 for seconds in waits if seconds > goal_seconds)
    late = len(response_times) - within_goal + waiting_over_goal

    replies: Sequence[Reply] = await rows(
        session,
        select(Message.operator_id, Message.conversation_id, moment(Message.created_at)).where(
            Message.author == "operator",
            Message.kind == "message",
            Message.operator_id.is_not(None),
            Message.created_at >= since,
            Message.created_at < until,
        ),
    )
    # One count per operator, local day and conversation, however many replies it took.
    handled = {
        (local_date(at), operator_id, conversation_id)
        for operator_id, conversation_id, at in replies
        if operator_id is not None
    }
    per_operator_day: Counter[tuple[str, int]] = Counter(
        (day.isoformat(), op) for day, op, _ in handled
    )
    # Only what customers wrote after a person's first answer can wait for a later reply.
    said = await rows(
        session,
        select(Message.conversation_id, moment(Message.created_at))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.author == "customer",
            Message.kind == "message",
            Message.created_at >= since,
            Message.created_at < until,
            Conversation.first_response_at.is_not(None),
            Message.created_at > Conversation.first_response_at,
        ),
    )
    answered_later = _reply_times(said, replies, waited)
    released: dict[int, list[tuple[datetime, str]]] = {}
    for conversation_id, at, why in await rows(
        session,
        select(Transition.conversation_id, moment(Transition.at), Transition.reason)
        .where(
            Transition.from_owner == Owner.OPERATOR.value,
            Transition.to_owner.in_([Owner.CLOSED.value, Owner.BOT.value]),
            Transition.at >= since,
        )
        .order_by(Transition.at),
    ):
        released.setdefault(conversation_id, []).append((at, why))
    resolved = _resolutions(escalated, released, replies, waited)
    names: dict[int, str] = {
        op_id: name
        for op_id, name in await rows(session, select(Operator.id, Operator.display_name))
    }

    # The ratings by score, reason, operator and channel: a few rows, however many ratings.
    rated: Sequence[Rated] = await rows(
        session,
        select(Rating.score, Rating.reason, Rating.operator_id, Rating.channel, func.count())
        .where(Rating.created_at >= since, Rating.created_at < until)
        .group_by(Rating.score, Rating.reason, Rating.operator_id, Rating.channel),
    )
    scores = _Scores()
    reasons: Counter[str] = Counter()
    for score, reason, _, _, n in rated:
        scores.add(score, n)
        if reason in REASONS:
            reasons[reason] += n

    # Conversations started in the period, per channel, and how many of them a person took —
    # a handoff the customer withdrew before any person answered is the bot's (``withdrawn``).
    created = [
        (channel, int(started), int(handed))
        for channel, started, handed in await rows(
            session,
            select(
                Conversation.channel,
                func.count(),
                func.count(
                    case(
                        (
                            Conversation.escalated_at.is_not(None)
                            & Conversation.id.not_in(_withdrawn_query(since)),
                            1,
                        )
                    )
                ),
            )
            .where(Conversation.created_at >= since, Conversation.created_at < until)
            .group_by(Conversation.channel),
        )
    ]
    conversations = sum(started for _, started, _ in created)
    without_person = conversations - sum(handed for _, _, handed in created)
    verdicts = list((await helpful.presses(session, since, until)).values())

    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "first_response": {
            "escalated": len(escalated),
            # Handoffs the customer withdrew («Отменить вызов оператора») before any person
            # answered: counted here, not as escalated, and as resolved without a person.
            "cancelled": len(withdrawn),
            "answered": len(response_times),
            "p50_seconds": _round(percentile(response_times, 0.5)),
            "p90_seconds": _round(percentile(response_times, 0.9)),
            "within_goal_share": _share(within_goal, within_goal + late),
            "goal_seconds": goal_seconds,
            "working_hours_only": hours is not None,  # the waits count working hours only
            "within_goal": within_goal,
            "late": late,
            "waiting": len(waits),
            "waiting_over_goal": waiting_over_goal,
        },
        # From the handoff to closing, for the conversations a person answered and closed
        # (the time a customer's problem took a person; on the same clock as the waits).
        "resolution": {
            "resolved": len(resolved),
            "p50_seconds": _round(percentile([s for _, s in resolved], 0.5)),
            "p90_seconds": _round(percentile([s for _, s in resolved], 0.9)),
        },
        # After the first answer: how long a customer's next message waited for a person's
        # reply (what «under 60 s from a person» means for the rest of the conversation).
        "replies": {
            "answered": len(answered_later),
            "p50_seconds": _round(percentile([s for _, s in answered_later], 0.5)),
            "p90_seconds": _round(percentile([s for _, s in answered_later], 0.9)),
        },
        "operators": _per_operator(answered_waits, replies, rated, names, resolved, answered_later),
        "per_operator_day": [
            {
                "date": day,
                "operator_id": op,
                "operator": names.get(op, f"#{op}"),
                "conversations": n,
            }
            for (day, op), n in sorted(per_operator_day.items())
        ],
        "csat": {
            "ratings": scores.count,
            "average": scores.average(),
            "share_4_5": _share(scores.high, scores.count),
            # Why low ratings were low (bot/rating.py), in the buttons' order.
            "reasons": [
                {"reason": code, "title": title, "count": reasons[code]}
                for code, title in REASONS.items()
                if reasons[code]
            ],
        },
        "deflection": {
            "conversations": conversations,
            "without_person": without_person,
            "rate": _share(without_person, conversations),
        },
        # The same per messenger: where customers come from, and how each one goes.
        "channels": _per_channel(created, rated),
        # «👍 Помогло / 👎 Не помогло» under the bot's answers (bot/helpful.py).
        "answers": {
            "rated": len(verdicts),
            "helped": sum(verdicts),
            "share": _share(sum(verdicts), len(verdicts)),
        },
        # Of the ``escalated`` above: why, and after which of the customer's questions.
        "handoffs": (
            await handoffs(
                session,
                since,
                until,
                brain,
                [(conversation_id, why) for _, _, _, conversation_id, why in escalated],
            )
        ).to_json(),
        # What the handed-over conversations were about, as operators labelled them.
        "labels": await labels.counted(
            session, since, until, brain.config.handoff.labels, len(handed_over)
        ),
    }


def _withdrawn_query(since: datetime) -> Select[int]:
    """Conversations whose latest handoff the customer cancelled before a person answered
    (``customer_cancelled`` after the handoff; a new handoff since resets ``escalated_at``)."""
    return (
        select(Transition.conversation_id)
        .join(Conversation, Conversation.id == Transition.conversation_id)
        .where(
            Transition.reason == "customer_cancelled",
            Transition.at >= since,
            Conversation.escalated_at.is_not(None),
            Transition.at >= Conversation.escalated_at,
            Conversation.first_response_at.is_(None),
        )
    )


async def _withdrawn(session: AsyncSession, since: datetime) -> set[int]:
    return {conversation_id for (conversation_id,) in await rows(session, _withdrawn_query(since))}


@dataclass(slots=True)
class _Scores:
    """Ratings' scores counted from the grouped rows: how many, their sum, how many 4–5 and
    how many 1–3."""

    count: int = 0
    total: int = 0
    high: int = 0
    low: int = 0

    def add(self, score: int, n: int = 1) -> None:
        self.count += n
        self.total += score * n
        self.high += n if score >= 4 else 0
        self.low += n if score <= 3 else 0

    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None


def _per_operator(
    answered_waits: dict[int, float],
    replies: Sequence[Reply],
    rated: Sequence[Rated],
    names: dict[int, str],
    resolved: Sequence[tuple[int | None, float]] = (),
    answered_later: Sequence[tuple[int | None, float]] = (),
) -> list[dict[str, Any]]:
    """Each operator's period: conversations they replied in, the median wait of those they
    answered first, the median resolution of those they closed, and their ratings (a team
    lead's per-agent report)."""
    conversations: dict[int, set[int]] = {}
    first: dict[int, tuple[datetime, int]] = {}  # conversation → (first reply, its operator)
    for operator_id, conversation_id, at in replies:
        if operator_id is None:
            continue
        conversations.setdefault(operator_id, set()).add(conversation_id)
        if conversation_id not in first or at < first[conversation_id][0]:
            first[conversation_id] = (at, operator_id)
    waits: dict[int, list[float]] = {}
    for conversation_id, seconds in answered_waits.items():
        if conversation_id in first:
            waits.setdefault(first[conversation_id][1], []).append(seconds)
    scores: dict[int, _Scores] = {}
    for score, _, operator_id, _, n in rated:
        if operator_id is not None:
            scores.setdefault(operator_id, _Scores()).add(score, n)
    closing, later = _by_operator(resolved), _by_operator(answered_later)
    report = []
    for operator_id in set(conversations) | set(scores) | set(closing):
        given = scores.get(operator_id) or _Scores()
        report.append(
            {
                "operator_id": operator_id,
                "operator": names.get(operator_id, f"#{operator_id}"),
                "conversations": len(conversations.get(operator_id, ())),
                "first_response_p50_seconds": _round(percentile(waits.get(operator_id, []), 0.5)),
                "reply_p50_seconds": _round(percentile(later.get(operator_id, []), 0.5)),
                "resolved": len(closing.get(operator_id, ())),
                "resolution_p50_seconds": _round(percentile(closing.get(operator_id, []), 0.5)),
                "ratings": given.count,
                "csat_average": given.average(),
                "low_ratings": given.low,
            }
        )
    return sorted(report, key=lambda r: (-r["conversations"], r["operator"]))


def _clock(hours: WorkingHours | None) -> Waited:
    if hours is None:
        return lambda start, end: (end - start).total_seconds()
    return TeamClock(hours)  # a month of waits: each day's hours worked out once


def _per_channel(
    created: Sequence[tuple[str, int, int]], rated: Sequence[Rated]
) -> list[dict[str, Any]]:
    """Conversations started in each channel (channel, started, handed to a person), how many
    a person took, and the ratings there; the busiest channel first."""
    scores: dict[str, _Scores] = {}
    for score, _, _, channel, n in rated:
        scores.setdefault(channel, _Scores()).add(score, n)
    report = []
    for channel, started, handed in sorted(created, key=lambda c: (-c[1], c[0])):
        given = scores.get(channel) or _Scores()
        report.append(
            {
                "channel": channel,
                "conversations": started,
                "handed_over": handed,
                "without_person_rate": _share(started - handed, started),
                "ratings": given.count,
                "csat_average": given.average(),
            }
        )
    return report


def _by_operator(timed: Sequence[tuple[int | None, float]]) -> dict[int, list[float]]:
    found: dict[int, list[float]] = {}
    for operator_id, seconds in timed:
        if operator_id is not None:
            found.setdefault(operator_id, []).append(seconds)
    return found


def _reply_times(
    said: Sequence[Row[int, datetime]], replies: Sequence[Reply], waited: Waited
) -> list[tuple[int | None, float]]:
    """(operator, seconds) for each reply a person gave after their conversation's first one,
    from the customer's first message since the previous reply (several messages in a row
    wait once, from the first)."""
    timeline: dict[int, list[tuple[datetime, int, int | None]]] = {}
    for conversation_id, at in said:
        timeline.setdefault(conversation_id, []).append((at, 0, None))
    for operator_id, conversation_id, at in replies:
        if conversation_id in timeline:  # a conversation where the customer wrote again
            timeline[conversation_id].append((at, 1, operator_id))
    found = []
    for events in timeline.values():
        events.sort(key=lambda e: (e[0], e[1]))
        first = next((i for i, e in enumerate(events) if e[1] == 1), None)
        if first is None:
            continue
        pending: datetime | None = None
        for at, is_reply, operator_id in events[first + 1 :]:
            if not is_reply:
                pending = pending or at
            elif pending is not None:
                found.append((operator_id, waited(pending, at)))
                pending = None
    return found


def _resolutions(
    escalated: Sequence[Escalated],
    released: dict[int, list[tuple[datetime, str]]],
    replies: Sequence[Reply],
    waited: Waited,
) -> list[tuple[int | None, float]]:
    """(operator, seconds) from each handoff to the moment a person let the conversation go —
    closed it or gave it back to the bot — for the conversations a person answered. One
    closed for the customer's silence ends at the operator's last reply (the hour of silence
    is not the team's time). The operator is the one who replied last."""
    by_conversation: dict[int, list[tuple[datetime, int | None]]] = {}
    for operator_id, conversation_id, at in replies:
        if conversation_id in released:  # only a released conversation is resolved
            by_conversation.setdefault(conversation_id, []).append((at, operator_id))
    found = []
    for started, answered, _, conversation_id, _ in escalated:
        events = released.get(conversation_id)
        if started is None or answered is None or not events:
            continue
        first = events[0]  # usually the only one; else the first after this handoff
        end = first if first[0] >= started else next((e for e in events if e[0] >= started), None)
        if end is None:
            continue
        last: tuple[datetime, int | None] | None = None
        for said in by_conversation.get(conversation_id, ()):
            if started <= said[0] <= end[0] and (last is None or said[0] > last[0]):
                last = said
        finished = last[0] if last is not None and end[1] == "customer_silent" else end[0]
        found.append((last[1] if last is not None else None, waited(started, finished)))
    return found


def _waits(escalated: Sequence[Escalated], now: datetime, waited: Waited) -> list[float]:
    """Seconds waited so far by the conversations still waiting for a person's first reply."""
    waiting = (Owner.QUEUED.value, Owner.OPERATOR.value)
    return [
        waited(started, now)
        for started, answered, owner, _, _ in escalated
        if started is not None and answered is None and owner in waiting
    ]


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None

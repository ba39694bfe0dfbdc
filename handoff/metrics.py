"""Numbers a support manager asks for: response times, load per operator, CSAT, deflection,
how often the bot's answers helped, and why and after which questions conversations reached a
person (:mod:`handoff.metrics_reasons`).

Computed in Python from a date range's rows rather than with dialect-specific SQL
(percentiles and date truncation differ between SQLite and PostgreSQL); a support team's
monthly volume is small enough for that, and the same code runs on both backends.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import helpful
from bot.ownership import Owner
from bot.rating import REASONS
from bot.storage.models import Conversation, Message, Operator, Rating, Transition, utcnow
from handoff import labels
from handoff.config import WorkingHours
from handoff.escalation import DaySpans, open_seconds
from handoff.metrics_reasons import handoffs

if TYPE_CHECKING:
    from bot.engine import Brain

Escalated = Row[datetime | None, datetime | None, str, int]  # escalated, answered, owner, id
Reply = Row[int | None, int, datetime]  # operator, conversation, at
Rated = Row[int, str | None, int | None, str]  # score, reason, operator, channel
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
    tz = ZoneInfo(timezone)
    waited = _clock(hours)

    withdrawn = await _withdrawn(session, since)
    escalated = [
        row
        for row in (
            await session.execute(
                select(
                    Conversation.escalated_at,
                    Conversation.first_response_at,
                    Conversation.owner,
                    Conversation.id,
                ).where(Conversation.escalated_at >= since, Conversation.escalated_at < until)
            )
        ).all()
        if row[3] not in withdrawn
    ]
    # Each answered conversation's wait, measured once (the per-operator table reuses it).
    answered_waits = {
        conversation_id: waited(started, answered)
        for started, answered, _, conversation_id in escalated
        if answered is not None and started is not None
    }
    response_times = list(answered_waits.values())
    within_goal = sum(1 for seconds in response_times if seconds <= goal_seconds)
    # Still waiting past the goal is already late, whatever the reply time will be; a wait
    # still within the goal is undecided and counts neither way.
    waits = _waits(escalated, utcnow(), waited)
    waiting_over_goal = sum(1 for seconds in waits if seconds > goal_seconds)
    late = len(response_times) - within_goal + waiting_over_goal

    replies = (
        await session.execute(
            select(Message.operator_id, Message.conversation_id, Message.created_at).where(
                Message.author == "operator",
                Message.kind == "message",
                Message.operator_id.is_not(None),
                Message.created_at >= since,
                Message.created_at < until,
            )
        )
    ).all()
    # One count per operator, local day and conversation, however many replies it took.
    handled = {
        (at.astimezone(tz).date().isoformat(), operator_id, conversation_id)
        for operator_id, conversation_id, at in replies
        if operator_id is not None
    }
    per_operator_day: Counter[tuple[str, int]] = Counter((day, op) for day, op, _ in handled)
    # Only what customers wrote after a person's first answer can wait for a later reply.
    said = (
        await session.execute(
            select(Message.conversation_id, Message.created_at)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.author == "customer",
                Message.kind == "message",
                Message.created_at >= since,
                Message.created_at < until,
                Conversation.first_response_at.is_not(None),
                Message.created_at > Conversation.first_response_at,
            )
        )
    ).all()
    answered_later = _reply_times(said, replies, waited)
    released: dict[int, list[tuple[datetime, str]]] = {}
    for conversation_id, at, why in (
        await session.execute(
            select(Transition.conversation_id, Transition.at, Transition.reason)
            .where(
                Transition.from_owner == Owner.OPERATOR.value,
                Transition.to_owner.in_([Owner.CLOSED.value, Owner.BOT.value]),
                Transition.at >= since,
            )
            .order_by(Transition.at)
        )
    ).all():
        released.setdefault(conversation_id, []).append((at, why))
    resolved = _resolutions(escalated, released, replies, waited)
    names = {op.id: op.display_name for op in (await session.scalars(select(Operator))).all()}

    rated = (
        await session.execute(
            select(Rating.score, Rating.reason, Rating.operator_id, Rating.channel).where(
                Rating.created_at >= since, Rating.created_at < until
            )
        )
    ).all()
    scores = [score for score, _, _, _ in rated]
    reasons = Counter(reason for _, reason, _, _ in rated if reason in REASONS)

    # A handoff the customer withdrew before any person answered: the bot resolved it.
    created = [
        (None if conversation_id in withdrawn else escalated_at, channel)
        for escalated_at, channel, conversation_id in (
            await session.execute(
                select(Conversation.escalated_at, Conversation.channel, Conversation.id).where(
                    Conversation.created_at >= since, Conversation.created_at < until
                )
            )
        ).all()
    ]
    without_person = sum(1 for escalated_at, _ in created if escalated_at is None)
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
            "ratings": len(scores),
            "average": round(sum(scores) / len(scores), 2) if scores else None,
            "share_4_5": _share(sum(1 for s in scores if s >= 4), len(scores)),
            # Why low ratings were low (bot/rating.py), in the buttons' order.
            "reasons": [
                {"reason": code, "title": title, "count": reasons[code]}
                for code, title in REASONS.items()
                if reasons[code]
            ],
        },
        "deflection": {
            "conversations": len(created),
            "without_person": without_person,
            "rate": _share(without_person, len(created)),
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
        "handoffs": (await handoffs(session, since, until, brain, withdrawn)).to_json(),
        # What the handed-over conversations were about, as operators labelled them.
        "labels": await labels.counted(session, since, until, brain.config.handoff.labels),
    }


async def _withdrawn(session: AsyncSession, since: datetime) -> set[int]:
    """Conversations whose latest handoff the customer cancelled before a person answered
    (``customer_cancelled`` after the handoff; a new handoff since resets ``escalated_at``)."""
    rows = await session.execute(
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
    return set(rows.scalars().all())


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
    scores: dict[int, list[int]] = {}
    for score, _, operator_id, _ in rated:
        if operator_id is not None:
            scores.setdefault(operator_id, []).append(score)
    closing, later = _by_operator(resolved), _by_operator(answered_later)
    report = []
    for operator_id in set(conversations) | set(scores) | set(closing):
        given = scores.get(operator_id, [])
        report.append(
            {
                "operator_id": operator_id,
                "operator": names.get(operator_id, f"#{operator_id}"),
                "conversations": len(conversations.get(operator_id, ())),
                "first_response_p50_seconds": _round(percentile(waits.get(operator_id, []), 0.5)),
                "reply_p50_seconds": _round(percentile(later.get(operator_id, []), 0.5)),
                "resolved": len(closing.get(operator_id, ())),
                "resolution_p50_seconds": _round(percentile(closing.get(operator_id, []), 0.5)),
                "ratings": len(given),
                "csat_average": round(sum(given) / len(given), 2) if given else None,
                "low_ratings": sum(1 for s in given if s <= 3),
            }
        )
    return sorted(report, key=lambda r: (-r["conversations"], r["operator"]))


def _clock(hours: WorkingHours | None) -> Waited:
    if hours is None:
        return lambda start, end: (end - start).total_seconds()
    spans: DaySpans = {}  # a month of waits, each day's hours worked out once
    return lambda start, end: open_seconds(hours, start, end, spans)


def _per_channel(
    created: Sequence[tuple[datetime | None, str]], rated: Sequence[Rated]
) -> list[dict[str, Any]]:
    """Conversations started in each channel, how many a person took, and the ratings there;
    the busiest channel first."""
    started: Counter[str] = Counter(channel for _, channel in created)
    handed = Counter(channel for escalated_at, channel in created if escalated_at is not None)
    scores: dict[str, list[int]] = {}
    for score, _, _, channel in rated:
        scores.setdefault(channel, []).append(score)
    report = []
    for channel in sorted(started, key=lambda c: (-started[c], c)):
        given = scores.get(channel, [])
        report.append(
            {
                "channel": channel,
                "conversations": started[channel],
                "handed_over": handed[channel],
                "without_person_rate": _share(started[channel] - handed[channel], started[channel]),
                "ratings": len(given),
                "csat_average": round(sum(given) / len(given), 2) if given else None,
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
        by_conversation.setdefault(conversation_id, []).append((at, operator_id))
    found = []
    for started, answered, _, conversation_id in escalated:
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
        for started, answered, owner, _ in escalated
        if started is not None and answered is None and owner in waiting
    ]


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None

"""Numbers a support manager asks for: response times, load per operator, CSAT, deflection,
how often the bot's answers helped, and why and after which questions conversations reached a
person (:mod:`handoff.metrics_reasons`).

Each handover to people is counted once, from its own row (:mod:`bot.storage.handoffs`): a
conversation handed over, given back to the bot and handed over again counts twice, and its
first handover's first response, later replies and resolution stay what they were.

Computed in Python from a date range's rows rather than with dialect-specific SQL
(percentiles and date truncation differ between SQLite and PostgreSQL); a support team's
monthly volume is small enough for that, and the same code runs on both backends. What is the
same in every dialect — counts per channel, ratings grouped by score — is counted by the
database, and the rows are read through the session's connection (Core rows, without the ORM's
per-row work; the period indexes carry the columns read): a month of 30 000 handoffs in about
a second of CPU (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import helpful
from bot.rating import REASONS
from bot.storage import handoffs
from bot.storage.models import Conversation, Handoff, Message, Operator, Rating, utcnow
from handoff import labels
from handoff.config import WorkingHours
from handoff.metrics_handoffs import (
    Episode,
    Reply,
    Said,
    Timed,
    Waited,
    first_answers,
    last_replies,
    reply_times,
    resolutions,
    still_waiting,
    unanswered,
)
from handoff.metrics_reasons import reasons_and_topics
from handoff.metrics_rows import moment, rows, without_jit
from handoff.team_hours import LocalDates, TeamClock

if TYPE_CHECKING:
    from bot.engine import Brain

Rated = Row[int, str | None, int | None, str, int]  # score, reason, operator, channel, how many


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` (in [0, 1]) percentile, linearly interpolated between the two nearest
    values (as Excel's PERCENTILE.INC and NumPy by default): the median of an even count is
    the mean of the two middle values; None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    below = math.floor(rank)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)


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
    reply count only working hours (:func:`handoff.team_hours.open_seconds`)."""
    until = until or utcnow() + timedelta(seconds=1)
    local_date = LocalDates(ZoneInfo(timezone))
    waited = _clock(hours)
    await without_jit(session)

    episodes: Sequence[Episode] = await rows(
        session,
        select(
            Handoff.id,
            Handoff.conversation_id,
            moment(Handoff.escalated_at),
            moment(Handoff.first_response_at),
            Handoff.first_operator_id,
            Handoff.reason,
            moment(Handoff.ended_at),
            Handoff.outcome,
        ).where(Handoff.escalated_at >= since, Handoff.escalated_at < until),
    )
    # A handoff the customer withdrew before any person answered is the bot's, not a handoff.
    escalated = [e for e in episodes if e[7] != handoffs.WITHDRAWN or e[3] is not None]
    withdrawn = len(episodes) - len(escalated)
    # Each answered handoff's wait, measured once (the per-operator table reuses it).
    answered_waits = {
        handoff_id: waited(started, answered)
        for handoff_id, _, started, answered, *_ in escalated
        if answered is not None
    }
    response_times = list(answered_waits.values())
    within_goal = sum(1 for seconds in response_times if seconds <= goal_seconds)
    # Still waiting past the goal is already late, whatever the reply time will be; a wait
    # still within the goal is undecided and counts neither way.
    waits = still_waiting(escalated, utcnow(), waited)
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
    # Only what customers wrote after a person's first answer in a handoff, before it ended,
    # can wait for a later reply.
    said: Sequence[Said] = await rows(
        session,
        select(
            Handoff.id,
            Handoff.conversation_id,
            moment(Message.created_at),
            moment(Handoff.first_response_at),
            moment(Handoff.ended_at),
        )
        .join(Handoff, Handoff.conversation_id == Message.conversation_id)
        .where(
            Message.author == "customer",
            Message.kind == "message",
            Message.created_at >= since,
            Message.created_at < until,
            Handoff.first_response_at.is_not(None),
            Message.created_at > Handoff.first_response_at,
            or_(Handoff.ended_at.is_(None), Message.created_at <= Handoff.ended_at),
        ),
    )
    by_conversation: dict[int, list[Reply]] = {}
    for reply in replies:
        by_conversation.setdefault(reply[1], []).append(reply)
    answered_later = reply_times(said, by_conversation, waited)
    resolved = resolutions(escalated, last_replies(escalated, by_conversation), waited)
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
    # a handoff the customer withdrew before any person answered is the bot's. A visit where
    # the customer never wrote (the web chat opened, «(открыл чат)») is no conversation.
    handed = Conversation.id.in_(select(Handoff.conversation_id).where(_kept()))
    counted = handed | _wrote()
    created = [
        (channel, int(started), int(taken))
        for channel, started, taken in await rows(
            session,
            select(
                Conversation.channel,
                func.count(case((counted, 1))),
                func.count(case((handed, 1))),
            )
            .where(Conversation.created_at >= since, Conversation.created_at < until)
            .group_by(Conversation.channel),
        )
    ]
    created = [line for line in created if line[1]]
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
            "cancelled": withdrawn,
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
            # What customers wrote after the first answer, and how much of it, in handoffs
            # still open, no reply has followed: «ответов 0» is not «клиенты не писали».
            "written": len(said),
            "waiting": unanswered(said, by_conversation),
        },
        "operators": _per_operator(
            first_answers(escalated, answered_waits, by_conversation),
            replies,
            rated,
            names,
            resolved,
            answered_later,
        ),
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
            await reasons_and_topics(
                session,
                since,
                until,
                brain,
                [(handoff_id, why) for handoff_id, _, _, _, _, why, _, _ in escalated],
            )
        ).to_json(),
        # What the handed-over conversations were about, as operators labelled them.
        "labels": await labels.counted(
            session,
            since,
            until,
            brain.config.handoff.labels,
            len({conversation_id for _, conversation_id, *_ in episodes}),
        ),
    }


def _kept() -> ColumnElement[bool]:
    """A handoff that counts: answered, or not withdrawn by the customer."""
    return or_(
        Handoff.first_response_at.is_not(None),
        func.coalesce(Handoff.outcome, "") != handoffs.WITHDRAWN,
    )


def _wrote() -> ColumnElement[bool]:
    """The customer wrote something in the conversation: a text, a button, a file or a
    location — not only opened the chat (an empty message in the web chat, Telegram's «Start»
    button: «/start» alone). An erased conversation counts as it did before its texts went."""
    return Conversation.erased_at.is_not(None) | (
        select(Message.id)
        .where(
            Message.conversation_id == Conversation.id,
            Message.author == "customer",
            Message.kind == "message",
            or_(
                Message.text.not_in(("", "/start")),
                Message.data["attachments"].as_string().is_not(None),
            ),
        )
        .exists()
    )


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
    answered_first: Sequence[Timed],
    replies: Sequence[Reply],
    rated: Sequence[Rated],
    names: dict[int, str],
    resolved: Sequence[Timed] = (),
    answered_later: Sequence[Timed] = (),
) -> list[dict[str, Any]]:
    """Each operator's period: conversations they replied in, the median wait of the handoffs
    they answered first, the median resolution of those they let go, and their ratings (a team
    lead's per-agent report)."""
    conversations: dict[int, set[int]] = {}
    for operator_id, conversation_id, _ in replies:
        if operator_id is not None:
            conversations.setdefault(operator_id, set()).add(conversation_id)
    scores: dict[int, _Scores] = {}
    for score, _, operator_id, _, n in rated:
        if operator_id is not None:
            scores.setdefault(operator_id, _Scores()).add(score, n)
    waits = _by_operator(answered_first)
    closing, later = _by_operator(resolved), _by_operator(answered_later)
    report = []
    for operator_id in set(conversations) | set(scores) | set(closing) | set(waits):
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


def _by_operator(timed: Sequence[Timed]) -> dict[int, list[float]]:
    found: dict[int, list[float]] = {}
    for operator_id, seconds in timed:
        if operator_id is not None:
            found.setdefault(operator_id, []).append(seconds)
    return found


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None

"""Routing: who gets a queued conversation.

A queued conversation goes to the least-loaded *online* operator of its team who has a free
slot (ties: the one idle longest). Taking is a conditional update (``WHERE owner = 'queued'``),
so two operators — or an operator and the auto-assigner — can never both get it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ownership import Owner, check_move
from bot.storage import handoffs
from bot.storage.models import Conversation, Operator, Transition, utcnow
from handoff.config import HandoffConfig, WorkingHours
from handoff.escalation import Reason
from handoff.team_hours import is_open, next_opening
from knowledge_base.models import KnowledgeBase

JOINED = Reason.OPERATOR_JOINED.value


@dataclass(frozen=True, slots=True)
class Load:
    operator: Operator
    active: int

    @property
    def free(self) -> int:
        return max(self.operator.capacity - self.active, 0)


async def operator_loads(session: AsyncSession, team: str | None = None) -> list[Load]:
    """Online operators (of ``team`` if given) with how many conversations they hold."""
    active = (
        select(Conversation.operator_id, func.count().label("n"))
        .where(Conversation.owner == Owner.OPERATOR.value)
        .group_by(Conversation.operator_id)
        .subquery()
    )
    rows = await session.execute(
        select(Operator, func.coalesce(active.c.n, 0))
        .outerjoin(active, active.c.operator_id == Operator.id)
        .where(Operator.status == "online", Operator.active.is_(True))
        .order_by(Operator.id)
    )
    loads = [Load(op, int(n)) for op, n in rows.all()]
    if team is not None:
        loads = [load for load in loads if not load.operator.teams or team in load.operator.teams]
    return loads


async def closed_until(
    session: AsyncSession, team: str | None, hours: WorkingHours, now: datetime
) -> datetime | None:
    """Is ``team`` answering now? The one answer every word to the customer about a person
    follows — the web chat's header, the hand-off, the queued status, an operator who left, a
    transfer. None when it is: within working hours, or out of them while someone of the team
    is «В сети» (even with every slot taken: a person answers tonight, so «завтра в 9:00» would
    not be true, and the customer hears the queue's honest estimate instead). Otherwise when
    the team is back (:func:`handoff.team_hours.next_opening`)."""
    if is_open(hours, now) or await operator_loads(session, team):
        return None
    return next_opening(hours, now)


PASSED_ON_BY = "passed_on_by"  # context key: the operator who passed it to a team
PASSED_ON_AT = "passed_on_at"  # context key: when (ISO time)


def passed_on_by(conversation: Conversation, now: datetime, config: HandoffConfig) -> int | None:
    """The operator who passed this queued conversation to its team and must not get it
    straight back: a colleague's for ``handoff.transfer_return_minutes``, after which (nobody
    having taken it) the passer is a candidate again. None: anyone of the team may take it."""
    context = conversation.context or {}
    who, at = context.get(PASSED_ON_BY), context.get(PASSED_ON_AT)
    if not isinstance(who, int):
        return None
    if isinstance(at, str) and now >= back_after(datetime.fromisoformat(at), config):
        return None
    return who


def back_after(passed_at: datetime, config: HandoffConfig) -> datetime:
    return passed_at + timedelta(minutes=config.transfer_return_minutes)


def choose(loads: list[Load]) -> Operator | None:
    """Least loaded relative to capacity; ties go to whoever was seen idle the longest."""
    candidates = [load for load in loads if load.free > 0]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda load: (
            load.active / max(load.operator.capacity, 1),
            load.operator.last_seen_at or load.operator.created_at,
            load.operator.id,
        ),
    )
    return best.operator


async def take(
    session: AsyncSession,
    conversation_id: int,
    operator_id: int,
    *,
    actor: str,
    reason: str = "taken",
    allowed_from: tuple[Owner, ...] = (Owner.QUEUED,),
) -> bool:
    """Give the conversation to ``operator_id`` if it is still in an allowed state.

    Returns False (and changes nothing) when someone else got there first.
    """
    current = await session.scalar(
        select(Conversation.owner).where(Conversation.id == conversation_id)
    )
    if current is None or Owner(current) not in allowed_from:
        return False
    check_move(current, Owner.OPERATOR, reason)
    now = utcnow()
    taking = update(Conversation).where(
        Conversation.id == conversation_id, Conversation.owner == current
    )
    joined = current == Owner.BOT.value
    if joined:  # an operator joins a bot conversation: a handover, its wait starts now
        taking = taking.values(escalated_at=now, escalation_reason=JOINED, first_response_at=None)
    result = await session.execute(
        taking.values(owner=Owner.OPERATOR.value, operator_id=operator_id, updated_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    if joined:
        handoffs.record(session, conversation_id, JOINED, now)
    session.add(
        Transition(
            conversation_id=conversation_id,
            from_owner=current,
            to_owner=Owner.OPERATOR.value,
            reason=reason,
            actor=actor,
            at=now,
        )
    )
    await session.flush()
    conversation = await session.get(Conversation, conversation_id)
    if conversation is not None:
        await session.refresh(conversation)
    return True


async def auto_assign(session: AsyncSession, conversation: Conversation) -> Operator | None:
    """Assign a just-queued conversation if a suitable operator has room."""
    operator = choose(await operator_loads(session, conversation.team))
    if operator is None:
        return None
    ok = await take(session, conversation.id, operator.id, actor="router", reason="auto_assigned")
    return operator if ok else None


async def recent_handling_minutes(
    session: AsyncSession,
    default: float,
    *,
    sample: int = 50,
    within: timedelta = timedelta(days=7),
) -> float:
    """Median minutes an operator spent on a conversation lately (first reply → close).

    The expected wait we tell a customer is built on this, so it follows how the team actually
    works; with too little history it falls back to the configured default.
    """
    rows = (
        await session.execute(
            select(Conversation.first_response_at, Conversation.closed_at)
            .where(
                Conversation.first_response_at.is_not(None),
                Conversation.closed_at.is_not(None),
                Conversation.closed_at >= utcnow() - within,
            )
            .order_by(Conversation.closed_at.desc())
            .limit(sample)
        )
    ).all()
    durations = [
        (closed - first).total_seconds() / 60 for first, closed in rows if closed and first
    ]
    if len(durations) < 5:
        return default
    return max(statistics.median(durations), 0.5)


async def known_teams(session: AsyncSession, config: HandoffConfig, kb: KnowledgeBase) -> set[str]:
    """Every team a conversation can be passed to: the default and complaint teams, those
    with a title in ``handoff.team_titles``, the operators' teams and those FAQ entries name."""
    rows = (await session.scalars(select(Operator.teams))).all()
    teams = {config.default_team, *config.team_titles, *(t for ts in rows for t in (ts or []))}
    if config.complaint_team:
        teams.add(config.complaint_team)
    teams.update(e.team for e in kb.entries.values() if e.team)
    return teams

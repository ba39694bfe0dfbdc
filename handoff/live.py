"""What the support floor looks like right now, for the team lead («Сейчас» on the statistics
page, ``GET /api/v1/metrics/live``).

The period's figures (:mod:`handoff.metrics`) say how last week went; a lead watching the
queue needs the present: how many customers wait in each team's queue and for how long, who is
online with how many free slots, and which operator has customers waiting for a reply — and
since when. A customer waits for a reply when the operator has not answered yet since the
handoff, or when the customer wrote after the operator's last message; the bot's lines
(«Оператор Анна уже читает…») are no reply. An operator who passed every conversation waiting
in a team's queue to that team counts neither as online nor as free slots there: they will not
get those back for ``handoff.transfer_return_minutes``, so a queue only they could serve shows
as unserved (red), not as served.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ownership import Owner
from bot.storage.models import Conversation, Operator
from handoff import routing
from handoff.config import HandoffConfig
from handoff.service import CONSOLE_ROLES
from handoff.team_hours import sla_seconds
from handoff.waiting import owed_since

STATUS_ORDER = {"online": 0, "away": 1, "offline": 2}


@dataclass(frozen=True, slots=True)
class TeamNow:
    team: str
    title: str
    waiting: int  # conversations in the team's queue
    oldest_wait_seconds: float | None  # the longest a queued customer has waited since the handoff
    over_goal: int  # queued and unanswered longer than the first-response goal
    online: int  # operators of the team online who can take from its queue (not a passer)
    free_slots: int  # their capacity not in use


@dataclass(frozen=True, slots=True)
class OperatorNow:
    id: int
    name: str
    status: str
    active: int  # conversations they hold
    capacity: int
    teams: list[str]  # titles
    awaiting_reply: int  # of those, where the customer waits for their reply
    oldest_unanswered_seconds: float | None


@dataclass(frozen=True, slots=True)
class Live:
    goal_seconds: int
    teams: list[TeamNow]
    operators: list[OperatorNow]


def _seconds(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else max((now - since).total_seconds(), 0.0)


async def snapshot(session: AsyncSession, config: HandoffConfig, now: datetime) -> Live:
    goal = config.sla_first_response_seconds
    titles = config.team_titles
    operators = [
        op
        for op in (await session.scalars(select(Operator).where(Operator.active.is_(True)))).all()
        if op.role in CONSOLE_ROLES
    ]
    open_rows = (
        await session.scalars(
            select(Conversation).where(
                Conversation.owner.in_([Owner.QUEUED.value, Owner.OPERATOR.value])
            )
        )
    ).all()
    queued = [c for c in open_rows if c.owner == Owner.QUEUED.value]
    held = [c for c in open_rows if c.owner == Owner.OPERATOR.value]
    since = await owed_since(session, held)

    by_operator: dict[int, list[Conversation]] = defaultdict(list)
    for conversation in held:
        if conversation.operator_id is not None:
            by_operator[conversation.operator_id].append(conversation)

    people = []
    for op in operators:
        mine = by_operator.get(op.id, [])
        owed = [s for c in mine if (s := since.get(c.id)) is not None]
        people.append(
            OperatorNow(
                id=op.id,
                name=op.display_name,
                status=op.status,
                active=len(mine),
                capacity=op.capacity,
                teams=[titles.get(t, t) for t in op.teams or []],
                awaiting_reply=len(owed),
                oldest_unanswered_seconds=_seconds(now, min(owed, default=None)),
            )
        )
    people.sort(key=lambda p: (STATUS_ORDER.get(p.status, 3), p.name))

    by_team: dict[str, list[Conversation]] = defaultdict(list)
    for conversation in queued:
        by_team[conversation.team or config.default_team].append(conversation)
    online = [op for op in operators if op.status == "online"]
    served = {t for op in online for t in op.teams or []}
    names = sorted({config.default_team, *by_team, *served})
    teams = []
    for team in names:
        waiting = by_team.get(team, [])
        starts = [c.escalated_at or c.updated_at for c in waiting]
        # Who can take something from this queue: not an operator who passed every waiting
        # conversation on to the team (they get none of them back for a while).
        passers = [routing.passed_on_by(c, now, config) for c in waiting]
        members = [
            op
            for op in online
            if (not op.teams or team in op.teams)
            and not (waiting and all(p == op.id for p in passers))
        ]
        teams.append(
            TeamNow(
                team=team,
                title=titles.get(team, team),
                waiting=len(waiting),
                oldest_wait_seconds=_seconds(now, min(starts, default=None)),
                over_goal=sum(
                    1
                    for c, start in zip(waiting, starts, strict=True)
                    if c.first_response_at is None and sla_seconds(config, start, now) > goal
                ),
                online=len(members),
                free_slots=sum(
                    max(op.capacity - len(by_operator.get(op.id, [])), 0) for op in members
                ),
            )
        )
    return Live(goal_seconds=goal, teams=teams, operators=people)

"""What the web chat's header says about people before the customer writes a word
(``GET /webchat/api/availability``).

«Бот отвечает сразу, оператор — в рабочее время» told nothing. Like the chat widgets customers
know, the header says what a person's answer looks like right now, from the same figures the
handoff uses (:mod:`handoff.escalation`, :mod:`handoff.waiting`):

* someone of the default team is online with a free slot — ``utter_chat_status_online``
  («Бот отвечает сразу, операторы на связи»);
* working hours — or out of them with someone of the team online, as the hand-off then names
  the minutes too (:func:`handoff.routing.closed_until` decides for both) — nobody free:
  ``utter_chat_status_queue`` with the wait a new customer would be told at the handoff
  («…оператор — примерно через 6 минут»);
* working hours, nobody of the team online at all (everyone «Не на месте» or «Не в сети») —
  ``utter_chat_status_nobody_online`` («…операторов сейчас нет на месте»), as the handoff then
  promises no minutes either (a project without it gets the queue's line with the estimate);
* out of hours and nobody online — ``utter_chat_status_closed`` with when the team is back
  («…операторы — завтра в 9:00»).

The texts live in ``domain.yml``; a project without them keeps the page's own line (the answer
then has no ``text``). Public and read-only, so it is computed at most every
:data:`CACHE_SECONDS` per process however many visitors open the chat.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import Domain
from bot.ownership import Owner
from bot.storage.models import Conversation, utcnow
from handoff import routing, team_hours
from handoff.config import HandoffConfig
from handoff.web.context import Console

CACHE_SECONDS = 15.0
ONLINE = "utter_chat_status_online"
QUEUE = "utter_chat_status_queue"
CLOSED = "utter_chat_status_closed"
NOBODY_ONLINE = "utter_chat_status_nobody_online"
CHANNEL = "webchat"


@dataclass(frozen=True, slots=True)
class Availability:
    state: str  # online | queue | nobody_online | closed
    text: str | None  # the header line; None: the project has no such response
    wait_minutes: int | None = None
    back_at: str | None = None


async def availability(
    session: AsyncSession, config: HandoffConfig, domain: Domain, now: datetime
) -> Availability:
    """What a customer who asked for a person now would get."""
    team = config.default_team
    loads = await routing.operator_loads(session, team)
    free = sum(load.free for load in loads)
    if free > 0:
        return Availability("online", _say(domain, ONLINE))
    # The same answer as the hand-off's: someone online (even full) answers tonight.
    back = await routing.closed_until(session, team, config.working_hours, now)
    if back is not None:
        back_at = team_hours.format_back_at(back, now)
        hours = team_hours.usual_hours(config.working_hours)
        said = _say(domain, CLOSED, back_at=back_at, hours=hours)
        return Availability("closed", said, back_at=back_at)
    if not loads and NOBODY_ONLINE in domain.responses:
        return Availability("nobody_online", _say(domain, NOBODY_ONLINE))
    queued = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.owner == Owner.QUEUED.value, Conversation.team == team)
    )
    minutes = team_hours.estimate_wait_minutes(
        int(queued or 0),
        online_operators=len(loads),
        free_slots=free,
        avg_handling_minutes=await routing.recent_handling_minutes(
            session, config.default_handling_minutes
        ),
    )
    wait = team_hours.plural_minutes(minutes)
    return Availability("queue", _say(domain, QUEUE, wait_minutes=wait), wait_minutes=minutes)


def _say(domain: Domain, name: str, **values: object) -> str | None:
    if name not in domain.responses:
        return None
    return domain.render(name, CHANNEL, **values).text


def availability_routes(
    console: Console, clock: Callable[[], float] = time.monotonic
) -> list[BaseRoute]:
    cached: dict[str, tuple[float, Availability]] = {}

    async def get_availability(request: Request) -> Response:
        now = clock()
        kept = cached.get("now")
        if kept is None or now - kept[0] >= CACHE_SECONDS:
            brain = console.brain()
            async with console.db.read() as session:
                found = await availability(session, brain.config.handoff, brain.domain, utcnow())
            kept = cached["now"] = (now, found)
        return JSONResponse(asdict(kept[1]), headers={"Cache-Control": "no-store"})

    return [Route("/webchat/api/availability", get_availability, methods=["GET"])]

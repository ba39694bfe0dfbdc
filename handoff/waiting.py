"""A customer waiting in the queue longer than they were told hears so from us.

At the handoff the customer reads how long the wait should be («подключится примерно через
3 минуты», or «ответим завтра в 9:00» out of hours), and :func:`promise` keeps that moment in
the conversation. If nobody has answered ``handoff.wait_update_after_minutes`` past it, the
maintenance loop (:class:`WaitingNotices`, about once a minute) apologises with a fresh
estimate and where they are in the queue (``utter_handoff_still_waiting``: «перед вами в
очереди 2 обращения, ответим примерно через 6 минут»), or, if the working day ended meanwhile
and nobody of the team is online (:func:`handoff.routing.closed_until`, which every promise
follows), when the team is back (``utter_handoff_still_waiting_offline``). The new estimate is
the next promise; ``handoff.wait_updates`` caps how many such messages one handoff gets.
Silence after a promise that did not hold is what makes a customer write «алло??» three times,
then leave.

Once an operator answers, the operator's own words are what the customer waits for and the
promise is void (:func:`forget`). If that operator then goes away or offline while the customer
waits for their reply, the conversation returns to the queue; unless a colleague takes it at once
(«Оператор Борис уже читает…»), :func:`tell_released` says so — the conversation went to
colleagues who see all of it, and when to expect an answer (``utter_handoff_operator_left``, or
``utter_handoff_operator_left_offline`` with when the team is back) — and that is a new promise
the updates above keep. A customer who was not waiting (the operator spoke last) hears nothing.

In working hours with nobody of the team online (every operator «Не на месте» or «Не в сети»)
no minutes are promised: the handoff says so (``utter_handoff_nobody_online``, bot/handover.py)
and keeps no promise, so no «ждать приходится дольше, чем я обещал» follows; the first colleague
back takes it («Оператор … уже читает»). A promise of minutes that is overdue while nobody is
online gets ``utter_handoff_still_waiting_nobody_online`` (the delay, and that a colleague
answers once back) and ends there; so do the operator-left and transfer messages (their
``_nobody_online`` variants). A project without those responses hears the estimate as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.bus import Bus, BusEvent
from bot.config import Domain
from bot.events import Outbound
from bot.ownership import Owner
from bot.russian import plural
from bot.storage import outgoing, repo
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, utcnow
from handoff import routing, team_hours
from handoff.config import HandoffConfig

# context key: {"due": iso time, "updates": how many were sent, "requeued": after a reply?}
PROMISE = "wait_promise"
BATCH = 200  # customers told per round at most
PAGE = 500  # queued conversations read at a time while looking for them
STILL_WAITING = "utter_handoff_still_waiting"
STILL_WAITING_OFFLINE = "utter_handoff_still_waiting_offline"
# Out of hours, the first of these the domain has (utter_handoff_offline is required).
OFFLINE_RESPONSES = (STILL_WAITING_OFFLINE, "utter_handoff_queued_offline", "utter_handoff_offline")
OPERATOR_LEFT = "utter_handoff_operator_left"
OPERATOR_LEFT_OFFLINE = "utter_handoff_operator_left_offline"
TRANSFERRED = "utter_handoff_transferred"
TRANSFERRED_OFFLINE = "utter_handoff_transferred_offline"
# In working hours with nobody of the team online (everyone «Не на месте» or «Не в сети»): no
# minutes are promised, only that a colleague answers once back. Deleted: the estimate as before.
STILL_WAITING_NOBODY = "utter_handoff_still_waiting_nobody_online"
OPERATOR_LEFT_NOBODY = "utter_handoff_operator_left_nobody_online"
TRANSFERRED_NOBODY = "utter_handoff_transferred_nobody_online"


@dataclass(frozen=True, slots=True)
class Expected:
    """What a queued conversation may expect: ``minutes`` until a person answers (with nobody
    online, the queue at one operator's pace — only said where a project has no honest words
    for that), ``ahead`` conversations before it, and whether nobody of its team is online."""

    minutes: int
    ahead: int
    nobody_online: bool


def promise(
    conversation: Conversation, due: datetime, *, updates: int = 0, requeued: bool = False
) -> None:
    """Remember when the customer was told a person would answer.

    ``requeued``: made after an operator had answered (their operator left), so it holds even
    though the conversation has a first response."""
    kept: dict[str, Any] = {"due": due.isoformat(), "updates": updates}
    if requeued or (_due(conversation) or (None, 0, False))[2]:
        kept["requeued"] = True
    conversation.context = {**(conversation.context or {}), PROMISE: kept}


def forget(conversation: Conversation) -> None:
    """An operator answered: what the customer was told about the wait no longer matters."""
    if PROMISE in (conversation.context or {}):
        conversation.context = {
            k: v for k, v in (conversation.context or {}).items() if k != PROMISE
        }


def queue_text(ahead: int) -> str:
    """«вы следующий в очереди», «перед вами в очереди 2 обращения»."""
    if ahead <= 0:
        return "вы следующий в очереди"
    noun = plural(ahead, "обращение", "обращения", "обращений")
    return f"перед вами в очереди {ahead} {noun}"


async def expected_wait_minutes(
    session: AsyncSession, conversation: Conversation, config: HandoffConfig
) -> Expected:
    """The wait of a queued conversation, from the queue ahead of it, the colleagues of its
    team online and free and the recent handling time."""
    loads = await routing.operator_loads(session, conversation.team)
    now = utcnow()
    passer = routing.passed_on_by(conversation, now, config)
    others = [load for load in loads if load.operator.id != passer]
    ahead = await repo.queue_position(session, conversation)
    minutes = team_hours.estimate_wait_minutes(
        ahead,
        online_operators=len(others),
        free_slots=sum(load.free for load in others),
        avg_handling_minutes=await routing.recent_handling_minutes(
            session, config.default_handling_minutes
        ),
    )
    if passer is not None and len(others) < len(loads):
        # The operator who passed it on may take it back then, whatever the others do.
        at = datetime.fromisoformat(str((conversation.context or {})[routing.PASSED_ON_AT]))
        back = math.ceil((routing.back_after(at, config) - now).total_seconds() / 60)
        minutes = max(1, min(minutes, back) if others else back)
    return Expected(minutes, ahead, nobody_online=not loads)


def about_minutes(n: int) -> str:
    """«около 1 минуты», «около 3 минут», «около 21 минуты»: the genitive after «около»
    (:func:`handoff.team_hours.plural_minutes` is the accusative after «через»)."""
    return f"{n} {plural(n, 'минуты', 'минут', 'минут')}"


def _due(conversation: Conversation) -> tuple[datetime, int, bool] | None:
    kept: Any = (conversation.context or {}).get(PROMISE)
    if not isinstance(kept, dict) or not isinstance(kept.get("due"), str):
        return None
    return (
        datetime.fromisoformat(kept["due"]),
        int(kept.get("updates", 0)),
        bool(kept.get("requeued", False)),
    )


def _is_overdue(conversation: Conversation, late: datetime, config: HandoffConfig) -> bool:
    kept = _due(conversation)
    if kept is None or kept[0] > late or kept[1] >= config.wait_updates:
        return False
    # A first response voids the handoff's promise; only one made since (requeued) holds.
    return conversation.first_response_at is None or kept[2]


async def overdue(
    session: AsyncSession, now: datetime, config: HandoffConfig, limit: int = BATCH
) -> list[Conversation]:
    """Up to ``limit`` queued conversations nobody has answered whose promise passed more
    than ``wait_update_after_minutes`` ago and that have updates left, oldest first.

    The promise lives in the conversation's JSON context, so the queue is read page by page
    (a long queue of customers already told twice does not hide the others); the overdue ones
    are then locked on PostgreSQL (``SKIP LOCKED``) and checked again, so two processes never
    apologise twice and a customer message being written is not held up by the scan."""
    late = now - timedelta(minutes=config.wait_update_after_minutes)
    found: list[int] = []
    after = 0
    while len(found) < limit:
        page = (
            await session.scalars(
                select(Conversation)
                .where(Conversation.owner == Owner.QUEUED.value, Conversation.id > after)
                .order_by(Conversation.id)
                .limit(PAGE)
            )
        ).all()
        found += [c.id for c in page if _is_overdue(c, late, config)]
        if len(page) < PAGE:
            break
        after = page[-1].id
    if not found:
        return []
    query = (
        select(Conversation)
        .where(Conversation.id.in_(found[:limit]), Conversation.owner == Owner.QUEUED.value)
        .order_by(Conversation.id)
        .execution_options(populate_existing=True)
    )
    if repo.is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    locked = (await session.scalars(query)).all()
    return [c for c in locked if _is_overdue(c, late, config)]


class WaitingNotices:
    """The maintenance job that tells overdue customers. One per process."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        settings: Callable[[], tuple[HandoffConfig, Domain]],
        wake: Callable[[], None],
    ) -> None:
        self.db = db
        self.bus = bus
        self._settings = settings
        self._wake = wake

    async def run(self, now: datetime | None = None) -> list[int]:
        """Tell every overdue customer; returns their conversations' ids."""
        config, domain = self._settings()
        if not config.wait_updates or STILL_WAITING not in domain.responses:
            return []
        now = now or utcnow()
        told: list[Conversation] = []
        async with self.db.write() as session:
            for conversation in await overdue(session, now, config):
                await self._tell(session, conversation, config, domain, now)
                told.append(conversation)
        if told:
            self._wake()
            for conversation in told:
                self.bus.publish(
                    BusEvent(
                        "message", conversation.id, conversation.customer_id, {"owner": "queued"}
                    )
                )
        return [conversation.id for conversation in told]

    async def _tell(
        self,
        session: AsyncSession,
        conversation: Conversation,
        config: HandoffConfig,
        domain: Domain,
        now: datetime,
    ) -> None:
        kept = _due(conversation)
        name, text, told = await _renew(
            session,
            conversation,
            config,
            domain,
            now,
            open_response=STILL_WAITING,
            nobody_response=STILL_WAITING_NOBODY,
            closed_responses=OFFLINE_RESPONSES,
            updates=(kept[1] if kept else 0) + 1,
        )
        await repo.add_event(
            session, conversation, f"Ожидание затянулось, клиенту сообщено: {told}"
        )
        outgoing.enqueue(session, conversation, text, data={"response": name})


async def owed_since(
    session: AsyncSession, conversations: list[Conversation]
) -> dict[int, datetime | None]:
    """For each conversation, since when the customer has waited for an operator's reply
    (None: an operator spoke last). Until the first reply, since the handoff; after it, since
    the customer's first message following the operator's last one. Bot lines are no reply."""
    if not conversations:
        return {}
    replied = aliased(Message)
    last_reply = (
        select(func.coalesce(func.max(replied.id), 0))
        .where(
            replied.conversation_id == Message.conversation_id,
            replied.author == "operator",
            replied.kind == "message",
        )
        .scalar_subquery()
    )
    unanswered = dict(
        (
            await session.execute(
                select(Message.conversation_id, func.min(Message.created_at))
                .where(
                    Message.conversation_id.in_([c.id for c in conversations]),
                    Message.author == "customer",
                    Message.kind == "message",
                    Message.id > last_reply,
                )
                .group_by(Message.conversation_id)
            )
        ).all()
    )
    since: dict[int, datetime | None] = {}
    for conversation in conversations:
        if conversation.first_response_at is None:  # the first reply is still owed
            since[conversation.id] = conversation.escalated_at or conversation.updated_at
        else:
            since[conversation.id] = unanswered.get(conversation.id)
    return since


async def tell_released(
    db: Database,
    ids: list[int],
    operator: str,
    config: HandoffConfig,
    domain: Domain,
    now: datetime | None = None,
) -> list[int]:
    """The operator ``operator`` went away or offline and these conversations went back to the
    queue. Each one still queued whose customer waits for a reply is told that colleagues have
    it and when to expect an answer; that becomes its promise. Returns the ids told."""
    if not ids or OPERATOR_LEFT not in domain.responses:
        return []
    async with db.write() as session:
        return await _tell_released(session, ids, operator, config, domain, now or utcnow())


async def tell_transferred(
    db: Database,
    conversation_id: int,
    team: str,
    config: HandoffConfig,
    domain: Domain,
    now: datetime | None = None,
) -> bool:
    """An operator passed the conversation to the team titled ``team`` and nobody took it at
    once: the customer hears that colleagues there have it and when to expect an answer
    (:data:`TRANSFERRED`; out of hours :data:`TRANSFERRED_OFFLINE`, when the team is back),
    which is the new promise."""
    if TRANSFERRED not in domain.responses:
        return False
    async with db.write() as session:
        query = (
            select(Conversation)
            .where(Conversation.id == conversation_id, Conversation.owner == Owner.QUEUED.value)
            .execution_options(populate_existing=True)
        )
        queued = await repo.locked_conversations(session, query)
        if not queued:
            return False  # taken meanwhile: «Оператор … уже читает» said it
        conversation = queued[0]
        name, text, said = await _renew(
            session,
            conversation,
            config,
            domain,
            now or utcnow(),
            open_response=TRANSFERRED,
            nobody_response=TRANSFERRED_NOBODY,
            # The customer wrote nothing: not «Ваше сообщение добавлено…» (queued_offline).
            closed_responses=(TRANSFERRED_OFFLINE, "utter_handoff_offline"),
            requeued=True,
            team=team,
        )
        await repo.add_event(
            session, conversation, f"Клиенту сообщено, что диалог передан команде: {said}"
        )
        outgoing.enqueue(session, conversation, text, data={"response": name})
    return True


async def _tell_released(
    session: AsyncSession,
    ids: list[int],
    operator: str,
    config: HandoffConfig,
    domain: Domain,
    now: datetime,
) -> list[int]:
    query = (
        select(Conversation)
        .where(Conversation.id.in_(ids), Conversation.owner == Owner.QUEUED.value)
        .order_by(Conversation.id)
        .execution_options(populate_existing=True)
    )
    queued = await repo.locked_conversations(session, query)
    owed = await owed_since(session, queued)
    told: list[int] = []
    for conversation in queued:
        if owed.get(conversation.id) is None:
            continue  # the operator spoke last: nothing is owed, nothing to explain
        name, text, said = await _renew(
            session,
            conversation,
            config,
            domain,
            now,
            open_response=OPERATOR_LEFT,
            nobody_response=OPERATOR_LEFT_NOBODY,
            closed_responses=(OPERATOR_LEFT_OFFLINE, *OFFLINE_RESPONSES[1:]),
            requeued=True,
            operator=operator,
        )
        await repo.add_event(
            session, conversation, f"Клиенту сообщено, что диалог передан коллегам: {said}"
        )
        outgoing.enqueue(session, conversation, text, data={"response": name})
        told.append(conversation.id)
    return told


async def _renew(
    session: AsyncSession,
    conversation: Conversation,
    config: HandoffConfig,
    domain: Domain,
    now: datetime,
    *,
    open_response: str,
    nobody_response: str,
    closed_responses: tuple[str, ...],
    updates: int = 0,
    requeued: bool = False,
    **values: object,
) -> tuple[str, Outbound, str]:
    """A new promise: while the team answers (:func:`handoff.routing.closed_until`: in working
    hours, or out of them with someone of it online, even with every slot taken), the
    customer's place in the queue and a fresh estimate (``open_response``); out of hours with
    nobody of it online, when the team is back (the first of ``closed_responses`` the domain
    has). Kept as the promise; the customer's next message is acknowledged as the
    first since the bot spoke. In working hours with nobody of the team online,
    ``nobody_response`` (when the domain has it) promises no minutes — a colleague answers once
    back — so no promise is kept and no «дольше, чем я обещал» can follow. Returns the
    response's name, its text and what the customer was told, for the history."""
    due: datetime | None
    hours = config.working_hours
    back = await routing.closed_until(session, conversation.team, hours, now)
    if back is not None:
        back_at = team_hours.format_back_at(back, now)
        name = next(n for n in closed_responses if n in domain.responses)
        due, told = back, f"ответим {back_at}"
        values = {**values, "back_at": back_at, "hours": team_hours.usual_hours(hours)}
    else:
        expected = await expected_wait_minutes(session, conversation, config)
        ahead = expected.ahead
        place = f"в очереди перед ним {ahead}" if ahead else "первый в очереди"
        if expected.nobody_online and nobody_response in domain.responses:
            name, due = nobody_response, None
            told = f"{place}, операторов нет на месте — ответят, как только вернутся"
            values = {**values, "queue": queue_text(ahead)}
        else:
            minutes = expected.minutes
            wait = team_hours.plural_minutes(minutes)
            name, due = open_response, now + timedelta(minutes=minutes)
            told = f"{place}, ещё около {about_minutes(minutes)}"
            values = {**values, "wait_minutes": wait, "queue": queue_text(ahead)}
    if due is None:
        forget(conversation)  # no minutes said: nothing can be late
    else:
        promise(conversation, due, updates=updates, requeued=requeued)
    # The bot has just spoken: the customer's next message is acknowledged (bot/engine.py).
    conversation.context = {
        k: v
        for k, v in (conversation.context or {}).items()
        if k not in ("queued_reminder_at", "queued_heard_at")
    }
    return name, domain.render(name, conversation.channel, **values), told

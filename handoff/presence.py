"""An operator's presence: «В сети», «Не на месте», «Не в сети».

Going away or offline puts the conversations the operator holds back in the queue: a free
colleague gets them at once, else a customer owed a reply is told why (:mod:`handoff.waiting`).
Coming online tells the customers of conversations taken by hand meanwhile that a person reads
them now («Оператор Мария уже читает…»: the «завтра в 9:00» they were told is no longer true)
and pulls the queue. When all of an operator's consoles close, the server makes an online
operator away itself (:func:`went_silent`). Reached through :class:`HandoffService`
(``set_status``, ``went_silent``), like every operator action.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.ownership import Owner
from bot.storage import repo
from bot.storage.models import Conversation, Operator, utcnow
from handoff import waiting
from handoff.errors import HandoffError
from handoff.service import UNANNOUNCED, actor_name, mark_taken, say_operator_joined

if TYPE_CHECKING:
    from handoff.service import HandoffService

STATUSES = ("online", "away", "offline")


async def set_status(
    service: HandoffService, operator_id: int, status: str, *, automatic: bool = False
) -> list[int]:
    """Change presence (see the module's docstring). ``automatic``: the server, not the
    operator, changes it (:func:`went_silent`); the console then says why
    (``Operator.auto_away_at``), until the operator chooses again.

    Returns the ids of the conversations released.
    """
    if status not in STATUSES:
        raise HandoffError("Неизвестный статус.", "bad_status")
    released: list[Conversation] = []
    announced: list[Conversation] = []
    async with service.db.write() as session:
        operator = await service.get_operator(session, operator_id)
        operator.status = status
        operator.last_seen_at = utcnow()
        operator.auto_away_at = operator.last_seen_at if automatic else None
        if status != "online":
            query = select(Conversation).where(
                Conversation.owner == Owner.OPERATOR.value,
                Conversation.operator_id == operator.id,
            )
            for conversation in await repo.locked_conversations(session, query):
                await repo.move(
                    session,
                    conversation,
                    Owner.QUEUED,
                    reason=f"operator_{status}",
                    actor=actor_name(operator),
                )
                where = "не на месте" if status == "away" else "не в сети"
                await repo.add_event(
                    session,
                    conversation,
                    f"{operator.display_name} сейчас {where} — диалог вернулся в очередь",
                )
                released.append(conversation)
        else:
            announced = await _announce_taken(service, session, operator)
    service.bus.publish(
        BusEvent(
            "operator",
            data={"operator_id": operator_id, "status": status, "automatic": automatic},
        )
    )
    if announced:
        service._wake()
    for conversation in announced:
        service.publish("message", conversation)
    for conversation in released:
        service.publish("transition", conversation, released=True)
    reassigned = {a.conversation_id for a in await service.assign_waiting()}
    left = [c.id for c in released if c.id not in reassigned]
    # Nobody took them at once: the customers waiting for a reply hear why.
    told = await waiting.tell_released(
        service.db, left, operator.display_name, service.config, service.brain().domain
    )
    if told:
        service._wake()
    for conversation in released:
        if conversation.id in told:
            service.publish("message", conversation)
    return [c.id for c in released]


async def _announce_taken(
    service: HandoffService, session: AsyncSession, operator: Operator
) -> list[Conversation]:
    """«Оператор Мария уже читает…» for what ``operator`` took by hand while away and has
    not answered yet; like the hand-off's, that is a promise of a minute."""
    query = select(Conversation).where(
        Conversation.owner == Owner.OPERATOR.value, Conversation.operator_id == operator.id
    )
    held = await repo.locked_conversations(session, query)
    announced = [c for c in held if UNANNOUNCED in (c.context or {})]
    domain = service.brain().domain
    for conversation in announced:
        mark_taken(conversation)
        say_operator_joined(domain, session, conversation, operator)
        waiting.promise(conversation, utcnow() + timedelta(minutes=1))
    return announced


async def went_silent(service: HandoffService, operator_id: int) -> list[int]:
    """The operator's consoles are all closed: an online operator becomes away (and is
    told why when a console opens again)."""
    async with service.db.read() as session:
        operator = await session.get(Operator, operator_id)
        if operator is None or operator.status != "online":
            return []
    return await set_status(service, operator_id, "away", automatic=True)

"""Passing a conversation on: to a colleague who is online and has room, or to a team's queue.

The note and the whole history travel with the conversation, so the customer is never asked to
repeat themselves; the customer is not messaged at all. The owner change goes through
:func:`bot.storage.repo.move` like every other (checked against the state machine, audited) and
is announced after commit; a conversation passed to a team is offered at once to a free
colleague there — not straight back to whoever passed it on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ownership import Owner
from bot.storage import repo
from bot.storage.models import utcnow
from handoff import routing
from handoff.errors import Conflict, HandoffError, NotFound
from handoff.service import (
    CONSOLE_ROLES,
    MAX_TEXT,
    PASSED_ON_BY,
    actor_name,
    add_note,
    mark_taken,
)

if TYPE_CHECKING:
    from handoff.service import HandoffService


async def transfer(
    service: HandoffService,
    conversation_id: int,
    operator_id: int,
    *,
    to_operator_id: int | None = None,
    to_team: str | None = None,
    note: str = "",
) -> None:
    """Hand over to ``to_operator_id`` or to ``to_team`` (exactly one), with ``note``."""
    if (to_operator_id is None) == (not to_team):
        raise HandoffError("Укажите либо коллегу, либо команду.", "bad_target")
    note = note.strip()[:MAX_TEXT]
    async with service.db.write() as session:
        operator = await service.get_operator(session, operator_id)
        conversation = await service.get_conversation(session, conversation_id)
        service.check_holder(conversation, operator)
        if conversation.owner == Owner.BOT.value:
            raise Conflict("Диалог ведёт бот: сначала возьмите его.", "bot_owned")
        handover = {"from": operator.display_name, "note": note, "at": utcnow().isoformat()}
        if to_operator_id is not None:
            target = await service.get_operator(session, to_operator_id)
            if target.id == conversation.operator_id:
                raise HandoffError("Диалог уже у этого сотрудника.", "same_operator")
            if target.status != "online" or target.role not in CONSOLE_ROLES:
                raise HandoffError(f"{target.display_name} сейчас не в сети.", "target_offline")
            loads = {load.operator.id: load for load in await routing.operator_loads(session)}
            if target.id in loads and loads[target.id].free == 0:
                raise HandoffError(
                    f"У {target.display_name} нет свободных мест ({target.capacity} диалогов). "
                    "Передайте в команду — диалог получит первый освободившийся.",
                    "target_busy",
                )
            await repo.move(
                session,
                conversation,
                Owner.OPERATOR,
                reason="transferred",
                actor=actor_name(operator),
                note=note or None,
            )
            conversation.operator_id = target.id
            mark_taken(conversation)
            handover["to"] = target.display_name
            line = f"Передано: {operator.display_name} → {target.display_name}"
        else:
            team = (to_team or "").strip()
            if team not in await routing.known_teams(session, service.config, service.brain().kb):
                raise NotFound(f"Команды «{team[:64]}» нет.", "unknown_team")
            conversation.team = team
            await repo.move(
                session,
                conversation,
                Owner.QUEUED,
                reason="transferred_to_team",
                actor=actor_name(operator),
                note=note or None,
            )
            handover["team"] = team
            line = f"Передано в команду «{service.config.team_titles.get(team, team)}»"
        context = {**(conversation.context or {}), "handover": handover}
        if to_team:
            # Passed on to the team: a colleague's, not straight back to this operator.
            context[PASSED_ON_BY] = operator.id
        conversation.context = context
        await repo.add_event(session, conversation, line, {"handover": handover})
        if note:
            await add_note(session, conversation, operator, note)
    service.publish("transition", conversation, transfer=True)
    if to_team:
        await service.assign_waiting()

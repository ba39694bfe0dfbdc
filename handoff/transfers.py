"""Passing a conversation on: to a colleague who is online and has room, or to a team's queue.

The note and the whole history travel with the conversation, so the customer is never asked to
repeat themselves. The owner change goes through :func:`bot.storage.repo.move` like every other
(checked against the state machine, audited) and is announced after commit.

A conversation passed to a team is offered at once to a free colleague there — not straight back
to whoever passed it on. When no colleague takes it at once, the customer (who may have just
read «Оператор Анна уже читает…») is told that colleagues of that team have it and when to
expect an answer (``utter_handoff_transferred``, a new promise the wait updates keep,
:mod:`handoff.waiting`). When nobody else of the team is online, the operator is warned (the
result's ``warning``, also a line in the history), and after ``handoff.transfer_return_minutes``
with nobody having taken it the conversation may come back to them (the maintenance round,
:meth:`HandoffService.return_passed_on`), so a customer never waits for a team that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ownership import Owner
from bot.russian import plural
from bot.storage import repo
from bot.storage.models import utcnow
from handoff import routing, team_hours, waiting
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
    from bot.storage.models import Operator
    from handoff.service import HandoffService


@dataclass(frozen=True, slots=True)
class TransferResult:
    warning: str | None = None  # for the operator: nobody else of the team can take it now


async def transfer(
    service: HandoffService,
    conversation_id: int,
    operator_id: int,
    *,
    to_operator_id: int | None = None,
    to_team: str | None = None,
    note: str = "",
) -> TransferResult:
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
        warning: str | None = None
        title = ""
        if to_operator_id is not None:
            target = await service.get_operator(session, to_operator_id)
            if target.id == conversation.operator_id:
                raise HandoffError("Диалог уже у этого сотрудника.", "same_operator")
            if target.status != "online" or target.role not in CONSOLE_ROLES:
                where = "не на месте" if target.status == "away" else "не в сети"
                raise HandoffError(f"{target.display_name} сейчас {where}.", "target_offline")
            loads = {load.operator.id: load for load in await routing.operator_loads(session)}
            if target.id in loads and loads[target.id].free == 0:
                raise HandoffError(_busy(target, loads[target.id].active), "target_busy")
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
            title = service.config.team_titles.get(team, team)
            line = f"Передано в команду «{title}»"
            warning = await _nobody_else(session, team, title, operator, service)
        context = {**(conversation.context or {}), "handover": handover}
        if to_team:
            # Passed on to the team: a colleague's, not straight back to this operator.
            context[PASSED_ON_BY] = operator.id
            context[routing.PASSED_ON_AT] = utcnow().isoformat()
        conversation.context = context
        await repo.add_event(session, conversation, line, {"handover": handover})
        if warning:
            await repo.add_event(
                session, conversation, f"Предупреждение ({operator.display_name}): {warning}"
            )
        if note:
            await add_note(session, conversation, operator, note)
    service.publish("transition", conversation, transfer=True)
    if not to_team:
        return TransferResult()
    taken = {a.conversation_id for a in await service.assign_waiting()}
    if conversation.id not in taken:
        brain = service.brain()
        if await waiting.tell_transferred(
            service.db, conversation.id, title, service.config, brain.domain
        ):
            service._wake()
            service.publish("message", conversation)
    return TransferResult(warning)


def _busy(target: Operator, active: int) -> str:
    """Why a colleague cannot take it: the name stays in the nominative («У оператора Мария»,
    not «У Мария»: names are not declined reliably), the count agrees with its noun."""
    return (
        f"У оператора {target.display_name} нет свободных мест: {active} "
        f"{plural(active, 'диалог', 'диалога', 'диалогов')} из {target.capacity}. "
        "Передайте в команду — диалог получит первый освободившийся."
    )


async def _nobody_else(
    session: AsyncSession, team: str, title: str, operator: Operator, service: HandoffService
) -> str | None:
    """What the operator should know when no colleague of ``team`` is online to take it."""
    online = await routing.operator_loads(session, team)
    if any(load.operator.id != operator.id for load in online):
        return None
    if any(load.operator.id == operator.id for load in online):
        minutes = service.config.transfer_return_minutes
        return (
            f"В команде «{title}» сейчас в сети только вы. Если за "
            f"{team_hours.plural_minutes(max(round(minutes), 1))} никто не подключится, "
            "диалог вернётся к вам."
        )
    return (
        f"В команде «{title}» сейчас никого нет в сети: диалог подождёт в очереди, "
        "пока кто-нибудь подключится."
    )

"""How a conversation a person handled ends: the history line, the customer's goodbye, the
rating request. Shared by the operator's «Закрыть» and the close for a customer's silence
(:meth:`handoff.service.HandoffService.close_silent`)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Domain
from bot.ownership import Owner
from bot.rating import rate_buttons
from bot.storage import lifecycle, outgoing, repo
from bot.storage.models import Conversation

SILENT_BATCH = 100  # conversations closed for silence per transaction


async def close_silent(
    session: AsyncSession, domain: Domain, minutes: int, before: datetime
) -> list[Conversation]:
    """Close (at most ``SILENT_BATCH`` of) the conversations where the operator answered last
    and the customer has said nothing since ``before``, each with ``utter_closed_silent``."""
    silent = await lifecycle.silent_with_operator(session, before, SILENT_BATCH)
    for conversation in silent:
        await close_and_ask(
            session,
            domain,
            conversation,
            actor=repo.SYSTEM,
            reason="customer_silent",
            event=f"Диалог закрыт автоматически: клиент не отвечал {duration(minutes)}",
            response="utter_closed_silent",
        )
    return list(silent)


async def close_and_ask(
    session: AsyncSession,
    domain: Domain,
    conversation: Conversation,
    *,
    actor: str,
    reason: str,
    event: str,
    response: str = "utter_closed",
) -> None:
    """Close, say so in the history and to the customer (``response``, or ``utter_closed``
    where the domain lacks it) and, if a person wrote to the customer in this handover, ask
    for a 1–5 rating. Holding the conversation is not talking: a customer nobody answered
    («есть кто живой?») is not asked how well they were helped, and their «1» would count in
    the CSAT of an operator who never wrote (:mod:`handoff.metrics`)."""
    talked = conversation.first_response_at is not None  # bot.storage.handoffs.answered
    remember_operator(conversation)
    await repo.move(session, conversation, Owner.CLOSED, reason=reason, actor=actor)
    await repo.add_event(session, conversation, event)
    if response not in domain.responses:
        response = "utter_closed"
    closed = domain.render(response, conversation.channel)
    outgoing.enqueue(session, conversation, closed, data={"response": response})
    if talked:
        ask = dataclasses.replace(
            domain.render("utter_rate", conversation.channel),
            buttons=rate_buttons(conversation.id),
        )
        outgoing.enqueue(session, conversation, ask, data={"response": "utter_rate"})


def duration(minutes: int) -> str:
    """«45 мин», «2 ч», «1 ч 30 мин»."""
    hours, rest = divmod(minutes, 60)
    return " ".join(
        part for part in (f"{hours} ч" if hours else "", f"{rest} мин" if rest else "") if part
    )


def remember_operator(conversation: Conversation) -> None:
    """Keep who handled the conversation: the rating given after it leaves them is theirs."""
    if conversation.operator_id is not None:
        conversation.context = {
            **(conversation.context or {}),
            "last_operator_id": conversation.operator_id,
        }

"""Each handover of a conversation to people, kept as its own row (:class:`Handoff`).

A conversation may be handed over several times: the customer asks for a person, an operator
helps and gives it back to the bot, later a flow hands it over again. The conversation's
``escalated_at``, ``escalation_reason`` and ``first_response_at`` describe the latest handover
only (what the queue and the wait timers need); the rows here keep every one of them — when it
began and why, when and who first answered, when and how it ended — so the manager's figures
(:mod:`handoff.metrics`) count each handover once and a new one does not rewrite the past
(as a help desk's reporting events do).

Written by the owner changes themselves: :func:`bot.storage.repo.move` (bot → queue, and
queue/operator → bot or closed) and :func:`handoff.routing.take` (an operator joins a bot
conversation); the first reply by :func:`answered`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Conversation, Handoff

WITHDRAWN = "customer_cancelled"
"""The outcome of a handover the customer took back («Отменить вызов оператора»); one that
nobody had answered yet was no handover for the figures (:mod:`handoff.metrics`)."""


def begin(session: AsyncSession, conversation: Conversation, reason: str, at: datetime) -> None:
    """The conversation leaves the bot for people now: a new handover, and the conversation's
    own fields describe it."""
    conversation.escalated_at = at
    conversation.escalation_reason = reason
    conversation.first_response_at = None
    record(session, conversation.id, reason, at)


def record(session: AsyncSession, conversation_id: int, reason: str, at: datetime) -> None:
    """The handover's own row, for a caller that set the conversation's fields itself (the
    operator's take, one ``UPDATE`` in :func:`handoff.routing.take`)."""
    session.add(Handoff(conversation_id=conversation_id, reason=reason, escalated_at=at))


async def answered(
    session: AsyncSession, conversation: Conversation, operator_id: int, at: datetime
) -> None:
    """A person replied; the first reply of the current handover is kept with who gave it."""
    if conversation.first_response_at is not None:
        return
    conversation.first_response_at = at
    await session.execute(
        update(Handoff)
        .where(
            Handoff.conversation_id == conversation.id,
            Handoff.ended_at.is_(None),
            Handoff.first_response_at.is_(None),
        )
        .values(first_response_at=at, first_operator_id=operator_id)
    )


async def end(session: AsyncSession, conversation_id: int, outcome: str, at: datetime) -> None:
    """The conversation is the bot's again or closed: its handover ends, ``outcome`` being the
    owner change's reason."""
    await session.execute(
        update(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.ended_at.is_(None))
        .values(ended_at=at, outcome=outcome)
    )

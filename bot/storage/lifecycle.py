"""When a conversation ends without anyone pressing «Закрыть».

Two kinds of open conversation would otherwise stay open for ever:

* one only the bot has had, after the customer went quiet (``policy.session_expiry_minutes``):
  it is closed silently, and the customer's next message opens a new one (which takes over a
  flow in progress: :data:`bot.storage.repo.CARRIED_OVER`). Without that, a customer's questions
  of March would belong to a conversation of January: the figures would count them in January,
  retention would never erase them, and two misses a month apart would add up to a handoff;
* one an operator holds, where the operator answered last and the customer has not replied
  (``handoff.close_after_silence_minutes``): it would keep one of the operator's slots taken.
  :meth:`handoff.service.HandoffService.close_silent` closes those with a word to the customer
  and a rating request; this module only finds them.

Both are found through ``ix_conversation_owner_updated`` (``updated_at`` moves with every
customer message and every change of owner). On PostgreSQL the rows are locked with ``SKIP
LOCKED``: a conversation a customer message is being written to right now is left for the next
round, and the message's own lookup, waiting on the lock, sees the conversation closed and
opens a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ownership import Owner
from bot.storage import repo
from bot.storage.models import Conversation, Message


async def expire_bot_conversations(
    session: AsyncSession, before: datetime, limit: int = 500
) -> Sequence[Conversation]:
    """Close up to ``limit`` bot-owned conversations with no activity since ``before``."""
    query = (
        select(Conversation)
        .where(Conversation.owner == Owner.BOT.value, Conversation.updated_at < before)
        .order_by(Conversation.updated_at)
        .limit(limit)
    )
    if repo.is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    expired = (await session.scalars(query)).all()
    for conversation in expired:
        await repo.move(
            session, conversation, Owner.CLOSED, reason=repo.INACTIVE, actor=repo.SYSTEM
        )
    return expired


async def silent_with_operator(
    session: AsyncSession, before: datetime, limit: int = 100
) -> Sequence[Conversation]:
    """Operator-held conversations whose last message is the operator's, written before
    ``before``, and that nothing has moved since. A customer's unanswered message keeps a
    conversation open (that is the operator's debt, shown by the SLA), and so does an operator
    who has not written at all yet: the bot's «оператор подключился» is not an answer."""
    last_word = (
        select(Message.id)
        .where(
            Message.conversation_id == Conversation.id,
            Message.kind == "message",
        )
        .order_by(Message.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    query = (
        select(Conversation)
        .join(Message, Message.id == last_word)
        .where(
            Conversation.owner == Owner.OPERATOR.value,
            Conversation.updated_at < before,
            Message.author == "operator",
            Message.created_at < before,
        )
        .order_by(Conversation.updated_at)
        .limit(limit)
    )
    if repo.is_postgres(session):
        query = query.with_for_update(of=Conversation, skip_locked=True)
    return (await session.scalars(query)).all()

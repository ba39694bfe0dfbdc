"""An operator keeps a spammer or an abusive customer away from the people («Заблокировать» on
the customer card).

A blocked customer still gets the bot's answers — the bot costs nothing and a mistaken block
hurts nobody much — but never reaches an operator again: a request for a person, a complaint,
profanity or repeated misses get ``utter_handoff_unavailable`` instead of the queue
(:func:`bot.dialogue.escalate`). Blocking closes the customer's conversations that wait for or
are with a person (no rating request: there is nothing to rate), says so in their history and
frees the operator's slot for the queue. Every channel of the customer is covered: the block is
on the customer, and linked accounts share one. Any operator may block (trolls arrive at
night); an administrator or an operator may unblock.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.ownership import HUMAN_OWNERS, Owner
from bot.storage import repo
from bot.storage.models import Conversation, Customer, Operator, utcnow
from handoff.errors import HandoffError
from handoff.privacy import announce_closed, customer_root, newest_conversation
from handoff.service import HandoffService, actor_name


async def block(service: HandoffService, customer_id: int, operator: Operator) -> list[int]:
    """Block the customer; returns the ids of the conversations closed."""
    closed: list[Conversation] = []
    async with service.db.write() as session:
        root = await customer_root(session, customer_id)
        customer = await session.get(Customer, root)
        assert customer is not None
        if customer.blocked_at is not None:
            raise HandoffError("Клиент уже заблокирован.", "already_blocked")
        customer.blocked_at = utcnow()
        query = select(Conversation).where(
            Conversation.customer_id == root,
            Conversation.owner.in_([o.value for o in HUMAN_OWNERS]),
        )
        for conversation in await repo.locked_conversations(session, query):
            await repo.move(
                session,
                conversation,
                Owner.CLOSED,
                reason="customer_blocked",
                actor=actor_name(operator),
            )
            closed.append(conversation)
        # The history says so where an operator will look: the conversations just closed,
        # else the customer's newest one.
        for conversation in closed or [c for c in [await newest_conversation(session, root)] if c]:
            await repo.add_event(
                session,
                conversation,
                f"{operator.display_name} заблокировал(а) клиента: к операторам он больше не "
                "попадёт, бот по-прежнему отвечает",
            )
    await announce_closed(service, root, [c.id for c in closed])
    return [c.id for c in closed]


async def unblock(service: HandoffService, customer_id: int, operator: Operator) -> None:
    async with service.db.write() as session:
        root = await customer_root(session, customer_id)
        customer = await session.get(Customer, root)
        assert customer is not None
        if customer.blocked_at is None:
            raise HandoffError("Клиент не заблокирован.", "not_blocked")
        customer.blocked_at = None
        newest = await newest_conversation(session, root)
        if newest is not None:
            await repo.add_event(
                session, newest, f"{operator.display_name} разблокировал(а) клиента"
            )

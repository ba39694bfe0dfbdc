"""An operator keeps a spammer or an abusive customer away from the people («Заблокировать» on
the customer card).

A blocked customer still gets the bot's answers — the bot costs nothing and a mistaken block
hurts nobody much — but never reaches an operator again: a request for a person, a complaint,
profanity or repeated misses get ``utter_handoff_unavailable`` instead of the queue
(:func:`bot.dialogue.escalate`). Blocking closes the customer's conversations that wait for or
are with a person (no rating request: there is nothing to rate), says why in their history
(«Закрыто: клиент заблокирован (Анна)»), tells the customer the same neutral
``utter_handoff_unavailable`` — a customer left waiting in the queue is not left waiting for
nothing, and is not told they were blocked — and frees the operator's slot for the queue. The
statistics do not count such a handoff as resolved
(:func:`handoff.metrics_handoffs.resolutions`). Every channel of the customer is covered: the
block is on the customer, and linked accounts share one. Any operator may block (trolls arrive at
night); an administrator or an operator may unblock.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.ownership import HUMAN_OWNERS, Owner
from bot.storage import outgoing, repo
from bot.storage.models import Conversation, Customer, Operator, utcnow
from handoff.errors import HandoffError
from handoff.privacy import announce_closed, customer_root, newest_conversation
from handoff.service import HandoffService, actor_name

BLOCKED = "customer_blocked"  # the reason of the close, and the handoff's outcome
UNAVAILABLE = "utter_handoff_unavailable"  # what a blocked customer is told instead of a person


async def block(service: HandoffService, customer_id: int, operator: Operator) -> list[int]:
    """Block the customer; returns the ids of the conversations closed."""
    closed: list[Conversation] = []
    domain = service.brain().domain
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
                reason=BLOCKED,
                actor=actor_name(operator),
            )
            await repo.add_event(
                session,
                conversation,
                f"Закрыто: клиент заблокирован ({operator.display_name}) — к операторам он "
                "больше не попадёт, бот по-прежнему отвечает",
            )
            if UNAVAILABLE in domain.responses:
                said = domain.render(UNAVAILABLE, conversation.channel)
                outgoing.enqueue(session, conversation, said, data={"response": UNAVAILABLE})
            closed.append(conversation)
        # Nothing was open: the line goes where an operator will look, the newest conversation.
        newest = None if closed else await newest_conversation(session, root)
        if newest is not None:
            await repo.add_event(
                session,
                newest,
                f"{operator.display_name} заблокировал(а) клиента: к операторам он больше не "
                "попадёт, бот по-прежнему отвечает",
            )
    if closed:
        service._wake()  # the customers' «Подключить оператора … не получится»
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

"""«Это тот же клиент»: an operator joins two customer cards into one (the customer card).

The bot joins a customer's Telegram and Viber accounts itself when the customer shares a phone
number already known or types a link code (:mod:`bot.linking`). When the customer simply says
«я вчера писал вам в Telegram про заказ 770415», the operator finds that conversation with
«Найти» and joins the two by hand: the accounts, conversations, messages and ratings of the
other customer move to the one whose card is open, so everyone sees one history and the bot
knows the person in both messengers from now on.

Nothing is erased, and the join is recorded so that «Разъединить» can undo it
(:mod:`handoff.unmerging`); the console asks first all the same, and the history of both says
who merged whom. A customer whose data was erased on request is not merged (nothing is left to
join), nor a blocked with a not blocked one — the operator decides about the block first, so a
merge never blocks or unblocks anyone by the way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.storage import customers, repo
from bot.storage.models import Conversation, Customer, Identity, Operator
from handoff.errors import Conflict, HandoffError
from handoff.privacy import customer_root, newest_conversation
from handoff.service import HandoffService
from handoff.views import CHANNEL_TITLES, customer_name

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Merged:
    customer_id: int  # the customer both are now
    joined: int  # the one that joined it
    conversations: int  # how many conversations moved over


async def describe(session: AsyncSession, customer: Customer) -> str:
    """«Анна К. (Viber)» — the name and the messengers, as the operator knows the customer."""
    channels = (
        await session.scalars(
            select(Identity.channel).where(Identity.customer_id == customer.id).distinct()
        )
    ).all()
    where = ", ".join(CHANNEL_TITLES.get(c, c) for c in sorted(channels))
    return f"«{customer_name(customer)}»" + (f" ({where})" if where else "")


async def merge(
    service: HandoffService, customer_id: int, other_id: int, operator: Operator
) -> Merged:
    """Join customer ``other_id`` into ``customer_id`` (each taken as who they were merged
    into, if they were)."""
    async with service.db.write() as session:
        keep_id = await customer_root(session, customer_id)
        joined_id = await customer_root(session, other_id)
        if keep_id == joined_id:
            raise HandoffError("Это уже один и тот же клиент.", "same_customer")
        keep = await session.get(Customer, keep_id)
        joined = await session.get(Customer, joined_id)
        assert keep is not None and joined is not None
        if keep.erased_at is not None or joined.erased_at is not None:
            raise Conflict(
                "Данные одного из клиентов удалены по его просьбе — объединять нечего.", "erased"
            )
        if (keep.blocked_at is None) != (joined.blocked_at is None):
            raise Conflict(
                "Один из клиентов заблокирован, другой нет: сначала решите с блокировкой, "
                "потом объединяйте.",
                "blocked_differs",
            )
        keep_words, joined_words = await describe(session, keep), await describe(session, joined)
        moved = await session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.customer_id == joined_id)
        )
        newest = (
            await newest_conversation(session, keep_id),
            await newest_conversation(session, joined_id),
        )
        await customers.merge_customers(session, keep_id, joined_id, operator_id=operator.id)
        line = (
            f"{operator.display_name} объединил(а) клиентов {keep_words} и {joined_words}: "
            "история обоих теперь в одной карточке"
        )
        for conversation in {c.id: c for c in newest if c is not None}.values():
            await repo.add_event(session, conversation, line)
    # Every console shows the joined customer's conversations under the kept one's name now.
    service.bus.publish(BusEvent("customer", None, keep_id, {"joined": joined_id}))
    log.info("operator %s merged customer %s into %s", operator.id, joined_id, keep_id)
    return Merged(keep_id, joined_id, int(moved or 0))

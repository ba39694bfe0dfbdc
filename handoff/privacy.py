"""An administrator erases a customer's personal data from the console (on the customer's
request). The erasure itself is :mod:`bot.storage.erasure`; here it becomes an operator
action: one transaction, the console's live views told after the commit, and any operator
slot it freed given to the queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.ownership import Owner
from bot.storage import erasure
from bot.storage.models import Conversation, Operator
from handoff.errors import NotFound
from handoff.service import HandoffService, actor_name


async def customer_root(session: AsyncSession, customer_id: int) -> int:
    """The customer (the one they were merged into, if so); :class:`NotFound` if none."""
    try:
        return await erasure.find_customer(session, customer_id=customer_id)
    except erasure.CustomerNotFound:
        raise NotFound("Клиент не найден.", "customer_not_found") from None


async def newest_conversation(session: AsyncSession, customer_id: int) -> Conversation | None:
    """The customer's newest conversation, open or closed (where a line about them goes)."""
    return await session.scalar(
        select(Conversation)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def announce_closed(service: HandoffService, customer_id: int, closed: list[int]) -> None:
    """Tell the consoles these conversations closed; the freed slots go to the queue."""
    for conversation_id in closed:
        service.bus.publish(
            BusEvent(
                "transition",
                conversation_id,
                customer_id,
                {"owner": Owner.CLOSED.value, "operator_id": None},
            )
        )
    if closed:
        await service.assign_waiting()


async def forget_customer(
    service: HandoffService, customer_id: int, operator: Operator
) -> erasure.ErasureReport:
    async with service.db.write() as session:
        root = await customer_root(session, customer_id)
        result = await erasure.forget_customer(session, root, actor=actor_name(operator))
    await service.db.drop_old_versions()  # the SQLite log still holds the erased texts
    await announce_closed(service, root, list(result.closed_conversations))
    return result.report

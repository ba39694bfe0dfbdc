"""An administrator erases a customer's personal data from the console (on the customer's
request). The erasure itself is :mod:`bot.storage.erasure`; here it becomes an operator
action: one transaction, the console's live views told after the commit, and any operator
slot it freed given to the queue."""

from __future__ import annotations

from bot.bus import BusEvent
from bot.ownership import Owner
from bot.storage import erasure
from bot.storage.models import Operator
from handoff.errors import NotFound
from handoff.service import HandoffService, actor_name


async def forget_customer(
    service: HandoffService, customer_id: int, operator: Operator
) -> erasure.ErasureReport:
    async with service.db.write() as session:
        try:
            root = await erasure.find_customer(session, customer_id=customer_id)
        except erasure.CustomerNotFound:
            raise NotFound("Клиент не найден.", "customer_not_found") from None
        result = await erasure.forget_customer(session, root, actor=actor_name(operator))
    for conversation_id in result.closed_conversations:
        service.bus.publish(
            BusEvent(
                "transition",
                conversation_id,
                root,
                {"owner": Owner.CLOSED.value, "operator_id": None},
            )
        )
    if result.closed_conversations:
        await service.assign_waiting()
    return result.report

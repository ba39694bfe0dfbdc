"""Whether each reply reached the customer, for the operator's history.

A reply is «отправляется» while it waits in the outbox («повторная отправка» after a failed
try, with the reason), «отправлено» once the messenger took it, «доставлено» / «прочитано» when
the messenger says so (Viber reports both; Telegram reports neither), and «не доставлено» with a
reason the operator can act on (:func:`bot.delivery.failure_text`) — also when Viber took the
message and later reported it ``failed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import failure_text
from bot.storage.models import DeliveryEvent, Identity, Message, OutboxItem

LABELS = {
    "pending": "отправляется",
    "retrying": "повторная отправка",
    "sent": "отправлено",
    "delivered": "доставлено",
    "seen": "прочитано",
    "failed": "не доставлено",
}
_RECEIPTS = ("failed", "delivered", "seen")  # by rank: a later one wins


async def states(
    session: AsyncSession, customer_id: int, messages: Sequence[Message]
) -> dict[int, dict[str, Any]]:
    """``{message id: {"state", "label", "reason"}}`` for the replies among ``messages``."""
    replies = [m.id for m in messages if m.direction == "out" and m.kind == "message"]
    if not replies:
        return {}
    rows = (
        await session.execute(
            select(
                OutboxItem.message_id,
                OutboxItem.status,
                OutboxItem.attempts,
                OutboxItem.last_error,
                OutboxItem.external_ids,
            ).where(OutboxItem.message_id.in_(replies))
        )
    ).all()
    receipts = await _receipts(session, customer_id, [i for row in rows for i in row[4] or []])
    found: dict[int, dict[str, Any]] = {}
    for message_id, status, attempts, error, external_ids in rows:
        state = status if status in ("sent", "failed") else "pending"
        if state == "pending" and attempts and error:
            state = "retrying"
        reason = failure_text(error) if state in ("failed", "retrying") else None
        if state == "sent":
            seen = {receipts.get(str(i)) for i in external_ids or []}
            state = next((r for r in reversed(_RECEIPTS) if r in seen), "sent")
            if state == "failed":  # Viber took it, then could not deliver it
                reason = "мессенджер не смог доставить сообщение"
        found[message_id] = {"state": state, "label": LABELS[state], "reason": reason}
    return found


async def _receipts(
    session: AsyncSession, customer_id: int, external_ids: list[str]
) -> dict[str, str]:
    """The furthest receipt (``seen`` over ``delivered`` over ``failed``) per message id."""
    if not external_ids:
        return {}
    accounts = select(Identity.user_id).where(Identity.customer_id == customer_id)
    events = await session.execute(
        select(DeliveryEvent.ref_message_id, DeliveryEvent.status).where(
            DeliveryEvent.user_id.in_(accounts),  # indexed; the receipt's id is not
            DeliveryEvent.ref_message_id.in_([str(i) for i in external_ids]),
            DeliveryEvent.status.in_(_RECEIPTS),
        )
    )
    best: dict[str, str] = {}
    for ref, status in events.all():
        if ref is not None and _RECEIPTS.index(status) > _RECEIPTS.index(best.get(ref, "failed")):
            best[ref] = status
        elif ref is not None:
            best.setdefault(ref, status)
    return best

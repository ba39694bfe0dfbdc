"""«Разъединить»: undo a join of two customer cards (:mod:`handoff.merging`, :mod:`bot.linking`).

An operator who joined the wrong cards — two Анны with the same order number in the message —
must be able to take it back. Every join records what moved (:class:`CustomerMerge`); undoing it
moves back the joined customer's messenger accounts, the conversations they had at the time
(with their messages and ratings) and the team's notes about them, and empties what the join
filled on the kept card (phone, name) if nobody changed it since.

Conversations started after the join stay on the kept card: they may hold messages from both
messengers (one customer could continue in either), and nobody can tell whose they were. The
join is refused to undo when the kept card was joined into a third one since (undo that first),
when either customer's data was erased, or when it was undone already.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.storage import repo
from bot.storage.models import (
    Conversation,
    Customer,
    CustomerMerge,
    CustomerNote,
    Identity,
    Message,
    Operator,
    Rating,
    utcnow,
)
from handoff.errors import Conflict, NotFound
from handoff.merging import describe
from handoff.privacy import customer_root, newest_conversation
from handoff.service import HandoffService
from handoff.views import customer_name

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Join:
    """One join into a customer card, as the console lists it."""

    id: int
    joined_id: int
    joined: str  # «Анна К.»
    by: str  # the operator's name, or «бот» (a shared phone or a link code)
    at: datetime
    conversations: int  # how many conversations would go back

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "joined_id": self.joined_id,
            "joined": self.joined,
            "by": self.by,
            "at": self.at.isoformat(),
            "conversations": self.conversations,
        }


@dataclass(frozen=True, slots=True)
class Unmerged:
    customer_id: int  # the card that stays
    restored: int  # the customer who has their own card again
    conversations: int  # how many conversations went back


async def joins(service: HandoffService, customer_id: int) -> list[Join]:
    """The joins into this card that can still be undone, newest first."""
    async with service.db.read() as session:
        return await listed_joins(session, await customer_root(session, customer_id))


async def listed_joins(session: AsyncSession, keep_id: int) -> list[Join]:
    """:func:`joins` within a session, for the customer card (``keep_id``: the card's root)."""
    rows = (
        await session.scalars(
            select(CustomerMerge)
            .where(CustomerMerge.keep_id == keep_id, CustomerMerge.undone_at.is_(None))
            .order_by(CustomerMerge.id.desc())
        )
    ).all()
    found: list[Join] = []
    for row in rows:
        joined = await session.get(Customer, row.joined_id)
        if joined is None or joined.merged_into_id != keep_id or joined.erased_at:
            continue
        by = "бот"
        if row.operator_id is not None:
            operator = await session.get(Operator, row.operator_id)
            by = operator.display_name if operator else "сотрудник"
        found.append(
            Join(
                row.id,
                joined.id,
                customer_name(joined),
                by,
                row.created_at,
                len(row.moved.get("conversations", [])),
            )
        )
    return found


async def unmerge(
    service: HandoffService, customer_id: int, merge_id: int, operator: Operator
) -> Unmerged:
    """Undo join ``merge_id`` into customer ``customer_id``'s card."""
    async with service.db.write() as session:
        keep_id = await customer_root(session, customer_id)
        record = await session.get(CustomerMerge, merge_id)
        # A join into a card that was itself joined into this one belongs here too.
        if record is None or await customer_root(session, record.keep_id) != keep_id:
            raise NotFound("Такого объединения у этого клиента нет.", "merge_not_found")
        if record.undone_at is not None:
            raise Conflict("Это объединение уже отменено.", "already_undone")
        keep = await session.get(Customer, record.keep_id)
        joined = await session.get(Customer, record.joined_id)
        assert keep is not None and joined is not None
        if keep.erased_at is not None or joined.erased_at is not None:
            raise Conflict(
                "Данные одного из клиентов удалены по его просьбе — разъединять нечего.", "erased"
            )
        if keep.merged_into_id is not None or joined.merged_into_id != keep.id:
            raise Conflict(
                "Карточку с тех пор объединили ещё с одной — сначала разъедините ту.",
                "merged_since",
            )
        moved = await _move_back(session, record, keep, joined)
        record.undone_at = utcnow()
        record.undone_by = operator.id
        line = (
            f"Карточки разъединены ({operator.display_name}): {await describe(session, keep)} "
            f"и {await describe(session, joined)} — снова разные клиенты"
        )
        for conversation in {
            c.id: c
            for c in (
                await newest_conversation(session, keep.id),
                await newest_conversation(session, joined.id),
            )
            if c is not None
        }.values():
            await repo.add_event(session, conversation, line)
    service.bus.publish(BusEvent("customer", None, keep_id, {"restored": joined.id}))
    log.info("operator %s undid join %s (%s out of %s)", operator.id, merge_id, joined.id, keep_id)
    return Unmerged(keep_id, joined.id, moved)


async def _move_back(
    session: AsyncSession, record: CustomerMerge, keep: Customer, joined: Customer
) -> int:
    """Move the recorded rows that are still on the kept card back; how many conversations."""
    ids = record.moved
    conversations = [
        c
        for c in (
            await session.scalars(
                select(Conversation.id).where(
                    Conversation.id.in_(ids.get("conversations", [])),
                    Conversation.customer_id == keep.id,
                )
            )
        ).all()
    ]
    back = {"customer_id": joined.id}
    for model, column, wanted in (
        (Identity, Identity.id, ids.get("identities", [])),
        (CustomerNote, CustomerNote.id, ids.get("notes", [])),
        (Conversation, Conversation.id, conversations),
        (Message, Message.conversation_id, conversations),
        (Rating, Rating.conversation_id, conversations),
    ):
        if wanted:
            await session.execute(
                update(model).where(column.in_(wanted), model.customer_id == keep.id).values(**back)
            )
    filled = ids.get("filled", {})
    if filled.get("phone") and keep.phone == filled["phone"]:
        keep.phone = None
    if filled.get("display_name") and keep.display_name == filled["display_name"]:
        keep.display_name = None
    joined.merged_into_id = None
    return len(conversations)

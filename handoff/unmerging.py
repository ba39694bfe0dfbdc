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
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.ownership import Owner
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
    StoredFile,
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
    identities = ids.get("identities", [])
    theirs = await _channels(session, Identity.id.in_(identities)) if identities else set()
    mine = await _channels(
        session, Identity.customer_id == keep.id, Identity.id.not_in(identities or [0])
    )
    whole: list[int] = []
    for conversation_id in conversations:
        if await _kept_side_wrote_since(session, conversation_id, record, theirs - mine):
            await _split(session, conversation_id, record, joined, theirs - mine)
        else:
            whole.append(conversation_id)
    back = {"customer_id": joined.id}
    for model, column, wanted in (
        (Identity, Identity.id, identities),
        (CustomerNote, CustomerNote.id, ids.get("notes", [])),
        (Conversation, Conversation.id, whole),
        (Message, Message.conversation_id, whole),
        (Rating, Rating.conversation_id, whole),
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


async def _channels(session: AsyncSession, *where: Any) -> set[str]:
    return set((await session.scalars(select(Identity.channel).where(*where))).all())


async def _kept_side_wrote_since(
    session: AsyncSession, conversation_id: int, record: CustomerMerge, theirs_only: set[str]
) -> bool:
    """Did the kept customer write into this conversation after the join? (A message from a
    messenger only the joined customer uses is theirs; any other — the kept customer's
    messenger, or one both use — is taken as the kept customer's, never handed over.)"""
    found = await session.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conversation_id,
            Message.author == "customer",
            Message.created_at > record.created_at,
            Message.channel.not_in(theirs_only or {""}),
        )
        .limit(1)
    )
    return found is not None


async def _split(
    session: AsyncSession,
    conversation_id: int,
    record: CustomerMerge,
    joined: Customer,
    theirs_only: set[str],
) -> None:
    """The joined customer's conversation went on with the kept customer after the join (one
    open conversation per person): it stays theirs, as it is; what was said before the join,
    and what the joined customer wrote since, goes to a new, closed conversation of the joined
    customer. Nobody is handed the other's words."""
    source = await session.get(Conversation, conversation_id)
    assert source is not None
    before = Message.created_at <= record.created_at
    mine = and_(
        Message.author == "customer",
        Message.created_at > record.created_at,
        Message.channel.in_(theirs_only or {""}),
    )
    last = await session.scalar(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.author == "customer", before)
        .order_by(Message.id.desc())
        .limit(1)
    )
    channel = last.channel if last is not None else source.channel
    identity = await session.scalar(
        select(Identity)
        .where(Identity.customer_id == joined.id, Identity.channel == channel)
        .order_by(Identity.id.desc())
        .limit(1)
    )
    # An identity moving back is still on the kept card at this point: look it up by id.
    if identity is None:
        identity = await session.scalar(
            select(Identity)
            .where(Identity.id.in_(record.moved.get("identities", [])), Identity.channel == channel)
            .limit(1)
        )
    theirs = Conversation(
        customer_id=joined.id,
        owner=Owner.CLOSED.value,
        channel=channel,
        chat_id=identity.chat_id if identity is not None else "",
        created_at=source.created_at,
        updated_at=record.created_at,
        closed_at=record.created_at,
        context={"split_from": conversation_id},
    )
    session.add(theirs)
    await session.flush()
    await session.execute(
        update(Message)
        .where(Message.conversation_id == conversation_id, or_(before, mine))
        .values(conversation_id=theirs.id, customer_id=joined.id)
    )
    await session.execute(
        update(Rating)
        .where(Rating.conversation_id == conversation_id, Rating.created_at <= record.created_at)
        .values(conversation_id=theirs.id, customer_id=joined.id)
    )
    await session.execute(
        update(StoredFile)
        .where(
            StoredFile.conversation_id == conversation_id,
            StoredFile.created_at <= record.created_at,
        )
        .values(conversation_id=theirs.id)
    )

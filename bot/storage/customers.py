"""One customer across messengers: link codes, a shared phone, merging two customers into one."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ownership import OPEN_OWNERS, Owner
from bot.storage.contact_keyboard import take_over_keyboards
from bot.storage.models import (
    Conversation,
    Customer,
    CustomerMerge,
    CustomerNote,
    Identity,
    LinkCode,
    Message,
    Rating,
    utcnow,
)
from bot.storage.repo import SYSTEM, move


async def new_link_code(session: AsyncSession, customer_id: int, ttl: timedelta) -> str:
    code = f"{secrets.randbelow(900000) + 100000}"
    session.add(LinkCode(code=code, customer_id=customer_id, expires_at=utcnow() + ttl))
    await session.flush()
    return code


async def use_link_code(session: AsyncSession, code: str) -> int | None:
    row = await session.get(LinkCode, code)
    if row is None or row.expires_at < utcnow():
        return None
    customer_id = row.customer_id
    await session.delete(row)
    return customer_id


async def merge_customers(
    session: AsyncSession, keep_id: int, other_id: int, *, operator_id: int | None = None
) -> CustomerMerge | None:
    """Join ``other`` into ``keep``: identities, conversations, messages, ratings, the team's
    notes about them and pending link codes move over.

    What moved is recorded (:class:`CustomerMerge`, by ``operator_id``, or by the bot when
    None) so that the join can be undone (:mod:`handoff.unmerging`).
    """
    if keep_id == other_id:
        return None
    moved: dict[str, Any] = {
        "identities": await _ids(session, Identity.id, Identity.customer_id, other_id),
        "conversations": await _ids(session, Conversation.id, Conversation.customer_id, other_id),
        "notes": await _ids(session, CustomerNote.id, CustomerNote.customer_id, other_id),
    }
    for model in (Identity, Conversation, Message, Rating, CustomerNote, LinkCode):
        await session.execute(
            update(model).where(model.customer_id == other_id).values(customer_id=keep_id)
        )
    other = await session.get(Customer, other_id)
    keep = await session.get(Customer, keep_id)
    filled: dict[str, str] = {}
    if other is not None:
        other.merged_into_id = keep_id
        if keep is not None:
            if not keep.phone and other.phone:
                keep.phone = filled["phone"] = other.phone
            if not keep.display_name and other.display_name:
                keep.display_name = filled["display_name"] = other.display_name
    moved["filled"] = filled
    record = CustomerMerge(
        keep_id=keep_id, joined_id=other_id, operator_id=operator_id, moved=moved
    )
    session.add(record)
    # Two open conversations after a merge: keep the newer one open, close the older (a reply
    # keyboard still on the older one's chat is taken away by the next reply there).
    open_rows = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.customer_id == keep_id, Conversation.owner.in_(OPEN_OWNERS))
            .order_by(Conversation.id.desc())
        )
    ).all()
    for older in open_rows[1:]:
        if older.owner == Owner.BOT.value:
            await move(session, older, Owner.CLOSED, reason="merged", actor=SYSTEM)
            take_over_keyboards(open_rows[0], older)
    await session.flush()
    return record


async def _ids(
    session: AsyncSession, id_column: Any, customer_column: Any, customer_id: int
) -> list[int]:
    return sorted(
        (await session.scalars(select(id_column).where(customer_column == customer_id))).all()
    )


def normalize_phone(raw: str) -> str:
    """A phone as customers are stored with it: digits only, Russia's 8… as 7…"""
    digits = "".join(ch for ch in raw if ch.isdigit())
    return "7" + digits[1:] if len(digits) == 11 and digits.startswith("8") else digits


async def customer_by_phone(session: AsyncSession, phone: str) -> Customer | None:
    return await session.scalar(
        select(Customer)
        .where(Customer.phone == phone, Customer.merged_into_id.is_(None))
        .order_by(Customer.id)
        .limit(1)
    )

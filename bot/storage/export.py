"""Everything stored about one person, for their right of access (152-FZ art. 14, GDPR art. 15).

``zabota customers export`` (:mod:`bot.cli_privacy`) writes it as JSON. The person is the
customer found by :func:`bot.storage.erasure.find_customer` together with every customer merged
into them (the same person writing from Telegram and Viber): their card, messenger accounts,
conversations with every message (the team's internal notes in them too) and every handover to
people (when, why, who answered first, how it ended), the files in those conversations (name,
type and size; not the bytes), the ratings they gave and the team's notes about them. Times are
UTC, ISO 8601.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.erasure import merged_family
from bot.storage.models import (
    Conversation,
    Customer,
    CustomerNote,
    Handoff,
    Identity,
    Message,
    Operator,
    Rating,
    StoredFile,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    display_name: str | None
    phone: str | None
    created_at: datetime
    merged_into_id: int | None
    erased_at: datetime | None
    blocked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Account:
    customer_id: int
    channel: str
    user_id: str
    chat_id: str
    display_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Said:
    at: datetime
    author: str  # customer | bot | operator | system
    kind: str  # message | note | event
    operator: str | None
    channel: str
    text: str
    data: dict[str, Any]  # buttons, attachments, the bot's reading of the message


@dataclass(frozen=True, slots=True)
class File:
    name: str
    mime_type: str
    size: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Handover:
    """One handover of the conversation to people (:mod:`bot.storage.handoffs`)."""

    escalated_at: datetime
    reason: str | None
    first_response_at: datetime | None
    first_operator: str | None
    ended_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Dialogue:
    id: int
    customer_id: int
    channel: str
    team: str | None
    owner: str
    created_at: datetime
    escalated_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None
    erased_at: datetime | None
    context: dict[str, Any]  # answers given in the bot's scenarios, hand-over notes
    messages: list[Said]
    files: list[File]
    handoffs: list[Handover]


@dataclass(frozen=True, slots=True)
class Score:
    conversation_id: int
    score: int
    reason: str | None
    operator: str | None
    created_at: datetime
    comment: str | None = None  # the customer's own words on why (bot/rating.py)


@dataclass(frozen=True, slots=True)
class Note:
    customer_id: int
    operator: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PersonalData:
    exported_at: datetime
    customers: list[Card]
    accounts: list[Account]
    conversations: list[Dialogue]
    ratings: list[Score]
    notes: list[Note]

    def to_json(self) -> str:
        """Readable JSON (Cyrillic as it is, not ``\\u`` escapes), times in ISO 8601."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=2, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


async def personal_data(session: AsyncSession, customer_id: int) -> PersonalData:
    """All of it for ``customer_id`` (a root customer: :func:`find_customer` resolves merges)."""
    family = await merged_family(session, customer_id)
    names = dict((await session.execute(select(Operator.id, Operator.display_name))).all())
    customers = (
        await session.scalars(select(Customer).where(Customer.id.in_(family)).order_by(Customer.id))
    ).all()
    accounts = (
        await session.scalars(
            select(Identity).where(Identity.customer_id.in_(family)).order_by(Identity.id)
        )
    ).all()
    conversations = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.customer_id.in_(family))
            .order_by(Conversation.id)
        )
    ).all()
    ids = [c.id for c in conversations]
    said: dict[int, list[Said]] = {i: [] for i in ids}
    for m in (
        await session.scalars(
            select(Message).where(Message.conversation_id.in_(ids)).order_by(Message.id)
        )
    ).all():
        said[m.conversation_id].append(
            Said(
                at=m.created_at,
                author=m.author,
                kind=m.kind,
                operator=names.get(m.operator_id) if m.operator_id is not None else None,
                channel=m.channel,
                text=m.text,
                data=m.data or {},
            )
        )
    files: dict[int, list[File]] = {i: [] for i in ids}
    for f in (
        await session.scalars(
            select(StoredFile).where(StoredFile.conversation_id.in_(ids)).order_by(StoredFile.id)
        )
    ).all():
        if f.conversation_id is not None:
            files[f.conversation_id].append(File(f.name, f.mime_type, f.size, f.created_at))
    handed: dict[int, list[Handover]] = {i: [] for i in ids}
    for h in (
        await session.scalars(
            select(Handoff).where(Handoff.conversation_id.in_(ids)).order_by(Handoff.id)
        )
    ).all():
        handed[h.conversation_id].append(
            Handover(
                h.escalated_at,
                h.reason,
                h.first_response_at,
                names.get(h.first_operator_id) if h.first_operator_id is not None else None,
                h.ended_at,
                h.outcome,
            )
        )
    ratings = (
        await session.scalars(
            select(Rating).where(Rating.customer_id.in_(family)).order_by(Rating.id)
        )
    ).all()
    notes = (
        await session.scalars(
            select(CustomerNote)
            .where(CustomerNote.customer_id.in_(family))
            .order_by(CustomerNote.id)
        )
    ).all()
    return PersonalData(
        exported_at=utcnow(),
        customers=[
            Card(
                c.id,
                c.display_name,
                c.phone,
                c.created_at,
                c.merged_into_id,
                c.erased_at,
                c.blocked_at,
            )
            for c in customers
        ],
        accounts=[
            Account(a.customer_id, a.channel, a.user_id, a.chat_id, a.display_name, a.created_at)
            for a in accounts
        ],
        conversations=[
            Dialogue(
                id=c.id,
                customer_id=c.customer_id,
                channel=c.channel,
                team=c.team,
                owner=c.owner,
                created_at=c.created_at,
                escalated_at=c.escalated_at,
                first_response_at=c.first_response_at,
                closed_at=c.closed_at,
                erased_at=c.erased_at,
                context=c.context or {},
                messages=said[c.id],
                files=files[c.id],
                handoffs=handed[c.id],
            )
            for c in conversations
        ],
        ratings=[
            Score(
                r.conversation_id,
                r.score,
                r.reason,
                names.get(r.operator_id) if r.operator_id is not None else None,
                r.created_at,
                r.comment,
            )
            for r in ratings
        ],
        notes=[Note(n.customer_id, names.get(n.operator_id), n.text, n.created_at) for n in notes],
    )

"""Erasing personal data: a customer's on request, and old conversations by retention.

What a customer-care history holds about a person: the texts they and we wrote (with order
numbers, addresses, phones), the files operators sent them, the team's notes about them, their
messenger accounts, names and phone, the raw webhook events in the inbox, the messages waiting
in the outbox and the messenger's delivery receipts.
Russia's 152-FZ (art. 21) and the GDPR (art. 17) give the person the right to have that
deleted; a retention period deletes it anyway once it is no longer needed.

What stays is what carries nobody's personal data and what the manager's figures are made of:
the rows themselves with their times, authors, owners, teams, operators and ratings. A
message keeps its place in the history with an empty text and ``data = {"erased": true}``, so
response times, conversations per operator, CSAT and the deflection rate do not change
retroactively.

Everything here runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ownership import OPEN_OWNERS, Owner
from bot.storage.models import (
    Conversation,
    Customer,
    CustomerMerge,
    CustomerNote,
    DeliveryEvent,
    EditorAction,
    Identity,
    InboxItem,
    LinkCode,
    Message,
    OutboxItem,
    Rating,
    StoredFile,
    Transition,
    utcnow,
)
from bot.storage.repo import move
from knowledge_base.loader import question_key

ERASED: dict[str, Any] = {"erased": True}
CANCELLED = "cancelled: personal data erased"  # outbox last_error of a message never sent
CLOSE_REASON = "erased"
"""Why an open conversation closes when its customer is erased; its handoff's outcome."""


class CustomerNotFound(LookupError):
    """No customer matches the given id, account or phone."""


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What one erasure changed (row counts)."""

    customers: int = 0
    identities: int = 0
    conversations: int = 0
    closed: int = 0  # open conversations closed by the erasure
    messages: int = 0
    outbox: int = 0
    cancelled: int = 0  # replies still waiting to be sent, not sent
    inbox: int = 0
    delivery_events: int = 0
    files: int = 0  # what operators sent them (photos, documents)
    dismissed: int = 0  # their questions an editor dismissed from «не понял», blanked
    notes: int = 0  # the team's notes about them («Заметки о клиенте»), deleted

    def summary(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


@dataclass(frozen=True, slots=True)
class ForgetResult:
    report: ErasureReport
    customer_ids: tuple[int, ...]
    closed_conversations: tuple[int, ...]  # ids, for the console's live view


async def find_customer(
    session: AsyncSession,
    *,
    customer_id: int | None = None,
    channel: str | None = None,
    user_id: str | None = None,
    phone: str | None = None,
) -> int:
    """The customer to erase, by id, by messenger account or by phone.

    A customer that was merged into another (the same person writing from two messengers)
    resolves to the one it was merged into, so the whole person is erased."""
    found: int | None = None
    if customer_id is not None:
        found = await session.scalar(select(Customer.id).where(Customer.id == customer_id))
    elif channel is not None and user_id is not None:
        found = await session.scalar(
            select(Identity.customer_id).where(
                Identity.channel == channel, Identity.user_id == user_id
            )
        )
    elif phone is not None:
        found = await session.scalar(
            select(Customer.id).where(Customer.phone == phone).order_by(Customer.id).limit(1)
        )
    else:
        raise ValueError("give a customer id, a channel and user id, or a phone")
    if found is None:
        raise CustomerNotFound("no such customer")
    seen = {found}
    while True:  # up the merge chain
        parent = await session.scalar(select(Customer.merged_into_id).where(Customer.id == found))
        if parent is None or parent in seen:
            return found
        seen.add(parent)
        found = parent


async def merged_family(session: AsyncSession, root: int) -> list[int]:
    """``root`` and every customer merged into it, directly or through another."""
    family = [root]
    frontier = [root]
    while frontier:
        children = (
            await session.scalars(
                select(Customer.id).where(
                    Customer.merged_into_id.in_(frontier), Customer.id.not_in(family)
                )
            )
        ).all()
        family.extend(children)
        frontier = list(children)
    return family


async def forget_customer(session: AsyncSession, customer_id: int, *, actor: str) -> ForgetResult:
    """Erase everything personal about a customer (and the customers merged into them).

    Open conversations are closed (reason ``erased``) and replies not yet sent are cancelled:
    nothing more is said to a person who asked to be forgotten. Their messenger accounts are
    renamed to ``erased:<id>``, so a later message from them starts a new customer with no
    past. Idempotent: erasing again changes nothing but the count of rows it touches."""
    ids = await merged_family(session, customer_id)
    now = utcnow()
    identities = (
        await session.execute(
            select(Identity.id, Identity.channel, Identity.user_id, Identity.chat_id).where(
                Identity.customer_id.in_(ids)
            )
        )
    ).all()
    open_conversations = (
        await session.scalars(
            select(Conversation)
            .where(
                Conversation.customer_id.in_(ids),
                Conversation.owner.in_([o.value for o in OPEN_OWNERS]),
            )
            # Waits for a message being processed in one of them (the engine holds the row)
            # and reads the owner it left, so the closing transition starts from the truth.
            .with_for_update()
        )
    ).all()
    closed = []
    for conversation in open_conversations:
        await move(session, conversation, Owner.CLOSED, reason=CLOSE_REASON, actor=actor)
        closed.append(conversation.id)
    conversation_ids = (
        await session.scalars(select(Conversation.id).where(Conversation.customer_id.in_(ids)))
    ).all()
    dismissed = await _blank_dismissed(session, conversation_ids)
    report = await _erase_conversations(session, conversation_ids, now)

    accounts = [(c, user) for _, c, user, _ in identities if not user.startswith("erased:")]
    chats = [(channel, chat) for _, channel, _, chat in identities if chat]
    cancelled = await _cancel_outbox(session, chats)
    inbox = 0
    delivery = 0
    uploads = 0  # a visitor's files no processed message refers to yet
    for channel, user in accounts:
        uploads += _count(
            await session.execute(
                delete(StoredFile).where(StoredFile.uploader == f"{channel}:{user}")
            )
        )
        theirs = and_(InboxItem.channel == channel, InboxItem.event["user_id"].as_string() == user)
        # An event not processed yet is not processed at all (the engine's claim of it finds
        # it taken); the row stays, so a redelivery of it is still recognised and ignored.
        await session.execute(
            update(InboxItem)
            .where(theirs, InboxItem.processed_at.is_(None))
            .values(processed_at=now)
        )
        inbox += _count(await session.execute(update(InboxItem).where(theirs).values(event={})))
        delivery += _count(
            await session.execute(
                delete(DeliveryEvent).where(
                    DeliveryEvent.channel == channel, DeliveryEvent.user_id == user
                )
            )
        )
    for identity_id, *_ in identities:
        await session.execute(
            update(Identity)
            .where(Identity.id == identity_id)
            .values(user_id=f"erased:{identity_id}", chat_id="", display_name=None)
        )
    await session.execute(delete(LinkCode).where(LinkCode.customer_id.in_(ids)))
    # A join's record keeps the phone and name it copied; an erased join is not undone anyway.
    await session.execute(
        delete(CustomerMerge).where(
            or_(CustomerMerge.keep_id.in_(ids), CustomerMerge.joined_id.in_(ids))
        )
    )
    notes = _count(
        await session.execute(delete(CustomerNote).where(CustomerNote.customer_id.in_(ids)))
    )
    customers = _count(
        await session.execute(
            update(Customer)
            .where(Customer.id.in_(ids))
            .values(display_name=None, phone=None, erased_at=now)
        )
    )
    report = replace(
        report,
        customers=customers,
        identities=len(identities),
        closed=len(closed),
        cancelled=report.cancelled + cancelled,
        inbox=inbox,
        delivery_events=delivery,
        files=report.files + uploads,
        dismissed=dismissed,
        notes=notes,
    )
    return ForgetResult(report, tuple(ids), tuple(closed))


async def erase_closed_before(
    session: AsyncSession, before: datetime, limit: int = 500
) -> ErasureReport:
    """Retention: erase the texts of up to ``limit`` conversations closed before ``before``.

    The customer's account and their newer conversations stay; only what was said in the old
    ones (and what was queued for them) goes."""
    ids = (
        await session.scalars(
            select(Conversation.id)
            .where(
                Conversation.owner == Owner.CLOSED.value,
                Conversation.closed_at < before,
                Conversation.erased_at.is_(None),
            )
            .order_by(Conversation.id)
            .limit(limit)
        )
    ).all()
    return await _erase_conversations(session, ids, utcnow())


async def prune_delivery_events(session: AsyncSession, before: datetime, limit: int = 5000) -> int:
    """Retention for messenger receipts (delivered, seen, failed…): delete those older than
    ``before`` among the ``limit`` oldest rows; return how many. Ids grow with time, so looking
    at the oldest rows by primary key finds the expired ones without an index on the time."""
    oldest = select(DeliveryEvent.id).order_by(DeliveryEvent.id).limit(limit)
    return _count(
        await session.execute(
            delete(DeliveryEvent).where(DeliveryEvent.id.in_(oldest), DeliveryEvent.at < before)
        )
    )


async def _erase_conversations(
    session: AsyncSession, ids: Sequence[int], now: datetime
) -> ErasureReport:
    if not ids:
        return ErasureReport()
    messages = _count(
        await session.execute(
            update(Message)
            .where(Message.conversation_id.in_(ids))
            .values(text="", data=ERASED, external_id=None)
        )
    )
    cancelled, outbox = await _blank_outbox(session, OutboxItem.conversation_id.in_(ids))
    await session.execute(  # the customer's words on a rating (bot/rating.py); the score stays
        update(Rating)
        .where(Rating.conversation_id.in_(ids))
        .values(comment=None, comment_asked_at=None)
    )
    files = _count(
        await session.execute(delete(StoredFile).where(StoredFile.conversation_id.in_(ids)))
    )
    await session.execute(
        update(Transition)
        .where(Transition.conversation_id.in_(ids), Transition.note.is_not(None))
        .values(note=None)
    )
    conversations = _count(
        await session.execute(
            update(Conversation).where(Conversation.id.in_(ids)).values(context={}, erased_at=now)
        )
    )
    return ErasureReport(
        conversations=conversations,
        messages=messages,
        outbox=outbox,
        cancelled=cancelled,
        files=files,
    )


async def _blank_dismissed(session: AsyncSession, conversation_ids: Sequence[int]) -> int:
    """An editor's «не вопрос к FAQ» keeps the question's text; a question the customer asked
    is blanked in it (the audit row stays: who dismissed what, when). Taught questions are
    content now (the YAML files) and stay."""
    if not conversation_ids:
        return 0
    texts = (
        await session.scalars(
            select(Message.text).where(
                Message.conversation_id.in_(conversation_ids),
                Message.author == "customer",
                Message.text != "",
            )
        )
    ).all()
    keys = sorted({question_key(t)[:400] for t in texts} - {""})
    blanked = 0
    for start in range(0, len(keys), 500):
        blanked += _count(
            await session.execute(
                update(EditorAction)
                .where(
                    EditorAction.action == "dismissed",
                    EditorAction.key.in_(keys[start : start + 500]),
                )
                .values(key="", text="")
            )
        )
    return blanked


async def _cancel_outbox(session: AsyncSession, chats: Sequence[tuple[str, str]]) -> int:
    """Messages to the customer's chats outside any conversation (a link code, say)."""
    if not chats:
        return 0
    match = or_(*(and_(OutboxItem.channel == c, OutboxItem.chat_id == chat) for c, chat in chats))
    cancelled, _ = await _blank_outbox(session, and_(match, OutboxItem.conversation_id.is_(None)))
    return cancelled


async def _blank_outbox(session: AsyncSession, rows: Any) -> tuple[int, int]:
    """Cancel the matching replies not sent yet and blank every matching payload; return
    (cancelled, blanked)."""
    cancelled = _count(
        await session.execute(
            update(OutboxItem)
            .where(rows, OutboxItem.status == "pending")
            .values(status="failed", last_error=CANCELLED)
        )
    )
    blanked = _count(
        await session.execute(
            update(OutboxItem).where(rows).values(payload=ERASED, external_ids=[])
        )
    )
    return cancelled, blanked


def _count(result: Any) -> int:
    return int(result.rowcount or 0)

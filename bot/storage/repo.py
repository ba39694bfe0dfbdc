"""Storage operations shared by the engine, the outbox and the operator console.

Functions take an open :class:`AsyncSession` so that the caller decides the transaction: the
engine writes a customer's message, the owner change and the replies' outbox rows atomically.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Inbound
from bot.ownership import HUMAN_OWNERS, OPEN_OWNERS, Owner, check_move
from bot.storage import handoffs
from bot.storage.contact_keyboard import CONTACT_KEYBOARD, keyboards_left
from bot.storage.models import (
    Conversation,
    Customer,
    DeliveryEvent,
    Identity,
    Message,
    OutboxItem,
    Transition,
    utcnow,
)
from flows.state import live_flow


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def locked_conversations(
    session: AsyncSession, query: Select[Conversation]
) -> list[Conversation]:
    """The conversations ``query`` selects, row-locked on PostgreSQL (``FOR UPDATE``) so that
    concurrent changes to them serialise; SQLite's single writer needs no lock."""
    if is_postgres(session):
        query = query.with_for_update()
    return list((await session.scalars(query)).all())


# Hot-path statements are built once, with bound parameters: building and cache-keying a
# statement on every call costs more CPU than executing it (docs/benchmarks.md).


_IDENTITY_BY_USER = select(Identity).where(
    Identity.channel == bindparam("channel"), Identity.user_id == bindparam("user_id")
)


async def get_or_create_identity(session: AsyncSession, event: Inbound) -> Identity:
    """The identity of the event's sender, creating it (and its customer) on first contact."""
    identity = await session.scalar(
        _IDENTITY_BY_USER, {"channel": event.channel, "user_id": event.user_id}
    )
    if identity is not None:
        if event.display_name and identity.display_name != event.display_name:
            identity.display_name = event.display_name
        if identity.chat_id != event.chat_id:
            identity.chat_id = event.chat_id
        if identity.blocked and event.kind != "status":
            identity.blocked = False
        return identity
    customer = Customer(display_name=event.display_name, created_at=utcnow())
    session.add(customer)
    await session.flush()
    identity = Identity(
        customer_id=customer.id,
        channel=event.channel,
        user_id=event.user_id,
        chat_id=event.chat_id,
        display_name=event.display_name,
        created_at=utcnow(),
    )
    session.add(identity)
    await session.flush()
    return identity


# The customer's open conversation, else their latest one (a closed one may hand a flow over to
# the next, see CARRIED_OVER): one query either way. After a merge of two customers an older
# conversation may be open while a newer one is closed, hence the order.
_CUSTOMER_CONVERSATION = (
    select(Conversation)
    .where(Conversation.customer_id == bindparam("customer_id"))
    .order_by(case((Conversation.owner.in_(OPEN_OWNERS), 0), else_=1), Conversation.id.desc())
    .limit(1)
)
_CUSTOMER_CONVERSATION_LOCKED = _CUSTOMER_CONVERSATION.with_for_update()


INACTIVE = "inactive"
"""The transition reason of a bot conversation closed because the customer went quiet."""
SYSTEM = "system"
"""The actor of an owner change nobody made by hand (expiry, a merge of customers)."""
CARRIED_OVER = ("flow", "flow_data")
"""What a new conversation takes over from the customer's previous one when that one only
ended because the customer went quiet: a flow half-way through (as Rasa carries slots over to a
new session), so an answer or a button pressed hours later still answers the flow's question —
within the flow's age limit (``policy.flow_expiry_hours``, :func:`flows.state.live_flow`)."""


async def open_conversation(
    session: AsyncSession,
    customer_id: int,
    channel: str,
    chat_id: str,
    *,
    lock: bool = True,
    now: datetime | None = None,
    expire_before: datetime | None = None,
) -> tuple[Conversation, bool]:
    """The customer's open conversation (any channel), or a new bot-owned one.

    Returns ``(conversation, created)``. The conversation follows the customer: replies go to the
    channel they wrote from last. On PostgreSQL the row is locked for the transaction so two
    workers never interleave one conversation. A bot-owned conversation last active before
    ``expire_before`` is closed first (``policy.session_expiry_minutes``; the periodic sweep in
    :mod:`bot.storage.lifecycle` may not have reached it yet) and a new one is opened; a new
    conversation takes over a flow the previous one left half-way (:data:`CARRIED_OVER`), and
    a reply keyboard still on a chat's screen (:data:`CONTACT_KEYBOARD`), whoever closed it. A
    flow past its age limit is dropped from the conversation it waits in, or not carried over.
    """
    query = (
        _CUSTOMER_CONVERSATION_LOCKED if lock and is_postgres(session) else _CUSTOMER_CONVERSATION
    )
    conversation = await session.scalar(query, {"customer_id": customer_id})
    if (
        conversation is not None
        and expire_before is not None
        and conversation.owner == Owner.BOT.value
        and conversation.updated_at < expire_before
    ):
        await move(session, conversation, Owner.CLOSED, reason=INACTIVE, actor=SYSTEM)
    now = now or utcnow()
    carried: dict[str, Any] = {}
    if conversation is not None and conversation.owner == Owner.CLOSED.value:
        if expire_before is not None:  # sessions expire: the last one may have left a flow
            carried = _carried(conversation, now)
        if keyboards := keyboards_left(conversation):  # still on the chats' screens
            carried[CONTACT_KEYBOARD] = keyboards
        conversation = None
    if conversation is not None:
        _drop_stale_flow(conversation, now)
        conversation.channel = channel
        conversation.chat_id = chat_id
        conversation.updated_at = now
        return conversation, False
    conversation = Conversation(
        customer_id=customer_id,
        owner=Owner.BOT.value,
        channel=channel,
        chat_id=chat_id,
        context=carried,
        unknown_streak=0,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    return conversation, True


def _carried(closed: Conversation, now: datetime) -> dict[str, Any]:
    """The flow of a closed conversation that ended without a person (not one an operator
    closed), for the customer's next one, marked as carried: if the customer's first message
    there does not answer it, that message is read as a new one (``flows/engine.py``)."""
    context = closed.context or {}
    if closed.escalated_at is not None or not live_flow(context, now):
        return {}
    carried = {key: copy.deepcopy(context[key]) for key in CARRIED_OVER if key in context}
    carried["flow"]["carried"] = True
    return carried


def _drop_stale_flow(conversation: Conversation, now: datetime) -> None:
    """A flow whose question has waited past its age limit no longer waits for an answer (in
    a conversation kept open, ``policy.session_expiry_minutes: 0``); what it collected stays."""
    context = conversation.context or {}
    if context.get("flow") and not live_flow(context, now):
        conversation.context = {k: v for k, v in context.items() if k != "flow"}


async def move(
    session: AsyncSession,
    conversation: Conversation,
    target: Owner,
    *,
    reason: str,
    actor: str,
    note: str | None = None,
) -> Transition:
    """Change the owner through the state machine and keep the audit row; a move from the bot
    to the queue begins a handover, one from people back to the bot or to closed ends it
    (:mod:`bot.storage.handoffs`)."""
    check_move(conversation.owner, target, reason)
    now = utcnow()
    transition = Transition(
        conversation_id=conversation.id,
        from_owner=conversation.owner,
        to_owner=target.value,
        reason=reason,
        actor=actor,
        note=note,
        at=now,
    )
    session.add(transition)
    if target is Owner.QUEUED and conversation.owner == Owner.BOT.value:
        handoffs.begin(session, conversation, reason, now)
    elif Owner(conversation.owner) in HUMAN_OWNERS and target in (Owner.BOT, Owner.CLOSED):
        await handoffs.end(session, conversation.id, reason, now)
    if target is Owner.CLOSED:
        conversation.closed_at = now
    if target is Owner.BOT:
        conversation.operator_id = None
        conversation.unknown_streak = 0
    if target is Owner.QUEUED:
        conversation.operator_id = None
    conversation.owner = target.value
    conversation.updated_at = now
    await session.flush()
    return transition


MESSAGES_TABLE = cast(Table, Message.__table__)
OUTBOX_TABLE = cast(Table, OutboxItem.__table__)  # for Core statements (also bot/outbox.py)

# The engine's history and outbox rows are Core INSERTs, not ORM objects: the unit of work's
# bookkeeping for them (and for the outbox row's relationship to its message) cost more CPU
# than the statements themselves (docs/benchmarks.md). Operators' replies still go through the
# ORM (:func:`bot.storage.outgoing.enqueue`); both write the same rows.
INSERT_MESSAGES = insert(MESSAGES_TABLE).returning(
    MESSAGES_TABLE.c.id, sort_by_parameter_order=True
)
INSERT_OUTBOX = insert(OUTBOX_TABLE).returning(OUTBOX_TABLE.c.id, sort_by_parameter_order=True)


async def insert_rows(session: AsyncSession, stmt: Any, rows: Any) -> list[int]:
    """Run one of the INSERTs above; its ids, in the order of ``rows``.

    Without the session's autoflush, which SQLAlchemy runs before every Core statement: a
    pending change of the conversation is then written once, at the commit, not once per
    INSERT."""
    with session.no_autoflush:
        result = await session.execute(stmt, rows)
    return [int(row_id) for row_id in result.scalars().all()]


async def recent_button_title(
    session: AsyncSession, conversation_id: int, payload: str, look_back: int = 20
) -> str | None:
    """The title of a button with ``payload`` on one of the conversation's latest outgoing
    messages (newest first), or None: what a customer pressed, for a messenger that sends
    back only the payload (Viber)."""
    rows = await session.execute(
        select(Message.data)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(look_back)
    )
    for (data,) in rows:
        for button in (data or {}).get("buttons") or []:
            if isinstance(button, dict) and button.get("payload") == payload:
                return str(button.get("title") or "") or None
    return None


async def add_inbound_message(
    session: AsyncSession, conversation: Conversation, event: Inbound, data: dict[str, Any]
) -> int:
    """Write the customer's message in the history now and return its id.

    Written before the bot's handlers run, so that what they add (an escalation's event
    line, the replies) follows it in the history's order."""
    text = event.text if event.kind != "button" else event.text or f"[{event.payload}]"
    row = {
        "conversation_id": conversation.id,
        "customer_id": conversation.customer_id,
        "channel": event.channel,
        "direction": "in",
        "author": "customer",
        "operator_id": None,
        "kind": "message",
        "text": text,
        "data": data,
        "external_id": event.external_id[:128],
        "created_at": utcnow(),
    }
    return (await insert_rows(session, INSERT_MESSAGES, row))[0]


_UPDATE_MESSAGE_DATA = (
    update(MESSAGES_TABLE)
    .where(MESSAGES_TABLE.c.id == bindparam("b_id"))
    .values(data=bindparam("b_data", type_=MESSAGES_TABLE.c.data.type))
)


async def update_message_data(session: AsyncSession, message_id: int, data: dict[str, Any]) -> None:
    """Replace a history row's ``data`` (what a handler learnt about the customer's message)."""
    with session.no_autoflush:
        await session.execute(_UPDATE_MESSAGE_DATA, {"b_id": message_id, "b_data": data})


async def add_event(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    data: dict[str, Any] | None = None,
    *,
    kind: str = "event",
    author: str = "system",
    operator_id: int | None = None,
) -> Message:
    """A line in the history that the customer never receives: a system event («Передано
    оператору: просьба клиента») or, with ``kind="note"``, an operator's internal note."""
    message = Message(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        direction="out",
        author=author,
        operator_id=operator_id,
        kind=kind,
        text=text,
        data=data or {},
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    return message


async def history(
    session: AsyncSession, customer_id: int, *, after_id: int = 0, limit: int = 500
) -> Sequence[Message]:
    """All messages of a customer across channels and conversations, oldest first."""
    rows = await session.scalars(
        select(Message)
        .where(Message.customer_id == customer_id, Message.id > after_id)
        .order_by(Message.id)
        .limit(limit)
    )
    return rows.all()


async def conversation_with_person(
    session: AsyncSession, channel: str, user_id: str
) -> tuple[int, int] | None:
    """``(conversation id, customer id)`` of the conversation a person has (or is about to
    get) with this messenger account, if any."""
    found = (
        await session.execute(
            select(Conversation.id, Conversation.customer_id)
            .join(Identity, Identity.customer_id == Conversation.customer_id)
            .where(
                Identity.channel == channel,
                Identity.user_id == user_id,
                Conversation.owner.in_([o.value for o in HUMAN_OWNERS]),
            )
            .order_by(Conversation.id.desc())
            .limit(1)
        )
    ).first()
    return (found[0], found[1]) if found is not None else None


async def record_status(session: AsyncSession, event: Inbound, at: datetime | None = None) -> None:
    """Keep a messenger status callback (delivered, seen, failed, …; a block or an unblock is
    :func:`bot.reachability.record`'s, which keeps it through here too)."""
    session.add(
        DeliveryEvent(
            channel=event.channel,
            user_id=event.user_id,
            status=event.payload or "",
            ref_message_id=event.ref_message_id,
            at=at or utcnow(),
        )
    )


async def queue_position(session: AsyncSession, conversation: Conversation) -> int:
    """How many queued conversations of the same team were escalated before this one."""
    count = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.owner == Owner.QUEUED.value,
            Conversation.team == conversation.team,
            Conversation.id != conversation.id,
            Conversation.escalated_at <= (conversation.escalated_at or utcnow()),
        )
    )
    return int(count or 0)

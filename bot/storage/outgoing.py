"""Outgoing messages: the history row and the outbox row of each reply, written together.

The bot's replies (:func:`enqueue_many`, Core INSERTs on the hot path) and the operators'
(:func:`enqueue`, through the ORM) write the same rows; :func:`claim_for_sending` leases a
just-written row to this process when it is its chat's head (``bot/outbox.py`` sends it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import ButtonStyle, Outbound
from bot.ownership import HUMAN_OWNERS
from bot.storage.contact_keyboard import KEYBOARD_ENDED, contact_keyboard, mark_contact_keyboard
from bot.storage.models import Conversation, Message, OutboxItem, utcnow
from bot.storage.repo import INSERT_MESSAGES, INSERT_OUTBOX, OUTBOX_TABLE, insert_rows


@dataclass(frozen=True, slots=True)
class Queued:
    """An outgoing message written to the history and the outbox by :func:`enqueue_many`."""

    outbox_id: int
    message_id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    created_at: datetime


def _as_sent(conversation: Conversation, outbound: Outbound) -> Outbound:
    """``outbound`` as the channel gets it: marked :attr:`~Outbound.person_called` when the
    conversation waits in the queue or an operator has it (after the turn's move: «Передаю
    диалог оператору» is said once it is queued), so no channel offers to call a person."""
    if outbound.person_called or conversation.owner not in HUMAN_OWNERS:
        return outbound
    return dataclasses.replace(outbound, person_called=True)


def _taking_keyboard_away(conversation: Conversation, outbound: Outbound) -> Outbound:
    """An operator's or the system's message after the customer wrote past the «Отправить мой
    номер» keyboard with no answer from the bot (an operator has the chat): it takes the
    keyboard away (:data:`~bot.storage.contact_keyboard.CONTACT_KEYBOARD`, the mark of the chat
    the message goes to), whatever its buttons — a reply keyboard of its own replaces the old
    one. While the bot still waits for the contact, the queue's notices leave it."""
    if contact_keyboard(conversation) != KEYBOARD_ENDED:  # of the chat it goes to
        return outbound
    mark_contact_keyboard(conversation, None)
    if outbound.buttons and outbound.style is ButtonStyle.REPLY:
        return outbound
    return dataclasses.replace(outbound, remove_keyboard=True)


def _out_message(
    conversation: Conversation,
    outbound: Outbound,
    payload: dict[str, Any],
    data: dict[str, Any] | None,
    operator_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The history row of an outgoing message (column values)."""
    return {
        "conversation_id": conversation.id,
        "customer_id": conversation.customer_id,
        "channel": conversation.channel,
        "direction": "out",
        "author": outbound.author,
        "operator_id": operator_id,
        "kind": "message",
        "text": outbound.text,
        "data": {
            "buttons": payload["buttons"],
            "style": payload["style"],
            **({"file": payload["file"]} if "file" in payload else {}),
            **(data or {}),
        },
        "external_id": None,
        "created_at": now,
    }


def _outbox_row(
    conversation: Conversation, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "conversation_id": conversation.id,
        "channel": conversation.channel,
        "chat_id": conversation.chat_id,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_until": None,
        "last_error": None,
        "external_ids": [],
        "created_at": now,
        "sent_at": None,
    }


async def enqueue_many(
    session: AsyncSession,
    conversation: Conversation,
    replies: Sequence[tuple[Outbound, dict[str, Any] | None]],
) -> list[Queued]:
    """Record the bot's replies in the history and put them in the outbox, in order, now.

    Two statements whatever the number of replies: the history rows, then their outbox rows
    (each pointing at its message); the ids come back with them."""
    if not replies:
        return []
    now = utcnow()
    payloads = [_as_sent(conversation, outbound).to_json() for outbound, _ in replies]
    messages = [
        _out_message(conversation, outbound, payload, data, None, now)
        for (outbound, data), payload in zip(replies, payloads, strict=True)
    ]
    message_ids = await insert_rows(session, INSERT_MESSAGES, messages)
    rows = [
        {**_outbox_row(conversation, payload, now), "message_id": message_id}
        for payload, message_id in zip(payloads, message_ids, strict=True)
    ]
    outbox_ids = await insert_rows(session, INSERT_OUTBOX, rows)
    return [
        Queued(outbox_id, message_id, row["channel"], row["chat_id"], row["payload"], now)
        for outbox_id, message_id, row in zip(outbox_ids, message_ids, rows, strict=True)
    ]


def enqueue(
    session: AsyncSession,
    conversation: Conversation,
    outbound: Outbound,
    *,
    operator_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Message:
    """Record an outgoing message in the history and put it in the outbox, atomically.

    Nothing is written until the transaction's next flush (at the latest, its commit), which
    inserts both rows in order; the message's ``id`` is set from then on.
    """
    now = utcnow()
    outbound = _taking_keyboard_away(conversation, outbound)
    payload = _as_sent(conversation, outbound).to_json()
    message = Message(**_out_message(conversation, outbound, payload, data, operator_id, now))
    session.add(message)
    session.add(OutboxItem(**_outbox_row(conversation, payload, now), message=message))
    return message


_EARLIER = OUTBOX_TABLE.alias("earlier")


_LEASE_HEAD = (  # Core, as the inbox claim (bot/storage/inbound.py)
    update(OUTBOX_TABLE)
    .where(
        OUTBOX_TABLE.c.id == bindparam("b_id"),
        OUTBOX_TABLE.c.status == "pending",
        ~select(_EARLIER.c.id)
        .where(
            _EARLIER.c.channel == bindparam("b_channel"),
            _EARLIER.c.chat_id == bindparam("b_chat_id"),
            _EARLIER.c.status.in_(("pending", "sending")),
            _EARLIER.c.id < bindparam("b_id"),
        )
        .exists(),
    )
    .values(status="sending", claimed_until=bindparam("b_until"))
)


async def claim_for_sending(session: AsyncSession, item: Queued, until: datetime) -> bool:
    """Lease a just-enqueued row to this process in its own transaction, if it is its chat's
    head (no earlier row of the chat is pending or being sent, by any process).

    The outbox sender then sends it as soon as the transaction commits, instead of finding it
    with a pump of its own (a transaction of four statements).
    """
    result = await session.execute(
        _LEASE_HEAD,
        {
            "b_id": item.outbox_id,
            "b_channel": item.channel,
            "b_chat_id": item.chat_id,
            "b_until": until,
        },
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]

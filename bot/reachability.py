"""A customer blocks or unblocks the bot: what operators see and what stops.

Telegram says so with ``my_chat_member`` (a private chat's ``kicked`` / ``member``), Viber with
``unsubscribed`` / ``subscribed``; both arrive as :attr:`~bot.events.InboundKind.STATUS` events
(:data:`~bot.events.STATUS_UNSUBSCRIBED`, :data:`~bot.events.STATUS_SUBSCRIBED`). Recording one:

* the identity is marked unreachable (``Identity.blocked``) — the outbox then fails whatever it
  would send there with «клиент заблокировал бота или отписался» (bot/outbox.py) — or
  reachable again;
* on a block, the replies still waiting in the outbox for that chat fail at once, rather than
  being sent should the customer unblock the bot days later;
* a line goes into the customer's conversation (the open one, else the newest): «Клиент
  заблокировал бота в Telegram», «Клиент отписался от бота в Viber», «Клиент снова на связи
  в Viber»;
* a request waiting in the queue whose replies would go to that chat is closed: nobody could
  answer it, and it would sit in the queue until the customer is back. A conversation an
  operator already has stays theirs (they see the line, the console shows that the customer
  cannot receive messages, and they close it when they choose); the bot's own stays open.

Only a change writes anything: a repeated block (Viber may send ``unsubscribed`` twice) or a
status older than the last one recorded (the messenger's own time, ``Inbound.happened_at``)
is kept in ``delivery_events`` and changes nothing. A customer who writes again is reachable
again anyway (:func:`bot.storage.repo.get_or_create_identity`): their message says they are
back, so no line is added for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.events import REACHABILITY, STATUS_UNSUBSCRIBED, Inbound
from bot.ownership import OPEN_OWNERS, Owner
from bot.storage import repo
from bot.storage.models import Conversation, DeliveryEvent, Identity, utcnow

UNREACHABLE_ERROR = "the customer unsubscribed or blocked the bot"
"""The outbox error of a reply that was not sent because of it (bot.delivery words it)."""
CLOSE_REASON = "customer_unreachable"

_MESSENGERS = {"telegram": "Telegram", "viber": "Viber"}


@dataclass(slots=True)
class Recorded:
    """The bus events recording a reachability status makes (published after the commit)."""

    events: list[BusEvent] = field(default_factory=list)


def is_reachability(event: Inbound) -> bool:
    return event.payload in REACHABILITY


def _when(event: Inbound, now: datetime) -> datetime:
    if event.happened_at is None:
        return now
    return datetime.fromtimestamp(event.happened_at, UTC)


def _line(channel: str, blocked: bool, closed: bool, not_sent: int) -> str:
    messenger = _MESSENGERS.get(channel, channel)
    if not blocked:
        return f"Клиент снова на связи в {messenger}: сообщения доходят"
    said = (
        f"Клиент заблокировал бота в {messenger}"
        if channel == "telegram"
        else f"Клиент отписался от бота в {messenger}"
    )
    said += ": сообщения ему не доходят"
    if not_sent:
        said += f", не отправлено: {not_sent}"
    if closed:
        said += ". Запрос снят из очереди: ответить клиенту в этом чате нельзя"
    return said


async def record(session: AsyncSession, event: Inbound, now: datetime | None = None) -> Recorded:
    """Record a subscribed/unsubscribed status of ``event``'s chat (see the module doc)."""
    now = now or utcnow()
    at = _when(event, now)
    # Locked first (PostgreSQL): two statuses of one chat processed at once take turns, the
    # second reading what the first wrote.
    query = select(Identity).where(
        Identity.channel == event.channel, Identity.user_id == event.user_id
    )
    identity = await session.scalar(query.with_for_update() if repo.is_postgres(session) else query)
    last = await session.scalar(
        select(DeliveryEvent.at)
        .where(
            DeliveryEvent.channel == event.channel,
            DeliveryEvent.user_id == event.user_id,
            DeliveryEvent.status.in_(REACHABILITY),
        )
        .order_by(DeliveryEvent.at.desc(), DeliveryEvent.id.desc())
        .limit(1)
    )
    await repo.record_status(session, event, at)
    if last is not None and last > at:
        return Recorded()  # older than what we know: the later status stands
    blocked = event.payload == STATUS_UNSUBSCRIBED
    if identity is None or identity.blocked == blocked:
        return Recorded()  # a stranger, or nothing new
    identity.blocked = blocked
    not_sent = await _fail_waiting(session, identity) if blocked else 0
    conversation = await _conversation(session, identity.customer_id)
    if conversation is None:
        return Recorded()
    was = conversation.owner
    closed = (
        blocked
        and conversation.owner == Owner.QUEUED.value
        and (conversation.channel, conversation.chat_id) == (identity.channel, identity.chat_id)
    )
    if closed:
        await repo.move(session, conversation, Owner.CLOSED, reason=CLOSE_REASON, actor="system")
    line = await repo.add_event(
        session,
        conversation,
        _line(event.channel, blocked, closed, not_sent),
        {"reachable": not blocked, "channel": event.channel},
    )
    state = {"owner": conversation.owner, "operator_id": conversation.operator_id}
    events = [
        BusEvent(
            "message",
            conversation.id,
            conversation.customer_id,
            {**state, "message_id": line.id},
        )
    ]
    if conversation.owner != was:
        events.append(BusEvent("transition", conversation.id, conversation.customer_id, state))
    return Recorded(events)


async def _fail_waiting(session: AsyncSession, identity: Identity) -> int:
    """Fail the replies still waiting for this chat; those in flight fail at the messenger."""
    table = repo.OUTBOX_TABLE
    result = await session.execute(
        update(table)
        .where(
            table.c.channel == identity.channel,
            table.c.chat_id == identity.chat_id,
            table.c.status == "pending",
        )
        .values(status="failed", last_error=UNREACHABLE_ERROR, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _conversation(session: AsyncSession, customer_id: int) -> Conversation | None:
    """The customer's open conversation, else their newest (where the line goes)."""
    newest_first = (
        select(Conversation)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    # Locked (PostgreSQL): an operator taking the queued request meanwhile waits for this.
    open_ones = await repo.locked_conversations(
        session, newest_first.where(Conversation.owner.in_([o.value for o in OPEN_OWNERS]))
    )
    return open_ones[0] if open_ones else await session.scalar(newest_first)

"""Read models for the console and the API: lists, one conversation with full context, the
customer card, and the SLA state.

Everything here returns plain JSON-ready dicts, so the HTML console and integrations read the
same shapes; the console never renders customer text as HTML (see ``static/console.js``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.files import file_view
from bot.ownership import Owner
from bot.rating import REASONS
from bot.storage.models import (
    Conversation,
    ConversationLabel,
    Customer,
    Identity,
    Message,
    Operator,
    Rating,
    Transition,
    utcnow,
)
from handoff import customer_notes, delivery
from handoff.escalation import REASON_TITLES
from handoff.names import first_name
from handoff.sla_clock import SlaClock, sla
from handoff.waiting import owed_since
from knowledge_base.models import KnowledgeBase

if TYPE_CHECKING:
    from bot.engine import Brain

VIEWS = ("queued", "mine", "team", "all")
OPEN_OWNERS = (Owner.QUEUED.value, Owner.OPERATOR.value)
CARD_CONVERSATIONS = 50  # the newest ones on the card; the rest are counted
HISTORY_LIMIT = 1000  # messages in a conversation's history (the newest, across channels)


def _flow_view(context: dict[str, Any]) -> dict[str, str]:
    """What a flow collected, readable: «Сценарий: Где мой заказ», then each slot."""
    data = context.get("flow_data")
    if not isinstance(data, dict):
        return {}
    view = {"Сценарий": str(data.get("title") or data.get("id") or "")}
    fields = data.get("fields")
    if isinstance(fields, list):  # labelled by the flow (since 2026-12-02)
        return view | {str(f.get("label")): str(f.get("value")) for f in fields}
    return view | {str(k): str(v) for k, v in (data.get("slots") or {}).items()}


# Intents of data/nlu.yml that are not knowledge-base entries, as operators should read them.
SERVICE_INTENT_TITLES: dict[str, str] = {
    "greet": "приветствие",
    "thanks": "благодарность",
    "goodbye": "прощание",
    "handoff_request": "просит оператора",
    "complaint": "жалоба",
    "bot_challenge": "«ты бот?»",
    "how_are_you": "«как дела?»",
    "chitchat": "болтовня",
    "affirm": "согласие",
    "deny": "отказ",
    "oos": "не по теме",
}


def intent_title(kb: KnowledgeBase, intent: object) -> str | None:
    """The FAQ entry's title, or a Russian name for a service intent; None if unknown."""
    if not isinstance(intent, str):
        return None
    entry = kb.get(intent)
    if entry is not None:
        return entry.title
    return SERVICE_INTENT_TITLES.get(intent)


def guess_title(brain: Brain, intent: object) -> str | None:
    """What operators read for one of the bot's guesses: :func:`intent_title`; for an intent
    of the project's own ``nlu.yml`` that has no entry, the scenario it starts («сценарий «Где
    мой заказ»») or else its name as written there. None only for an intent the current brain
    does not know at all — an entry deleted since the message (the console says so)."""
    title = intent_title(brain.kb, intent)
    if title is not None or not isinstance(intent, str):
        return title
    for flow in brain.flows.values():
        if intent in flow.intents:
            return f"сценарий «{flow.title}»"
    return intent if intent in brain.nlu.intents else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _list_query(view: str, operator: Operator) -> Select[Any]:
    query = select(Conversation)
    teams = list(operator.teams or [])
    if view == "queued":
        query = query.where(Conversation.owner == Owner.QUEUED.value)
        if teams and operator.role != "admin":
            query = query.where(or_(Conversation.team.in_(teams), Conversation.team.is_(None)))
        return query.order_by(Conversation.escalated_at, Conversation.id)
    if view == "mine":
        return query.where(
            Conversation.owner == Owner.OPERATOR.value, Conversation.operator_id == operator.id
        ).order_by(Conversation.updated_at.desc())
    if view == "team":
        query = query.where(Conversation.owner.in_([Owner.QUEUED.value, Owner.OPERATOR.value]))
        if teams:
            query = query.where(Conversation.team.in_(teams))
        return query.order_by(Conversation.updated_at.desc())
    recent = utcnow() - timedelta(days=1)
    return query.where(
        or_(
            Conversation.owner.in_([Owner.QUEUED.value, Owner.OPERATOR.value]),
            Conversation.updated_at >= recent,
        )
    ).order_by(Conversation.updated_at.desc())


async def list_views(
    session: AsyncSession,
    names: Sequence[str],
    operator: Operator,
    clock: SlaClock,
    limit: int = 200,
) -> dict[str, list[dict[str, Any]]]:
    """Several lists in one go (the console's refresh): each conversation is summarised once,
    however many of the lists hold it."""
    rows = {
        name: (await session.scalars(_list_query(name, operator).limit(limit))).all()
        for name in names
    }
    distinct = list({c.id: c for listed in rows.values() for c in listed}.values())
    items = {item["id"]: item for item in await summaries(session, distinct, clock)}
    return {name: [items[c.id] for c in listed] for name, listed in rows.items()}


async def summaries(
    session: AsyncSession, rows: Sequence[Conversation], clock: SlaClock
) -> list[dict[str, Any]]:
    """The list items of ``rows``, in their order."""
    if not rows:
        return []
    customers = await _by_id(session, Customer, {c.customer_id for c in rows})
    operators = await _by_id(session, Operator, {c.operator_id for c in rows if c.operator_id})
    ids = [c.id for c in rows]
    last = await _last_messages(session, ids)
    said = await _last_messages(session, ids, author="customer")
    # «Ждёт ответа» by the live floor's rule (handoff/live.py), so the console agrees with it.
    owed = await owed_since(session, [c for c in rows if c.owner in OPEN_OWNERS])
    now = utcnow()
    return [
        summary(
            c,
            customers.get(c.customer_id),
            operators.get(c.operator_id or 0),
            last.get(c.id),
            now,
            clock,
            said.get(c.id),
            owed.get(c.id),
        )
        for c in rows
    ]


async def _by_id(session: AsyncSession, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {
        row.id: row for row in (await session.scalars(select(model).where(model.id.in_(ids)))).all()
    }


async def _last_messages(
    session: AsyncSession, conversation_ids: list[int], author: str | None = None
) -> dict[int, Message]:
    """Each conversation's newest message (of ``author`` if given). With ``author="customer"``
    the console notices a customer's new message by its id (a desktop notification) and
    previews what a queued customer asked — the last message of a queued conversation is
    usually the bot's «передаю оператору»."""
    newest = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(conversation_ids), Message.kind == "message")
        .group_by(Message.conversation_id)
    )
    if author is not None:
        newest = newest.where(Message.author == author)
    ids = set((await session.scalars(newest)).all())
    return {m.conversation_id: m for m in (await _by_id(session, Message, ids)).values()}


def _preview(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "text": message.text[:200] or file_line(message),
        "at": _iso(message.created_at),
    }


CHANNEL_TITLES = {"telegram": "Telegram", "viber": "Viber", "webchat": "веб-чат"}


def customer_name(customer: Customer | None) -> str:
    if customer is None:
        return "Клиент"
    return customer.display_name or f"Клиент #{customer.id}"


def summary(
    conversation: Conversation,
    customer: Customer | None,
    operator: Operator | None,
    last: Message | None,
    now: datetime,
    clock: SlaClock,
    said: Message | None = None,
    owed: datetime | None = None,
) -> dict[str, Any]:
    """A list item. ``last`` is the newest message the customer saw (anyone's), ``said`` the
    customer's own newest message, ``owed`` since when the customer waits for a person's reply."""
    context = conversation.context or {}
    escalation = context.get("escalation") or {}
    reason = conversation.escalation_reason
    return {
        "id": conversation.id,
        "owner": conversation.owner,
        "team": conversation.team,
        "channel": conversation.channel,
        "customer": {"id": conversation.customer_id, "name": customer_name(customer)},
        "operator": {"id": operator.id, "name": operator.display_name} if operator else None,
        "escalation": {
            "reason": reason,
            "title": escalation.get("title") or REASON_TITLES.get(reason or "", reason),
        }
        if reason
        else None,
        "escalated_at": _iso(conversation.escalated_at),
        "first_response_at": _iso(conversation.first_response_at),
        "closed_at": _iso(conversation.closed_at),
        "updated_at": _iso(conversation.updated_at),
        "rating": conversation.rating,
        "sla": sla(conversation, now, clock),
        "awaiting_reply_since": _iso(owed),
        "last_message": {**_preview(last), "author": last.author} if last else None,
        "last_customer_message": _preview(said) if said else None,
    }


def file_line(message: Message) -> str:
    """«📎 чек.pdf» for a message that is only a file (the list's preview would be empty)."""
    data = message.data or {}
    names = [_attachment_name(a) for a in data.get("attachments", [])]
    if data.get("file"):
        names.append(str(data["file"].get("name") or "файл"))
    return " ".join(f"📎 {name}" for name in names)[:200]


_KIND_NAMES = {"sticker": "стикер", "location": "геопозиция", "audio": "аудио", "photo": "фото"}


def _attachment_name(attachment: dict[str, Any]) -> str:
    kind = str(attachment.get("kind") or "")
    name = attachment.get("name")
    if kind == "sticker":  # its «name» is its emoji
        return f"стикер {name}" if name else "стикер"
    return str(name or _KIND_NAMES.get(kind, kind or "файл"))


def message_json(message: Message, operators: dict[int, Operator]) -> dict[str, Any]:
    data = message.data or {}
    nlu = data.get("nlu")
    operator = operators.get(message.operator_id or 0)
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "channel": message.channel,
        "direction": message.direction,
        "author": message.author,
        "kind": message.kind,
        "text": message.text,
        "erased": bool(data.get("erased")),
        "edited": bool(data.get("edited")),  # the customer corrected it in the messenger
        "operator": operator.display_name if operator else None,
        "at": _iso(message.created_at),
        "buttons": [b.get("title", "") for b in data.get("buttons", [])],
        "faq": data.get("faq"),
        "response": data.get("response"),
        "attachments": data.get("attachments", []),
        "file": file_view(data) if message.direction == "out" else None,  # the operator's
        "page": _page(data.get("page")),  # the site's page the customer wrote from
        "nlu": {
            "intent": nlu.get("intent"),
            "confidence": nlu.get("confidence"),
            "decision": nlu.get("decision"),
            "ranking": nlu.get("ranking", [])[:3],
            "parts": nlu.get("parts", []),
        }
        if isinstance(nlu, dict)
        else None,
    }


def _page(page: object) -> dict[str, str] | None:
    if not isinstance(page, dict) or not isinstance(page.get("url"), str):
        return None
    return {"url": page["url"], "title": str(page.get("title") or "")}


async def customer_card(session: AsyncSession, customer_id: int, clock: SlaClock) -> dict[str, Any]:
    """Who the customer is: channels, name, phone, earlier conversations and their ratings."""
    customer = await session.get(Customer, customer_id)
    identities = (
        await session.scalars(
            select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.id)
        )
    ).all()
    conversations = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.customer_id == customer_id)
            .order_by(Conversation.id.desc())
            .limit(CARD_CONVERSATIONS)
        )
    ).all()
    operators = await _by_id(
        session, Operator, {c.operator_id for c in conversations if c.operator_id}
    )
    total = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.customer_id == customer_id)
    )
    ratings = {
        r.conversation_id: r
        for r in (
            await session.scalars(select(Rating).where(Rating.customer_id == customer_id))
        ).all()
    }
    marked: dict[int, list[str]] = {}
    titles = clock.config.labels
    for conversation_id, label in (
        await session.execute(
            select(ConversationLabel.conversation_id, ConversationLabel.label)
            .where(ConversationLabel.conversation_id.in_([c.id for c in conversations]))
            .order_by(ConversationLabel.label)
        )
    ).all():
        marked.setdefault(conversation_id, []).append(titles.get(label, label))
    notes, notes_total = await customer_notes.listed(session, customer_id)
    from handoff.unmerging import listed_joins  # it names customers as this module does

    joins = await listed_joins(session, customer_id) if customer else []
    now = utcnow()
    return {
        "id": customer_id,
        "name": customer_name(customer),
        # What «{клиент}» in a ready reply becomes (handoff/names.py): None, no name known.
        "first_name": first_name(customer.display_name) if customer else None,
        "phone": customer.phone if customer else None,
        "since": _iso(customer.created_at) if customer else None,
        "erased_at": _iso(customer.erased_at) if customer else None,
        "blocked_at": _iso(customer.blocked_at) if customer else None,
        "channels": [
            {"channel": i.channel, "name": i.display_name, "blocked": i.blocked} for i in identities
        ],
        "notes": [note.to_json() for note in notes],  # the team's, about the person
        "notes_total": notes_total,
        # the cards joined into this one that «Разъединить» can still undo (handoff/unmerging.py)
        "joins": [join.to_json() for join in joins],
        "conversations_total": int(total or 0),
        "conversations": [
            {
                "id": c.id,
                "owner": c.owner,
                "channel": c.channel,
                "created_at": _iso(c.created_at),
                "closed_at": _iso(c.closed_at),
                "reason": c.escalation_reason,
                "operator": operators[c.operator_id].display_name
                if c.operator_id in operators
                else None,
                "rating": ratings[c.id].score if c.id in ratings else c.rating,
                "rating_reason": REASONS.get(ratings[c.id].reason or "")
                if c.id in ratings
                else None,
                # The customer's own words on a low rating (bot/rating.py comment).
                "rating_comment": ratings[c.id].comment if c.id in ratings else None,
                "sla": sla(c, now, clock)["state"],
                "labels": marked.get(c.id, []),  # what it was about, by the operator
            }
            for c in conversations
        ],
    }


async def conversation_detail(
    session: AsyncSession, conversation_id: int, clock: SlaClock
) -> dict[str, Any] | None:
    """One conversation with everything the operator needs to not ask again."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    customer = await session.get(Customer, conversation.customer_id)
    newest = (
        await session.scalars(
            select(Message)
            .where(Message.customer_id == conversation.customer_id)
            .order_by(Message.id.desc())
            .limit(HISTORY_LIMIT)
        )
    ).all()
    messages = newest[::-1]  # the newest ones, in order (not the oldest, for a long history)
    receipts = await delivery.states(session, conversation.customer_id, messages)
    operator_ids = {m.operator_id for m in messages if m.operator_id}
    if conversation.operator_id:
        operator_ids.add(conversation.operator_id)
    operators = await _by_id(session, Operator, operator_ids)
    transitions = (
        await session.scalars(
            select(Transition)
            .where(Transition.conversation_id == conversation_id)
            .order_by(Transition.id)
        )
    ).all()
    context = conversation.context or {}
    escalation = dict(context.get("escalation") or {})
    own = [m for m in messages if m.conversation_id == conversation.id and m.kind == "message"]
    item = summary(
        conversation,
        customer,
        operators.get(conversation.operator_id or 0),
        own[-1] if own else None,
        utcnow(),
        clock,
        next((m for m in reversed(own) if m.author == "customer"), None),
    )
    item.update(
        {
            "escalation_context": escalation or None,
            "guesses": escalation.get("guesses") or context.get("last_guesses") or [],
            "handover": context.get("handover"),
            "faq_ids": context.get("faq_ids", []),
            "flow": _flow_view(context),
            "messages": [
                {**message_json(m, operators), "delivery": receipts.get(m.id)} for m in messages
            ],
            "history_truncated": len(messages) == HISTORY_LIMIT,
            "transitions": [
                {
                    "from": t.from_owner,
                    "to": t.to_owner,
                    "reason": t.reason,
                    "actor": t.actor,
                    "note": t.note,
                    "at": _iso(t.at),
                }
                for t in transitions
            ],
            "customer_card": await customer_card(session, conversation.customer_id, clock),
            "labels": await conversation_labels(session, conversation_id),
        }
    )
    return item


async def conversation_labels(session: AsyncSession, conversation_id: int) -> list[str]:
    """The labels an operator put on the conversation (:mod:`handoff.labels`)."""
    rows = await session.scalars(
        select(ConversationLabel.label)
        .where(ConversationLabel.conversation_id == conversation_id)
        .order_by(ConversationLabel.label)
    )
    return list(rows.all())

"""Finding a customer's conversations from the console: «клиент звонил, где его переписка?».

An operator types what they have — a name, a phone, an order number from the customer's words,
a messenger account, a label's name («возврат»), «№123» (a conversation's number; with no such
conversation, an order number as the bot writes it, «№ 55512345», looked for in people's words),
or the console's own name for a customer without one («Клиент #6», «клиент 6», «#6») — and gets
the matching conversations, newest first, open or closed, each with the line that matched.
Matching is case-insensitive substring search (``lower(...) LIKE``; SQLite's ``lower`` is
replaced by Python's in :mod:`bot.storage.db`, so Cyrillic folds there too).

Words are searched in what people wrote — customers, operators, operators' notes and the notes
about the customer on the card (which find all their conversations) — never in
the bot's messages or the history's events: the bot's fixed texts («Передаю ваш вопрос
оператору…», the greeting) would match «заказ», «возврат» or «оператор» in every conversation.
They are searched in the :data:`TEXT_WINDOW` newest messages only: a substring search cannot
use an index, and this keeps one query bounded however long the history grows (names, phones
and accounts are searched in full). A phone is found in people's words however either side
wrote it («+7 912 345 67 89» finds «8 (912) 345-67-89»). Erased texts are empty, so erased
conversations are found only by their number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    Conversation,
    ConversationLabel,
    Customer,
    CustomerNote,
    Identity,
    Message,
)

TEXT_WINDOW = 200_000
MAX_RESULTS = 30
PEOPLE = ("customer", "operator")  # whose words are searched: not the bot's, not the system's
MIN_QUERY = 3  # characters; shorter matches half the history
_NUMBER = re.compile(r"^(?:№|#|n)?\s*(\d{1,12})$", re.IGNORECASE)
# How the console names a customer without a name: «Клиент #6»; also «клиент 6» and «#6».
_CUSTOMER = re.compile(r"^(?:клиент\s*(?:№|#)?|#)\s*(\d{1,12})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Found:
    conversation_id: int
    why: str  # what matched, as the operator reads it
    snippet: str = ""


def _like(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone_typed(digits: str) -> re.Pattern[str]:
    """A phone's last ten digits as a customer may type them in a message: «8 (912) 345-67-89»,
    «+7 912 3456789», «912.345.67.89»."""
    return re.compile(r"[\s\-().]*".join(digits[-10:]) + r"(?!\d)")


def _snippet(text: str, query: str, width: int = 90, at: int | None = None) -> str:
    at = text.lower().find(query.lower()) if at is None else at
    if at < 0:
        return text[:width]
    start = max(0, at - width // 3)
    cut = text[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


async def find(
    session: AsyncSession, query: str, labels: Mapping[str, str] | None = None
) -> list[Found]:
    """Conversations matching ``query`` (at most :data:`MAX_RESULTS`), newest first.

    ``labels`` are the team's labels (id → title, config.yml's ``handoff.labels``): a query
    that is part of a label's title or its id finds the conversations carrying that label.
    """
    query = " ".join(query.split())[:100]
    found: dict[int, Found] = {}
    number = _NUMBER.match(query)
    if number:
        conversation_id = int(number.group(1))
        if await session.get(Conversation, conversation_id) is not None:
            found[conversation_id] = Found(conversation_id, f"диалог №{conversation_id}")
    labelled_as = _CUSTOMER.match(query)
    if labelled_as:
        customer_id = int(labelled_as.group(1))
        theirs = await session.scalars(
            select(Conversation.id)
            .where(Conversation.customer_id == customer_id)
            .order_by(Conversation.id.desc())
            .limit(MAX_RESULTS)
        )
        for conversation_id in theirs.all():
            found.setdefault(conversation_id, Found(conversation_id, f"клиент #{customer_id}"))
        if not query.startswith("#"):
            return _newest_first(found)  # «Клиент #6» names a customer
    if number and query[0] in "№#":
        if found:
            return _newest_first(found)  # «№42» names a conversation; nothing else to look for
        # No such conversation: «№ 55512345» is how the bot and customers write an order
        # number, so its digits are looked for in what people wrote.
        query = number.group(1)
    if len(query) < MIN_QUERY:
        return _newest_first(found)
    pattern = _like(query)
    digits = re.sub(r"\D", "", query)

    customers: dict[int, str] = {}
    by_name = func.lower(Customer.display_name).like(pattern, escape="\\")
    # A phone, however it was typed: +7 (912) 345-67-89 finds 79123456789.
    phone = len(digits) >= 7 and re.fullmatch(r"[\d\s+()\-]+", query) is not None
    matches = by_name | Customer.phone.like(f"%{digits[-10:]}%") if phone else by_name
    for customer_id, name in (
        await session.execute(select(Customer.id, Customer.display_name).where(matches))
    ).all():
        customers.setdefault(customer_id, f"клиент: {name or 'по телефону'}")
    accounts = select(Identity.customer_id, Identity.channel, Identity.display_name).where(
        func.lower(Identity.display_name).like(pattern, escape="\\")
        | func.lower(Identity.user_id).like(pattern, escape="\\")
    )
    for customer_id, channel, name in (await session.execute(accounts)).all():
        customers.setdefault(customer_id, f"аккаунт {channel}: {name or query}")
    # «Заметки о клиенте» («звонить после 18:00»): the customer's conversations, with the note.
    noted: dict[int, str] = {}
    notes = (
        select(CustomerNote.customer_id, CustomerNote.text)
        .where(func.lower(CustomerNote.text).like(pattern, escape="\\"))
        .order_by(CustomerNote.id.desc())
        .limit(MAX_RESULTS)
    )
    for customer_id, text in (await session.execute(notes)).all():
        noted.setdefault(customer_id, _snippet(text, query))
        customers.setdefault(customer_id, "в заметке о клиенте")
    if customers:
        rows = await session.execute(
            select(Conversation.id, Conversation.customer_id)
            .where(Conversation.customer_id.in_(customers))
            .order_by(Conversation.id.desc())
            .limit(MAX_RESULTS)
        )
        for conversation_id, customer_id in rows.all():
            found.setdefault(
                conversation_id,
                Found(conversation_id, customers[customer_id], noted.get(customer_id, "")),
            )

    wanted = query.lower()
    named = {
        label: title
        for label, title in (labels or {}).items()
        if wanted in title.lower() or wanted == label.lower()
    }
    if named:
        labelled = await session.execute(
            select(ConversationLabel.conversation_id, ConversationLabel.label)
            .where(ConversationLabel.label.in_(named))
            .order_by(ConversationLabel.conversation_id.desc())
            .limit(MAX_RESULTS * len(named))
        )
        for conversation_id, label in labelled.all():
            found.setdefault(conversation_id, Found(conversation_id, f"метка: {named[label]}"))

    newest = await session.scalar(select(func.max(Message.id))) or 0
    worded_as: ColumnElement[bool] = func.lower(Message.text).like(pattern, escape="\\")
    # A phone the customer typed in a message, written otherwise than the query: the digits in
    # order with anything between them narrow it in SQL, _phone_typed keeps real phones.
    typed = _phone_typed(digits) if phone else None
    if typed is not None:
        worded_as = worded_as | Message.text.like("%" + "%".join(digits[-10:]) + "%")
    said = await session.execute(
        select(Message.conversation_id, Message.text, Message.kind, Message.author)
        .where(
            Message.id > newest - TEXT_WINDOW,
            Message.kind.in_(("message", "note")),
            Message.author.in_(PEOPLE),
            worded_as,
        )
        .order_by(Message.id.desc())
        .limit(MAX_RESULTS * 4)
    )
    # The line shown is the newest that matched — the customer's own words over an operator's
    # echo of them («по заказу № 770415») when both match.
    worded: set[int] = set()
    for conversation_id, text, kind, author in said.all():
        if conversation_id in worded or (conversation_id in found and author != "customer"):
            continue
        at = text.lower().find(query.lower())
        if at < 0 and typed is not None:
            phoned = typed.search(text)
            if phoned is None:
                continue  # the digits only happened to come in this order
            at = phoned.start()
        if conversation_id in found and not found[conversation_id].snippet:
            continue  # found by name, phone or number: that says why
        why = "в заметке" if kind == "note" else "в переписке"
        found[conversation_id] = Found(conversation_id, why, _snippet(text, query, at=at))
        if author == "customer":
            worded.add(conversation_id)
    return _newest_first(found)


def _newest_first(found: dict[int, Found]) -> list[Found]:
    return sorted(found.values(), key=lambda f: f.conversation_id, reverse=True)[:MAX_RESULTS]


def as_json(item: dict[str, Any], match: Found) -> dict[str, Any]:
    return {**item, "match": {"why": match.why, "snippet": match.snippet}}

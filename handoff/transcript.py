"""«Скачать переписку»: one conversation as a plain text file, for a complaint passed to another
department, a dispute with a courier, or the customer's own request for a copy.

The file reads like the console: who wrote what and when (in the team's time zone, as the
working hours), the bot's handoff and the other history lines, files by name, the labels and
the rating. Only this conversation's messages, not the whole customer history; a text erased
on the customer's request stays erased. The web chat's silent start (the console's «(открыл
чат)») is left out: nothing was said.

The file leaves the team: two of its three uses are outside it (the courier service, the
customer's own copy — the button's hint says so), and a file once downloaded is forwarded as
it is. So the operators' notes («Заметка для коллег»), written for colleagues and never seen
by the customer, are not in it; they stay in the console.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Conversation, ConversationLabel, Customer, Message, Operator, Rating
from handoff.views import CHANNEL_TITLES, customer_name, file_line

OWNERS = {"bot": "у бота", "queued": "в очереди", "operator": "у оператора", "closed": "закрыт"}


def _at(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else "—"


def _who(message: Message, customer: str, operators: Mapping[int, Operator]) -> str:
    if message.author == "customer":
        return customer
    if message.author == "bot":
        return "Бот"
    operator = operators.get(message.operator_id or 0)
    return f"Оператор {operator.display_name}" if operator else "Оператор"


def _internal(message: Message) -> bool:
    """An operator's note for colleagues: the customer never saw it, so the file has no room
    for it."""
    return message.kind == "note"


def _opened(message: Message) -> bool:
    """The web chat's silent start (the console's «(открыл чат)»): the customer opened the chat
    and wrote nothing — no line of the transcript, not «Клиент: —»."""
    data = message.data or {}
    return (
        message.kind == "message"
        and message.author == "customer"
        and not message.text.strip()
        and not file_line(message)
        and not data.get("erased")
    )


def _line(
    message: Message, customer: str, operators: Mapping[int, Operator], zone: ZoneInfo
) -> str:
    data = message.data or {}
    text = "[текст удалён по просьбе клиента]" if data.get("erased") else message.text.strip()
    files = file_line(message)
    said = " ".join(part for part in (text, files) if part) or "—"
    said = said.replace("\n", "\n    ")  # a message of several lines stays one entry
    when = f"[{_at(message.created_at, zone)}]"
    if message.kind == "event":
        return f"{when} — {said}"
    edited = " (исправлено клиентом)" if data.get("edited") else ""
    return f"{when} {_who(message, customer, operators)}{edited}: {said}"


async def transcript(
    session: AsyncSession, conversation_id: int, zone: ZoneInfo, labels: Mapping[str, str]
) -> str | None:
    """The conversation as text (``None`` if there is no such conversation)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    customer = await session.get(Customer, conversation.customer_id)
    messages = (
        await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
    ).all()
    ids = {m.operator_id for m in messages if m.operator_id}
    operators = {
        o.id: o for o in (await session.scalars(select(Operator).where(Operator.id.in_(ids)))).all()
    }
    marked = (
        await session.scalars(
            select(ConversationLabel.label)
            .where(ConversationLabel.conversation_id == conversation_id)
            .order_by(ConversationLabel.label)
        )
    ).all()
    rating = await session.scalar(select(Rating).where(Rating.conversation_id == conversation_id))
    name = customer_name(customer)
    if customer is not None and customer.erased_at is not None:
        name = "Клиент (данные удалены)"
    channel = CHANNEL_TITLES.get(conversation.channel, conversation.channel)
    head = [
        f"Диалог №{conversation.id} · {channel}",
        f"Клиент: {name}" + (f", телефон {customer.phone}" if customer and customer.phone else ""),
        f"Начат: {_at(conversation.created_at, zone)}"
        + (f" · закрыт: {_at(conversation.closed_at, zone)}" if conversation.closed_at else "")
        + f" · сейчас: {OWNERS.get(conversation.owner, conversation.owner)}",
    ]
    if marked:
        head.append("Метки: " + ", ".join(labels.get(label, label) for label in marked))
    score = rating.score if rating is not None else conversation.rating
    if score:
        head.append(f"Оценка клиента: {score} из 5")
    head.append(f"Время: {zone.key}")
    body = [
        _line(m, name, operators, zone) for m in messages if not _opened(m) and not _internal(m)
    ]
    return "\n".join([*head, "", *body]) + "\n"

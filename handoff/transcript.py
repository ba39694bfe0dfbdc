"""«Скачать переписку»: one conversation as a plain text file, for a complaint passed to another
department, a dispute with a courier, or the customer's own request for a copy.

The file leaves the team: two of its three uses are outside it (the courier service, the
customer's own copy — the button's hint says so), and a file once downloaded is forwarded as
it is. So it holds what the customer saw and said, nothing the team wrote for itself:

* in it — the channel, the customer (name, phone), when the conversation started and closed,
  the customer's own rating, then every message exchanged with its time (in the team's time
  zone, as the working hours): the customer's, the bot's (its «Оператор Анна уже читает вашу
  переписку…», «Передаю ваш вопрос оператору…» as the customer read them) and the operators'
  under the name the customer saw («Оператор Анна»), files by name; a message that never
  reached the customer says «(не доставлено)»;
* not in it — the operators' notes («Заметка для коллег»), the labels («Метки: Жалоба»), the
  history's lines (kind ``event``: why it went to a person — «Передано оператору: грубость в
  сообщении» —, who took, transferred or returned it and why, a block — «Закрыто: клиент
  заблокирован (Анна)…» —, merged cards, delivery errors, what the customer was told about
  the wait), where the conversation is now («у оператора», «в очереди»), the bot's guesses.
  They stay in the console.

Only this conversation's messages, not the whole customer history; a text erased on the
customer's request stays erased. The web chat's silent start (the console's «(открыл чат)»)
is left out: nothing was said.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ownership import Owner
from bot.storage.models import Conversation, Customer, Message, Operator, OutboxItem, Rating
from handoff.views import CHANNEL_TITLES, customer_name, file_line


def _at(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else "—"


def _who(message: Message, customer: str, operators: Mapping[int, Operator]) -> str:
    if message.author == "customer":
        return customer
    if message.author != "operator":
        return "Бот"  # the bot's and the system's messages reach the customer from the bot
    operator = operators.get(message.operator_id or 0)
    return f"Оператор {operator.display_name}" if operator else "Оператор"


def _exchanged(message: Message) -> bool:
    """A message the customer sent or was sent — not a history line (``event``) or a note for
    colleagues (``note``), which the customer never saw — and not the web chat's silent start
    (the customer opened the chat and wrote nothing: no «Клиент: —»)."""
    if message.kind != "message":
        return False
    data = message.data or {}
    opened = (
        message.author == "customer"
        and not message.text.strip()
        and not file_line(message)
        and not data.get("erased")
    )
    return not opened


def _line(
    message: Message,
    customer: str,
    operators: Mapping[int, Operator],
    zone: ZoneInfo,
    undelivered: Collection[int],
) -> str:
    data = message.data or {}
    text = "[текст удалён по просьбе клиента]" if data.get("erased") else message.text.strip()
    files = file_line(message)
    said = " ".join(part for part in (text, files) if part) or "—"
    said = said.replace("\n", "\n    ")  # a message of several lines stays one entry
    when = f"[{_at(message.created_at, zone)}]"
    edited = " (исправлено клиентом)" if data.get("edited") else ""
    lost = " (не доставлено)" if message.id in undelivered else ""
    return f"{when} {_who(message, customer, operators)}{edited}{lost}: {said}"


async def transcript(session: AsyncSession, conversation_id: int, zone: ZoneInfo) -> str | None:
    """The conversation as text (``None`` if there is no such conversation)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    customer = await session.get(Customer, conversation.customer_id)
    messages = [
        m
        for m in (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
        ).all()
        if _exchanged(m)
    ]
    ids = {m.operator_id for m in messages if m.operator_id}
    operators = {
        o.id: o for o in (await session.scalars(select(Operator).where(Operator.id.in_(ids)))).all()
    }
    refused = await session.scalars(
        select(OutboxItem.message_id).where(
            OutboxItem.conversation_id == conversation_id, OutboxItem.status == "failed"
        )
    )
    undelivered = {message_id for message_id in refused if message_id is not None}
    rating = await session.scalar(select(Rating).where(Rating.conversation_id == conversation_id))
    name = customer_name(customer)
    if customer is not None and customer.erased_at is not None:
        name = "Клиент (данные удалены)"
    channel = CHANNEL_TITLES.get(conversation.channel, conversation.channel)
    closed = conversation.owner == Owner.CLOSED.value and conversation.closed_at is not None
    head = [
        f"Диалог №{conversation.id} · {channel}",
        f"Клиент: {name}" + (f", телефон {customer.phone}" if customer and customer.phone else ""),
        f"Начат: {_at(conversation.created_at, zone)}"
        + (f" · закрыт: {_at(conversation.closed_at, zone)}" if closed else ""),
    ]
    score = rating.score if rating is not None else conversation.rating
    if score:
        head.append(f"Оценка клиента: {score} из 5")
    head.append(f"Время: {zone.key}")
    body = [_line(m, name, operators, zone, undelivered) for m in messages]
    return "\n".join([*head, "", *body]) + "\n"

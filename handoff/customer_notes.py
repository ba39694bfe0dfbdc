"""«Заметки о клиенте»: what the team keeps about a customer across conversations and
messengers, on the customer card.

A note about a conversation («Заметка для коллег») stays with that conversation; a note about
the person — «звонить после 18:00», «уже дважды получал разбитый товар, решать в его пользу»,
«юрлицо, документы на ИНН …» — is needed in every later conversation, from any messenger, so
that nobody asks again. Any operator adds one; its author or an administrator deletes it. They
move with the customer when two cards are merged and are deleted when the customer's personal
data is erased (:mod:`bot.storage.erasure`). Adding or deleting one is announced on the bus
(``customer_notes``, with the customer): a colleague with the same customer open sees the
card change at once, as with labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.storage.models import Customer, CustomerNote, Operator
from handoff.errors import Conflict, Forbidden, HandoffError, NotFound
from handoff.privacy import customer_root
from handoff.service import HandoffService

MAX_CHARS = 1000
SHOWN = 20  # the newest notes on the card; the rest are counted


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    text: str
    author: str
    author_id: int
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "author": self.author,
            "author_id": self.author_id,
            "at": self.at.isoformat(),
        }


def _clean(text: str) -> str:
    cleaned = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if not cleaned:
        raise HandoffError("Пустая заметка.", "empty")
    if len(cleaned) > MAX_CHARS:
        raise HandoffError(f"Заметка длиннее {MAX_CHARS} символов.", "too_long")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned):
        raise HandoffError("В заметке есть управляющие символы.", "control_chars")
    return cleaned


async def listed(session: AsyncSession, customer_id: int) -> tuple[list[Note], int]:
    """The customer's newest notes (at most :data:`SHOWN`) and how many there are in all."""
    rows = (
        await session.execute(
            select(CustomerNote, Operator.display_name)
            .join(Operator, Operator.id == CustomerNote.operator_id)
            .where(CustomerNote.customer_id == customer_id)
            .order_by(CustomerNote.id.desc())
            .limit(SHOWN)
        )
    ).all()
    total = await session.scalar(
        select(func.count())
        .select_from(CustomerNote)
        .where(CustomerNote.customer_id == customer_id)
    )
    notes = [Note(n.id, n.text, name, n.operator_id, n.created_at) for n, name in rows]
    return notes, int(total or 0)


async def add(service: HandoffService, customer_id: int, operator: Operator, text: str) -> Note:
    cleaned = _clean(text)
    async with service.db.write() as session:
        root = await customer_root(session, customer_id)
        customer = await session.get(Customer, root)
        if customer is not None and customer.erased_at is not None:
            raise Conflict(
                "Данные клиента удалены по его просьбе — заметки о нём не ведутся.", "erased"
            )
        note = CustomerNote(customer_id=root, operator_id=operator.id, text=cleaned)
        session.add(note)
        await session.flush()
        added = Note(note.id, note.text, operator.display_name, operator.id, note.created_at)
    _announce(service, root)
    return added


async def delete(
    service: HandoffService, customer_id: int, note_id: int, operator: Operator
) -> None:
    async with service.db.write() as session:
        root = await customer_root(session, customer_id)
        note = await session.get(CustomerNote, note_id)
        if note is None or note.customer_id != root:
            raise NotFound("Заметка не найдена.", "note_not_found")
        if note.operator_id != operator.id and operator.role != "admin":
            raise Forbidden("Удалить заметку может её автор или администратор.", "not_your_note")
        await session.delete(note)
    _announce(service, root)


def _announce(service: HandoffService, customer_id: int) -> None:
    """After commit: the consoles showing this customer's card read its notes again."""
    service.bus.publish(BusEvent("customer_notes", None, customer_id))

"""A team's ready replies («шаблоны»): an operator types «/» and a shortcut in the reply box
and gets the text to edit and send — greetings, «минуту, уточняю», a closing line — the
phrases a knowledge-base answer is not for. Administrators keep the list; everyone in the
console uses it. ``{клиент}`` and ``{оператор}`` in a text are filled in by the console with
the customer's and the operator's names.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database
from bot.storage.models import CannedReply
from handoff.errors import Conflict, HandoffError, NotFound

SHORTCUT = re.compile(r"^[0-9a-zа-яё_-]{2,32}$")
MAX_TEXT = 4000
LIMIT = 20


def as_json(reply: CannedReply) -> dict[str, Any]:
    return {"id": reply.id, "shortcut": reply.shortcut, "text": reply.text}


async def matching(session: AsyncSession, query: str) -> list[CannedReply]:
    """Replies whose shortcut starts with ``query`` (those first), or whose text has it."""
    query = query.strip().lstrip("/").lower()[:100]
    statement = select(CannedReply)
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            or_(
                CannedReply.shortcut.like(f"{escaped}%", escape="\\"),
                func.lower(CannedReply.text).like(f"%{escaped}%", escape="\\"),
            )
        )
    rows = (await session.scalars(statement.order_by(CannedReply.shortcut).limit(200))).all()
    first = [r for r in rows if r.shortcut.startswith(query)]
    return (first + [r for r in rows if not r.shortcut.startswith(query)])[:LIMIT]


def _checked(shortcut: str, text: str) -> tuple[str, str]:
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise HandoffError(
            "Сокращение — 2–32 буквы, цифры, «-» или «_», без пробелов (например, привет).",
            "bad_shortcut",
        )
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    if not text:
        raise HandoffError("Пустой шаблон.", "empty")
    if len(text) > MAX_TEXT:
        raise HandoffError(f"Шаблон длиннее {MAX_TEXT} символов.", "too_long")
    return shortcut, text


async def create(db: Database, shortcut: str, text: str, operator_id: int) -> CannedReply:
    shortcut, text = _checked(shortcut, text)
    taken = Conflict(f"Шаблон «/{shortcut}» уже есть.", "duplicate")
    try:
        async with db.write() as session:
            if await session.scalar(select(CannedReply.id).where(CannedReply.shortcut == shortcut)):
                raise taken
            reply = CannedReply(shortcut=shortcut, text=text, operator_id=operator_id)
            session.add(reply)
            await session.flush()
    except IntegrityError:  # added by someone else a moment ago
        raise taken from None
    return reply


async def remove(db: Database, reply_id: int) -> None:
    async with db.write() as session:
        result = await session.execute(delete(CannedReply).where(CannedReply.id == reply_id))
    if not getattr(result, "rowcount", 0):
        raise NotFound("Шаблон не найден.", "not_found")

"""Ready replies («шаблоны»): an operator types «/» and a shortcut in the reply box and gets
the text to edit and send — greetings, «минуту, уточняю», a closing line — the phrases a
knowledge-base answer is not for. The team's list is kept by administrators and used by
everyone; each operator may keep their own beside it (``owner_id``), seen only by them — their
own first where both have a shortcut. ``{клиент}`` and ``{оператор}`` in a text are filled in
by the console with the customer's first name (:mod:`handoff.names`: «Здравствуйте, Анна!»,
or «Здравствуйте!» when no name can be told) and the operator's name.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database
from bot.storage.models import CannedReply
from handoff.errors import Conflict, Forbidden, HandoffError, NotFound

SHORTCUT = re.compile(r"^[0-9a-zа-яё_-]{2,32}$")
MAX_TEXT = 4000
LIMIT = 20


def as_json(reply: CannedReply) -> dict[str, Any]:
    return {
        "id": reply.id,
        "shortcut": reply.shortcut,
        "text": reply.text,
        "personal": reply.owner_id is not None,  # the operator's own, not the team's
    }


async def matching(session: AsyncSession, query: str, operator_id: int) -> list[CannedReply]:
    """The team's replies and ``operator_id``'s own whose shortcut starts with ``query`` (those
    first), or whose text has it; an operator's own before the team's of the same shortcut."""
    query = query.strip().lstrip("/").lower()[:100]
    statement = select(CannedReply).where(
        or_(CannedReply.owner_id.is_(None), CannedReply.owner_id == operator_id)
    )
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            or_(
                CannedReply.shortcut.like(f"{escaped}%", escape="\\"),
                func.lower(CannedReply.text).like(f"%{escaped}%", escape="\\"),
            )
        )
    rows = (
        await session.scalars(
            statement.order_by(CannedReply.shortcut, CannedReply.owner_id.is_(None)).limit(200)
        )
    ).all()
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


async def create(
    db: Database, shortcut: str, text: str, operator_id: int, *, personal: bool = False
) -> CannedReply:
    """The team's reply (``personal`` false: administrators) or ``operator_id``'s own."""
    shortcut, text = _checked(shortcut, text)
    owner = operator_id if personal else None
    taken = Conflict(
        f"У вас уже есть шаблон «/{shortcut}»." if personal else f"Шаблон «/{shortcut}» уже есть.",
        "duplicate",
    )
    same_owner = CannedReply.owner_id == owner if personal else CannedReply.owner_id.is_(None)
    try:
        async with db.write() as session:
            found = await session.scalar(
                select(CannedReply.id).where(CannedReply.shortcut == shortcut, same_owner)
            )
            if found:
                raise taken
            reply = CannedReply(
                shortcut=shortcut, text=text, operator_id=operator_id, owner_id=owner
            )
            session.add(reply)
            await session.flush()
    except IntegrityError:  # added by someone else a moment ago
        raise taken from None
    return reply


async def remove(db: Database, reply_id: int, operator_id: int, *, admin: bool) -> None:
    """Operators delete their own replies; administrators the team's too."""
    async with db.write() as session:
        reply = await session.get(CannedReply, reply_id)
        if reply is None or reply.owner_id not in (None, operator_id):
            raise NotFound("Шаблон не найден.", "not_found")  # someone else's is none of theirs
        if reply.owner_id is None and not admin:
            raise Forbidden("Шаблоны команды меняет администратор.", "forbidden")
        await session.delete(reply)

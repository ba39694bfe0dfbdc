"""«Ответы бота»: which answers customers said did not help (bot/helpful.py presses), for the
editor's list (``GET /editor/helpfulness``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import helpful
from bot.engine import Brain
from bot.storage.models import EditorAction, utcnow
from handoff.views import intent_title

SCAN_LIMIT = 5000  # newest presses looked at per request


@dataclass(slots=True)
class Helpfulness:
    """What customers said of one entry's answer: «👍 Помогло» and «👎 Не помогло» presses,
    one per conversation (the last press counts)."""

    entry_id: str
    title: str
    helped: int = 0
    not_helped: int = 0
    deleted: bool = False  # the entry is gone since: its answer cannot be edited

    def to_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "title": self.title,
            "helped": self.helped,
            "not_helped": self.not_helped,
            "deleted": self.deleted,
        }


async def _deleted_titles(session: AsyncSession, entry_ids: set[str]) -> dict[str, str]:
    """The titles the ``entry_deleted`` journal lines keep for these entries (the latest)."""
    if not entry_ids:
        return {}
    rows = await session.execute(
        select(EditorAction.entry_id, EditorAction.text)
        .where(EditorAction.action == "entry_deleted", EditorAction.entry_id.in_(entry_ids))
        .order_by(EditorAction.id)
    )
    return {entry_id: text for entry_id, text in rows if entry_id and text}


async def helpfulness(session: AsyncSession, brain: Brain, *, days: int = 30) -> list[Helpfulness]:
    """Entries customers rated in the last ``days`` (bot/helpful.py), the least helpful first.

    An entry deleted since is named by the title its deletion's journal line keeps and marked
    ``deleted``; one gone without such a line (its file edited by hand) is left out: the
    editor could neither tell which answer it was nor edit it."""
    last = await helpful.presses(session, utcnow() - timedelta(days=days), limit=SCAN_LIMIT)
    gone = await _deleted_titles(
        session, {entry_id for _, entry_id in last if brain.kb.get(entry_id) is None}
    )
    found: dict[str, Helpfulness] = {}
    for (_, entry_id), helped in last.items():
        item = found.get(entry_id)
        if item is None:
            title = intent_title(brain.kb, entry_id)
            if title is None and entry_id not in gone:
                continue
            item = found[entry_id] = Helpfulness(
                entry_id, title or gone[entry_id], deleted=title is None
            )
        if helped:
            item.helped += 1
        else:
            item.not_helped += 1
    return sorted(found.values(), key=lambda h: (-h.not_helped, h.helped, h.title))

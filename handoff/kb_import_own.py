"""A row the editor's own earlier import of the same table changed is no conflict.

The editor exports the table, edits a row, imports it, edits the row again in the same file
and imports once more: the row's ``версия`` is the export's, and the entry is no longer that —
but the only change since the export is her own import of a row exported as that very
version. Each import's journal line keeps the row's ``версия`` and the version it wrote
(:class:`ImportedVersion`, in ``editor_actions.key``); a later import by the same editor (the
command line counts as one) of a row with that ``версия``, whose entry is still what that
import wrote, is checked against the entry as it is now instead. A colleague's edit since — on
the page, or by an import of their own — still makes it a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import EditorAction

_SEPARATOR = " "
_ARROW = ">"


@dataclass(frozen=True, slots=True)
class ImportedVersion:
    """An entry an import changed: the row's ``версия`` (``base``) and the version the import
    wrote (``result``)."""

    entry_id: str
    base: str
    result: str

    def key(self) -> str:
        """The journal line's ``key``: «trade_in v3f9a01c2>v0b1c2d3e»."""
        return f"{self.entry_id}{_SEPARATOR}{self.base}{_ARROW}{self.result}"

    @classmethod
    def parse(cls, key: str) -> ImportedVersion | None:
        entry_id, _, versions = key.partition(_SEPARATOR)
        base, _, result = versions.partition(_ARROW)
        if not (entry_id and base and result):
            return None  # an older line: the entry id alone
        return cls(entry_id, base, result)


async def own_imports(db: Database, operator_id: int | None) -> frozenset[ImportedVersion]:
    """What ``operator_id``'s imports (``None``: the command line's) changed, newest 2000."""
    who = (
        EditorAction.operator_id.is_(None)
        if operator_id is None
        else EditorAction.operator_id == operator_id
    )
    async with db.read() as session:
        keys = await session.scalars(
            select(EditorAction.key)
            .where(EditorAction.action == "entry_imported", who)
            .order_by(EditorAction.id.desc())
            .limit(2000)
        )
        found = (ImportedVersion.parse(key) for key in keys)
        return frozenset(version for version in found if version is not None)

"""The journal lines (``editor_actions``) of a change that went live, written with the
revision «Отменить» restores, in one transaction before the change goes live."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.reload import ReloadReport
from bot.storage.db import Database
from bot.storage.models import ContentRevision, EditorAction
from handoff.revision_log import record


def audit_row(
    action: str,
    key: str,
    text: str,
    entry_id: str,
    path: Path,
    operator_id: int | None,
    revision: ContentRevision | None = None,
) -> EditorAction:
    """The ``editor_actions`` row of a change that went live (``revision``: what it rewrote,
    from :func:`handoff.revision_log.record`, for «Отменить»; ``operator_id`` ``None``: made
    from a shell)."""
    return EditorAction(
        key=key[:400],
        text=text[:2000],
        action=action,
        entry_id=entry_id,
        file=str(path)[:500],
        operator_id=operator_id,
        revision_id=None if revision is None else revision.id,
    )


def journal_lines(
    db: Database,
    operator_id: int | None,
    lines: Callable[[ContentRevision | None], list[EditorAction]],
) -> Callable[[ReloadReport], Awaitable[None]]:
    """An :attr:`Edit.journal`: the revision the change rewrote and its journal ``lines`` in
    one transaction, written before the change goes live (if it fails, nothing does)."""

    async def write(report: ReloadReport) -> None:
        async with db.write() as session:
            revision = await record(session, report, operator_id)
            session.add_all(lines(revision))

    return write


def journal_line(
    db: Database,
    operator_id: int | None,
    action: str,
    key: str,
    text: str,
    entry_id: str,
    path: Path,
) -> Callable[[ReloadReport], Awaitable[None]]:
    """:func:`journal_lines` for a change of one journal line (most of them)."""
    return journal_lines(
        db,
        operator_id,
        lambda revision: [
            audit_row(action, key, text, entry_id, path, operator_id, revision=revision)
        ],
    )

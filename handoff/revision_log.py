"""The content files each editor's change rewrote, kept so that the change can be undone.

:func:`record` is called in the transaction that writes a change's journal lines
(``editor_actions``), with the reload's report of what the change wrote; the lines point at
the revision. :mod:`handoff.revisions` undoes one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reload import ReloadReport
from bot.snapshots import sha256
from bot.storage.models import ContentRevision

log = logging.getLogger(__name__)

KEEP = 50  # revisions whose files are kept (older ones can no longer be undone)


async def record(
    session: AsyncSession, report: ReloadReport, operator_id: int | None
) -> ContentRevision | None:
    """Keep what the change that just went live rewrote; ``None`` when it rewrote nothing.
    ``operator_id`` is ``None`` for a change made from a shell (``zabota kb import``)."""
    files: list[dict[str, Any]] = []
    for change in report.changes:
        try:
            before = None if change.before is None else change.before.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("%s is not UTF-8: the change cannot be undone", change.path)
            return None
        files.append({"path": change.path, "before": before, "after_sha256": sha256(change.after)})
    if not files:
        return None
    revision = ContentRevision(files=files, kept=True, operator_id=operator_id)
    session.add(revision)
    await session.flush()
    cutoff = (
        await session.execute(
            select(ContentRevision.id).order_by(ContentRevision.id.desc()).offset(KEEP).limit(1)
        )
    ).scalar()
    if cutoff is not None:  # the texts of older revisions go: they can no longer be undone
        await session.execute(
            update(ContentRevision)
            .where(ContentRevision.id <= cutoff, ContentRevision.kept.is_(True))
            .values(files=[], kept=False)
        )
    return revision


def current_bytes(root: Path, path: str) -> bytes | None:
    try:
        return (root / path).read_bytes()
    except FileNotFoundError:
        return None


def changed_since(
    root: Path, files: Sequence[dict[str, Any]], now: dict[str, bytes | None] | None = None
) -> list[str]:
    """The revision's files that no longer hold what the change wrote. ``now`` collects the
    files' current bytes by path, so that a caller looking at several revisions (the journal)
    or then writing them (an undo) reads each file once."""
    seen = {} if now is None else now
    for f in files:
        if f["path"] not in seen:
            seen[f["path"]] = current_bytes(root, f["path"])
    return [f["path"] for f in files if sha256(seen[f["path"]]) != f["after_sha256"]]

"""«Отменить» in the editor's journal: undo one change to the content, through the same gate.

Every change that went live (teach, a new entry, an answer, a flow's text, a bot phrase, a
table import, a question taken out — and an undo itself) keeps the content files it rewrote as
they were before it (:func:`record`, from the reload's :class:`bot.snapshots.FileChange` list),
in ``content_revisions``; its journal lines point at it. :func:`revert` writes those files back
and puts the result live with the validated, gated reload of every other edit, so an undo can
no more break the bot than a change can.

An undo is refused when a file has changed since (a later change or a hand edit): writing the
old bytes back would silently throw the later work away. The later change is undone first, or
the file fixed by hand. Undoing an undo redoes the change. Only the newest
:data:`handoff.revision_log.KEEP` revisions keep their texts.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.engine import Brain
from bot.reload import Edit, JournalError, ReloadReport
from bot.storage.db import Database
from bot.storage.models import ContentRevision, EditorAction, utcnow
from handoff.errors import Conflict, HandoffError, NotFound, Unavailable
from handoff.revision_log import KEEP, changed_since, record
from handoff.teaching import JOURNAL_FAILED, Reloader, TeachResult, audit_row, refused_result
from knowledge_base.editing import EditError, write_bytes_atomic

log = logging.getLogger(__name__)


def _later_changes(paths: Sequence[str]) -> str:
    return (
        f"{'Файл' if len(paths) == 1 else 'Файлы'} {', '.join(paths)} "
        f"{'изменён' if len(paths) == 1 else 'изменены'} после этой правки (более поздней "
        "правкой или вручную): отмена стёрла бы и те изменения. Сначала отмените более поздние "
        "правки."
    )


def changes(
    root: Path, files: Sequence[dict[str, Any]], now: dict[str, bytes | None]
) -> list[dict[str, Any]]:
    """What the change did, file by file, as a unified diff of the file before it and now
    (only meaningful while the files hold what the change wrote, i.e. while it can be undone):
    ``[{"path", "diff": [lines]}]``; ``now``: the files' current bytes, from
    :func:`changed_since`."""
    shown = []
    for f in files:
        data = now[f["path"]]
        after = "" if data is None else data.decode("utf-8", errors="replace")
        lines = difflib.unified_diff(
            (f["before"] or "").splitlines(),
            after.splitlines(),
            fromfile=f"{f['path']} (до правки)",
            tofile=f"{f['path']} (сейчас)",
            lineterm="",
            n=1,
        )
        shown.append({"path": f["path"], "diff": list(lines)[:400]})
    return shown


async def _load(db: Database, action_id: int) -> tuple[EditorAction, ContentRevision]:
    """Journal line ``action_id`` and its change; refusals for a line that has none."""
    async with db.read() as session:
        action = await session.get(EditorAction, action_id)
        revision = None
        if action is not None and action.revision_id is not None:
            revision = await session.get(ContentRevision, action.revision_id)
    if action is None:
        raise NotFound("Такой строки в журнале нет.", "not_found")
    if revision is None:
        raise HandoffError("Эта строка журнала не меняла файлы — отменять нечего.", "not_undoable")
    return action, revision


async def revision_of(db: Database, root: Path, action_id: int) -> dict[str, Any]:
    """The change of journal line ``action_id``: its undo state and, while it can be undone,
    its diff (:func:`changes`)."""
    _, revision = await _load(db, action_id)
    _check_paths(root, revision)
    if revision.reverted_at is not None:
        return {"undo": "reverted", "files": []}
    if not revision.kept:
        return {"undo": "too_old", "files": []}
    now: dict[str, bytes | None] = {}
    later = changed_since(root, revision.files, now)
    if later:
        return {"undo": "later_changes", "message": _later_changes(later), "files": []}
    return {"undo": "ready", "files": changes(root, revision.files, now)}


def _check_paths(root: Path, revision: ContentRevision) -> None:
    """A revision names the project's own files, relative to it; anything else (a damaged or
    forged row) is refused before any file is read or written."""
    inside = root.resolve()
    for f in revision.files:
        path = f.get("path") if isinstance(f, dict) else None
        if not isinstance(path, str) or not (root / path).resolve().is_relative_to(inside):
            log.error("content revision %s names a file outside the project: %r", revision.id, path)
            raise HandoffError("Эту правку не отменить: её запись повреждена.", "bad_revision")


def _write(path: Path, data: bytes | None) -> None:
    if data is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)


def _restore(root: Path, files: Sequence[dict[str, Any]]) -> Callable[[], None]:
    """Put the files back as they were before the change (in the reload's thread, under its
    lock); the undo of that. Nothing is written when any of them changed since."""
    now: dict[str, bytes | None] = {}
    later = changed_since(root, files, now)
    if later:
        raise EditError("later_changes", ", ".join(later))
    for f in files:
        before = f["before"]
        _write(root / f["path"], None if before is None else before.encode("utf-8"))

    def undo() -> None:
        for path, data in now.items():
            _write(root / path, data)

    return undo


def _refusal(report: ReloadReport) -> str:
    if report.problems:
        return "Отмена не принята: без этой правки в контенте ошибки. Файлы оставлены как были."
    return (
        "Отмена не принята: проверка качества нашла вопросы, на которые бот без этой правки "
        "отвечал бы неправильно. Файлы оставлены как были."
    )


async def revert(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    root: Path,
    *,
    action_id: int,
    operator_id: int,
    describe: Callable[[EditorAction], str],
) -> TeachResult:
    """Undo the change of journal line ``action_id`` and put the result live, or change nothing.

    ``describe`` words the undone line for the journal («научил(а) запись «…»: …»)."""
    action, revision = await _load(db, action_id)
    _check_paths(root, revision)
    if revision.reverted_at is not None:
        raise Conflict("Эта правка уже отменена.", "already_reverted")
    if not revision.kept:
        raise Conflict(
            f"Правка слишком старая: хранятся только последние {KEEP}. Исправьте текст в "
            "редакторе.",
            "too_old",
        )
    files = list(revision.files)
    later = changed_since(root, files)  # checked again under the reload's lock
    if later:
        raise Conflict(_later_changes(later), "later_changes")
    entry_id = action.entry_id or ""
    what = describe(action)

    async def journal(report: ReloadReport) -> None:
        async with db.write() as session:
            await session.execute(
                update(ContentRevision)
                .where(ContentRevision.id == revision.id)
                .values(reverted_at=utcnow(), reverted_by=operator_id)
            )
            redo = await record(session, report, operator_id)
            path = root / files[0]["path"]
            session.add(
                audit_row(
                    "reverted", str(action_id), what, entry_id, path, operator_id, revision=redo
                )
            )

    try:
        report = await reloader(Edit(apply=lambda: _restore(root, files), journal=journal))
    except EditError as exc:  # a change landed between the check above and the lock
        raise Conflict(_later_changes(exc.detail.split(", ")), "later_changes") from None
    except JournalError as exc:
        raise Unavailable(JOURNAL_FAILED, "journal_failed") from exc
    if not report.ok:
        log.warning("undo of editor action %s refused by the reload", action_id)
        return refused_result(brain(), report, entry_id, "", _refusal(report))
    log.info("editor %s undid editor action %s (%s)", operator_id, action_id, what)
    return TeachResult(
        ok=True,
        message="Готово: правка отменена, бот отвечает так, как до неё.",
        entry_id=entry_id,
        text=what,
    )

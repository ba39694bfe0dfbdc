"""The editors' journal («Журнал изменений»): who changed what, newest first, each line with
its entry's title (kept for an entry deleted since or whose creation was undone), an answer
edit in full with what it changed, and whether «Отменить» can undo it."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import Brain
from bot.russian import plural
from bot.storage.models import ContentRevision, EditorAction, Operator
from handoff.phrase_titles import TITLES as PHRASE_TITLES
from handoff.revision_log import changed_since
from handoff.views import intent_title

HISTORY_TITLES = {
    "taught": "научил(а) запись",
    "dismissed": "убрал(а) из списка «не понял»",
    "answered": "убрал(а) из списка «не понял»: бот уже отвечает записью",
    "answer_edited": "изменил(а) ответ записи",
    "entry_created": "создал(а) запись",
    "entry_imported": "изменил(а) запись из таблицы",
    "flow_edited": "изменил(а) текст сценария",
    "phrase_edited": "изменил(а) фразу бота",
    "question_removed": "убрал(а) вопрос из записи",
    "entry_deleted": "удалил(а) запись",
    "reverted": "отменил(а) правку",
}


# who made a change from a shell (``zabota kb import``): its lines have no operator, and their
# verbs agree with «строка» («Командная строка изменила запись из таблицы «…»»)
SHELL_ACTOR = "Командная строка"
SHELL_TITLES = {
    "entry_created": "создала запись",
    "entry_imported": "изменила запись из таблицы",
}


def _flow_title(brain: Brain, flow_id: str | None) -> str | None:
    flow = brain.flows.get(flow_id or "")
    return flow.title if flow is not None else flow_id


def _entry_title(
    brain: Brain, action: EditorAction, gone: dict[str, str] | None = None
) -> str | None:
    """The title of what a line changed; an entry deleted since is named by the title its
    deletion's line keeps (``gone``: entry id → title; the deletion line's own text)."""
    if action.action == "entry_deleted":
        return intent_title(brain.kb, action.entry_id) or action.text
    if action.action == "flow_edited":
        return _flow_title(brain, action.entry_id)
    if action.action == "phrase_edited":
        return PHRASE_TITLES.get(action.entry_id or "", action.entry_id)
    if action.action == "reverted" or not action.entry_id:
        return None  # an undo's text already names what it undid
    return intent_title(brain.kb, action.entry_id) or (gone or {}).get(action.entry_id)


def _text(action: EditorAction) -> str:
    """A line's text as shown (a deletion's is the entry's title, already its title)."""
    return "" if action.action == "entry_deleted" else action.text


def describe(brain: Brain, action: EditorAction) -> str:
    """A journal line's change in words, for the line of its undo («научил(а) запись «…»: …»)."""
    title = _entry_title(brain, action)
    words = HISTORY_TITLES.get(action.action, action.action)
    text = _text(action)
    return words + (f" «{title}»" if title else "") + (f": {text}" if text else "")


async def history(
    session: AsyncSession, brain: Brain, root: Path | None, *, limit: int = 50
) -> list[dict[str, Any]]:
    """The editors' latest changes, newest first: who (:data:`SHELL_ACTOR` for a change made
    from a shell), when, what, to which entry, and whether «Отменить» can undo it (``undo``:
    ``ready``, ``later_changes`` — a file changed since, ``reverted``, ``too_old``; null for a
    line that changed no file)."""
    rows = (
        await session.execute(
            select(EditorAction, Operator.display_name, Operator.username)
            .outerjoin(Operator, Operator.id == EditorAction.operator_id)
            .order_by(EditorAction.id.desc())
            .limit(limit)
        )
    ).all()
    ids = {action.revision_id for action, _, _ in rows if action.revision_id is not None}
    revisions = {
        revision.id: revision
        for revision in (
            await session.execute(select(ContentRevision).where(ContentRevision.id.in_(ids)))
        ).scalars()
    }
    now: dict[str, bytes | None] = {}  # each file read once for all the lines
    actions = [action for action, _, _ in rows]
    gone = await _kept_titles(session, brain, actions)
    before = await _answers_before(session, actions)
    return [
        {
            "id": action.id,
            "at": action.created_at.isoformat(),
            "who": SHELL_ACTOR if action.operator_id is None else name or username,
            "action": action.action,
            "action_title": (SHELL_TITLES if action.operator_id is None else {}).get(
                action.action, HISTORY_TITLES.get(action.action, action.action)
            ),
            "entry_id": action.entry_id,
            "entry_title": _entry_title(brain, action, gone),
            # an answer in full (the journal's hover shows it; two edits of one answer differ
            # somewhere), other texts are short or need only their beginning
            "text": _text(action)[: None if action.action == "answer_edited" else 300],
            "change": _answer_change(before.get(action.id), action.text)
            if action.action == "answer_edited"
            else None,
            "file": action.file,
            "undo": _undo_state(root, revisions.get(action.revision_id or 0), now),
        }
        for action, name, username in rows
    ]


async def _kept_titles(
    session: AsyncSession, brain: Brain, actions: list[EditorAction]
) -> dict[str, str]:
    """The titles of the entries the lines name that the bot no longer knows — deleted, or
    whose creation was undone — as the journal keeps them (the latest ``entry_created`` or
    ``entry_deleted`` line's text), by entry id."""
    missing = {
        a.entry_id
        for a in actions
        if a.entry_id
        and a.action not in ("flow_edited", "phrase_edited")
        and intent_title(brain.kb, a.entry_id) is None
    }
    if not missing:
        return {}
    found = await session.execute(
        select(EditorAction.entry_id, EditorAction.text)
        .where(
            EditorAction.entry_id.in_(missing),
            EditorAction.action.in_(("entry_created", "entry_deleted")),
        )
        .order_by(EditorAction.id)
    )
    return {str(entry_id): text for entry_id, text in found}  # the latest wins


async def _answers_before(session: AsyncSession, actions: list[EditorAction]) -> dict[int, str]:
    """For each ``answer_edited`` line, the answer its entry had by the journal before it (the
    previous such line's text), by line id; none for an entry's first edit."""
    edited = [a for a in actions if a.action == "answer_edited" and a.entry_id]
    if not edited:
        return {}
    found = await session.execute(
        select(EditorAction.id, EditorAction.entry_id, EditorAction.text)
        .where(
            EditorAction.action == "answer_edited",
            EditorAction.entry_id.in_({a.entry_id for a in edited}),
            EditorAction.id <= max(a.id for a in edited),
        )
        .order_by(EditorAction.id)
    )
    last: dict[str, str] = {}
    before: dict[int, str] = {}
    for line_id, entry_id, text in found:
        entry_id = str(entry_id)
        if entry_id in last:
            before[line_id] = last[entry_id]
        last[entry_id] = text
    return before


def _answer_change(old: str | None, new: str) -> str | None:
    """What an answer edit changed, in words, from the lines that differ: «добавлена строка
    «…»», «убрана строка «…»» or «изменена строка «…»» (the new one). None when the answer
    before it is unknown (the entry's first edit in the journal)."""
    if old is None:
        return None
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(old.strip().splitlines(), new.strip().splitlines()):
        text = line[2:].strip()
        if line.startswith("- ") and text:
            removed.append(text)
        elif line.startswith("+ ") and text:
            added.append(text)
    if not removed and not added:
        return "изменены только пробелы и переносы строк"
    if added and not removed:
        what, lines = "добавлен", added
    elif removed and not added:
        what, lines = "убран", removed
    else:
        what, lines = "изменен", added
    line = lines[0] if len(lines[0]) <= 80 else lines[0][:79].rstrip() + "…"
    if len(lines) == 1:
        return f"{what}а строка «{line}»"
    more = len(lines) - 1
    return f"{what}ы строки «{line}» и ещё {_count_lines(more)}"


def _count_lines(n: int) -> str:
    return f"{n} {plural(n, 'строка', 'строки', 'строк')}"


def _undo_state(
    root: Path | None, revision: ContentRevision | None, now: dict[str, bytes | None]
) -> str | None:
    if revision is None or root is None:
        return None
    if revision.reverted_at is not None:
        return "reverted"
    if not revision.kept:
        return "too_old"
    return "later_changes" if changed_since(root, revision.files, now) else "ready"

"""Import an edited spreadsheet of the knowledge base (the editor's «Таблица»).

:func:`plan` compares the table (:mod:`knowledge_base.table`) with the live knowledge base and
says, row by row, what would change — new entries, new or removed wordings, a new title or
answer — or what is wrong with the row («строка 7: …»). Nothing is written while any row is
wrong. :func:`apply` writes the whole plan at once (:mod:`knowledge_base.bulk`: surgical
edits, every file or none) through the validated, gated reload, like every other edit on the
page: if the reload refuses, every file gets its previous bytes back. Entries missing from the
table stay as they are — an import never deletes. ``zabota kb import`` (:mod:`bot.cli_kb`)
runs the same :func:`apply`, journaled as the command line's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine import Brain
from bot.reload import Edit
from bot.storage.db import Database
from bot.storage.models import ContentRevision, EditorAction
from handoff.errors import HandoffError
from handoff.kb_import_checks import (
    RowChange,
    conflict_message,
    created_notices,
    encoding_notice,
    lost_message,
    shared_questions,
    shared_titles,
    version_notices,
)
from handoff.kb_import_own import ImportedVersion, own_imports
from handoff.new_entries import NEW_ENTRY_MESSAGES, categories, taken_ids
from handoff.teaching import (
    Reloader,
    TeachResult,
    audit_row,
    journal_lines,
    put_live,
    refused_result,
)
from knowledge_base.bulk import EntryEdit, FileEdits, apply_to_files
from knowledge_base.editing import EditError, clean_answer, clean_question
from knowledge_base.loader import question_key, title_key
from knowledge_base.models import FAQEntry
from knowledge_base.new_entry import MAX_QUESTIONS, MAX_TITLE_CHARS, new_entry
from knowledge_base.quality import broken_link_problems, vague_referral
from knowledge_base.table import (
    TableRow,
    entry_version,
    exported_as,
    lost_chars,
    restore_cell,
    row_version,
)

log = logging.getLogger(__name__)

IMPORT_MESSAGES = {
    **NEW_ENTRY_MESSAGES,
    "verify_failed": "Не удалось аккуратно внести изменения из таблицы в файлы; файлы не изменены.",
}


@dataclass(slots=True)
class ImportPlan:
    rows: list[RowChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: dict[str, FileEdits] = field(default_factory=dict)
    # What the editor should know though nothing is wrong (e.g. characters the file's
    # encoding lost, taken from the knowledge base).
    notices: list[str] = field(default_factory=list)
    restored: set[str] = field(default_factory=set)
    # The questions each row's entry ends with (for the check across entries).
    questions: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    # Rows of entries changed on the site since the export that the table did not edit: left
    # as the site has them (row, title).
    kept: list[tuple[int, str]] = field(default_factory=list)
    # Rows that change an entry with no ``версия`` to check it by (row; ``None``: no column).
    unchecked: list[tuple[int, str | None]] = field(default_factory=list)
    # Rows without an id that an entry already is (an earlier import of the table created it):
    # row, title, id.
    created: list[tuple[int, str, str]] = field(default_factory=list)
    # Cells whose characters the file's encoding lost, taken from the knowledge base: row,
    # column, the characters; and every such character the knowledge base has (by which a row
    # the site changed since is still told from one the table changed).
    restored_cells: list[tuple[int, str, set[str]]] = field(default_factory=list)
    lost_chars: frozenset[str] = frozenset()
    own: frozenset[ImportedVersion] = frozenset()

    @property
    def changed(self) -> list[RowChange]:
        return [r for r in self.rows if r.kind != "same"]

    @property
    def checks(self) -> list[tuple[str, str]]:
        """What the new model must answer with which entry: the new wordings and every
        question of a new entry."""
        edits = list(self.files.values())
        return [(q, change.entry_id) for e in edits for change in e.entries for q in change.add] + [
            (q, entry.id) for e in edits for entry in e.new for q in entry.questions
        ]

    def as_json(self) -> dict[str, Any]:
        count = {
            kind: sum(r.kind == kind for r in self.rows) for kind in ("new", "changed", "same")
        }
        return {
            "ok": not self.problems,
            "problems": self.problems,
            "notices": self.notices,
            "counts": count,
            "rows": [r.as_json() for r in self.changed],
        }

    def _file(self, path: str) -> FileEdits:
        return self.files.setdefault(path, FileEdits(Path(path)))


def _questions(row: TableRow) -> list[str]:
    cleaned: list[str] = []
    for question in row.questions:
        try:
            text = clean_question(question)
        except EditError:
            raise _RowError(f"вопрос «{question[:60]}…» длиннее 300 символов") from None
        if all(question_key(text) != question_key(q) for q in cleaned):
            cleaned.append(text)
    if not cleaned:
        raise _RowError("нет ни одного вопроса (по одному на строку в ячейке «вопросы»)")
    if len(cleaned) > MAX_QUESTIONS * 3:
        raise _RowError(f"больше {MAX_QUESTIONS * 3} вопросов — разбейте запись на несколько")
    return cleaned


def _as_stored(answer: str) -> str:
    """An entry's answer as the editor's cleaning would write it (as it is, if the file holds
    one the page would not take, e.g. longer than its limit: then any new text differs)."""
    try:
        return clean_answer(answer)
    except EditError:
        return answer


def _answer(row: TableRow) -> str:
    try:
        return clean_answer(row.answer)
    except EditError as exc:
        raise _RowError(NEW_ENTRY_MESSAGES.get(exc.code, str(exc)).rstrip(".").lower()) from None


class _RowError(Exception):
    pass


def _check_filled(row: TableRow) -> None:
    """A row with more than one needed cell empty (say, a note typed in one cell) is told by
    what it has and what it lacks, not only by the first missing cell."""
    missing = [
        name
        for name, value in (
            ("название", row.title),
            ("вопросы", row.questions),
            ("ответ", row.answer),
        )
        if not value
    ]
    if len(missing) < 2:
        if not row.title:
            raise _RowError("пустое название")
        return  # one missing question or answer: said by its own check
    cells = (
        ("id", row.id),
        ("раздел", row.category),
        ("название", row.title),
        ("вопросы", row.questions[0] if row.questions else ""),
        ("ответ", row.answer),
        ("версия", row.version or ""),
    )
    filled = [f"«{name}»: «{_short(value)}»" for name, value in cells if value]
    has = f" (заполнено только {', '.join(filled)})" if filled else ""
    raise _RowError(
        "не заполнены ячейки "
        + ", ".join(f"«{name}»" for name in missing)
        + has
        + " — допишите строку или удалите её"
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def _check_referral(answer: str, *, has_url_button: bool) -> None:
    """The content's own rules (:mod:`knowledge_base.quality`), before the reload refuses it."""
    for problem in broken_link_problems(answer):
        raise _RowError(problem)
    words = vague_referral(answer, has_url_button=has_url_button)
    if words is not None:
        raise _RowError(
            f"ответ отсылает клиента искать самому («{words}») — дайте точную ссылку "
            "(https://…) в тексте"
        )


def _restored_question(question: str, current: list[str], row: TableRow, result: ImportPlan) -> str:
    """``question`` as the entry has it, when it differs only by characters the file's
    encoding lost."""
    for known in current:
        cell = restore_cell(known, question, row.encoding)
        if cell.restored and cell.text == known:
            result.restored |= cell.restored
            result.restored_cells.append((row.line, "вопросы", set(cell.restored)))
            return known
    return question


def _restore(
    row: TableRow, column: str, current: str, text: str, result: ImportPlan, missing: list[str]
) -> str:
    """``text`` of ``column`` with the characters the file's encoding lost taken from
    ``current``; a lost one that cannot be taken back (the text around it changed) goes to
    ``missing`` as what to say about it."""
    cell = restore_cell(current, text, row.encoding)
    if cell.restored:
        result.restored |= cell.restored
        result.restored_cells.append((row.line, column, set(cell.restored)))
    if cell.missing:
        missing.append(f"«{column}» ({', '.join(f'«{c}»' for c in sorted(cell.missing))})")
    return cell.text


def _created_before(
    brain: Brain, row: TableRow, questions: list[str], answer: str
) -> FAQEntry | None:
    """The entry a row without an id already is: the same title (case, ё and spacing
    ignored), questions and answer — created by an earlier import of this very table (its row
    still has no id), so importing the table again does not create it a second time."""
    for entry in brain.kb.entries.values():
        if (
            title_key(entry.title) == title_key(row.title)
            and (not row.category or row.category == entry.category)
            and {question_key(q) for q in entry.questions} == {question_key(q) for q in questions}
            and _as_stored(entry.answer) == answer
        ):
            return entry
    return None


def plan(
    brain: Brain, rows: list[TableRow], own: frozenset[ImportedVersion] = frozenset()
) -> ImportPlan:
    """What importing ``rows`` would change in ``brain``'s knowledge base; ``own``: what the
    importing editor's earlier imports changed (:mod:`handoff.kb_import_own`)."""
    result = ImportPlan(own=own)
    encoding = next((r.encoding for r in rows if r.encoding != "utf-8"), "utf-8")
    result.lost_chars = lost_chars(
        (t for e in brain.kb.entries.values() for t in (e.title, e.answer, *e.questions)),
        encoding,
    )
    files = categories(brain)
    seen: dict[str, int] = {}
    taken = taken_ids(brain)
    problems: list[tuple[int, str]] = []
    for row in rows:
        try:
            change = _row(brain, row, files, seen, taken, result)
        except _RowError as exc:
            problems.append((row.line, f"строка {row.line}: {exc}"))
            continue
        result.rows.append(change)
    problems += shared_questions(brain, result.rows, result.questions)
    problems += shared_titles(brain, result.rows, result.questions)
    # By the spreadsheet's row, as the editor goes through it (a row's own problems first).
    result.problems = [text for _, text in sorted(problems, key=lambda problem: problem[0])]
    changed = {change.line for change in result.changed}
    cells = [cell for cell in result.restored_cells if cell[0] in changed]
    result.notices.extend(encoding_notice(rows, result.restored, cells))
    result.notices.extend(version_notices(result.kept, result.unchecked))
    result.notices.extend(created_notices(result.created))
    return result


def _row(
    brain: Brain,
    row: TableRow,
    files: dict[str, str],
    seen: dict[str, int],
    taken: set[str],
    result: ImportPlan,
) -> RowChange:
    _check_filled(row)
    if len(row.title) > MAX_TITLE_CHARS:
        raise _RowError(f"название длиннее {MAX_TITLE_CHARS} символов")
    questions, answer = _questions(row), _answer(row)
    if not row.id:
        created = _created_before(brain, row, questions, answer)
        if created is not None:
            result.created.append((row.line, created.title, created.id))
            result.questions[created.id] = (row.line, list(created.questions))
            return RowChange(
                row.line, created.id, created.title, "same", brain.kb.sources[created.id].file
            )
        _check_referral(answer, has_url_button=False)
        if row.category not in files:
            known = ", ".join(f"«{c}»" for c in files)
            raise _RowError(f"для новой записи укажите раздел, один из: {known}")
        try:
            entry = new_entry(row.title, row.category, questions, answer, taken=taken)
        except EditError as exc:
            raise _RowError(NEW_ENTRY_MESSAGES.get(exc.code, str(exc))) from None
        taken.add(entry.id)
        result.questions[entry.id] = (row.line, list(entry.questions))
        result._file(files[row.category]).new.append(entry)
        return RowChange(row.line, entry.id, entry.title, "new", files[row.category])
    if row.id in seen:
        raise _RowError(f"запись «{row.id}» уже есть в строке {seen[row.id]}")
    seen[row.id] = row.line
    current = brain.kb.get(row.id)
    source = brain.kb.sources.get(row.id)
    if current is None or source is None:
        raise _RowError(
            f"записи «{row.id}» нет в базе знаний (для новой записи оставьте id пустым)"
        )
    if row.category and row.category != current.category:
        raise _RowError(
            f"запись «{current.title}» — в разделе «{current.category}», в таблице — "
            f"«{row.category}»; переносить записи между разделами можно только в файлах"
        )
    # A file saved in Windows-1251 has «?» for every «₽»: the knowledge base's text stays.
    missing: list[str] = []
    title = _restore(row, "название", current.title, row.title, result, missing)
    stored = _as_stored(current.answer)
    answer = _restore(row, "ответ", stored, answer, result, missing)
    questions = [_restored_question(q, current.questions, row, result) for q in questions]
    if missing:
        raise _RowError(lost_message(missing, row.encoding))
    # The row's ``версия`` is the entry as exported: one the site changed since then, which the
    # table leaves as exported, stays as the site has it (not the old text back over a
    # colleague's edit); one the table changes too is a conflict (below).
    now = entry_version(current)
    site_changed = bool(row.version) and row.version != now
    if site_changed and ImportedVersion(row.id, row.version or "", now) in result.own:
        site_changed = False  # changed since by this editor's own import of this very row
    if site_changed and (
        row.version == row_version(row.id, title, questions, answer)
        or exported_as(
            row.version or "",
            row.id,
            (row.title, list(_questions(row)), _answer(row)),
            row.encoding,
            result.lost_chars,
        )
    ):
        result.kept.append((row.line, current.title))
        result.questions[row.id] = (row.line, list(current.questions))
        return RowChange(row.line, row.id, current.title, "same", source.file)
    old_keys = {question_key(q) for q in current.questions}
    new_keys = {question_key(q) for q in questions}
    if answer != stored:
        _check_referral(answer, has_url_button=any(b.url for b in current.buttons))
    result.questions[row.id] = (row.line, questions)
    change = RowChange(
        row.line,
        row.id,
        title,
        "same",
        source.file,
        title_changed=title != current.title,
        answer_changed=answer != stored,
        added=[q for q in questions if question_key(q) not in old_keys],
        removed=[q for q in current.questions if question_key(q) not in new_keys],
    )
    if change.title_changed or change.answer_changed or change.added or change.removed:
        change.kind = "changed"
        if site_changed:
            result.questions[row.id] = (row.line, list(current.questions))  # stays as it is
            raise _RowError(conflict_message(current.title, change))
        if not row.version:
            result.unchecked.append((row.line, row.version))
        else:
            kept = [q for q in current.questions if question_key(q) in new_keys]
            change.versions = ImportedVersion(
                row.id,
                row.version,
                row_version(row.id, title, [*kept, *change.added], answer),
            )
        result._file(source.file).entries.append(
            EntryEdit(
                row.id,
                title=title if change.title_changed else None,
                answer=answer if change.answer_changed else None,
                add=change.added,
                remove=change.removed,
            )
        )
    return change


async def plan_for(
    db: Database, brain: Brain, rows: list[TableRow], operator_id: int | None
) -> ImportPlan:
    """:func:`plan` for ``operator_id``'s import (``None``: the command line's): a row their own
    earlier import changed and they edited again is no conflict (:mod:`handoff.kb_import_own`).
    The editor page's check and import and ``zabota kb import`` all plan with it."""
    return plan(brain, rows, await own_imports(db, operator_id))


async def apply(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    rows: list[TableRow],
    operator_id: int | None,
) -> tuple[ImportPlan, TeachResult]:
    """Write the table's changes and put them live, or change nothing; journal them
    (``editor_actions`` and the revision «Отменить» undoes) as ``operator_id``'s, or the
    command line's when ``None`` (``zabota kb import``, whose ``reloader`` puts nothing live:
    a running bot takes the files on its next reload)."""
    current = brain()
    planned = await plan_for(db, current, rows, operator_id)
    if planned.problems:
        raise HandoffError(
            "В таблице ошибки, ничего не изменено: " + "; ".join(planned.problems[:5]),
            "invalid_table",
        )
    if not planned.changed:
        raise HandoffError("Таблица совпадает с базой знаний: менять нечего.", "unchanged")

    def lines(revision: ContentRevision | None) -> list[EditorAction]:
        return [
            audit_row(
                "entry_created" if change.kind == "new" else "entry_imported",
                change.versions.key() if change.versions else change.entry_id,
                change.title,
                change.entry_id,
                Path(change.file),
                operator_id,
                revision=revision,
            )
            for change in planned.changed
        ]

    edit = Edit(
        apply=lambda: apply_to_files(list(planned.files.values())),
        checks=planned.checks,
        journal=journal_lines(db, operator_id, lines),
    )
    report = await put_live(reloader, edit, IMPORT_MESSAGES)
    first = planned.changed[0]
    if not report.ok:
        log.warning("table import refused by the reload")
        message = (
            "Импорт не принят: в контенте ошибки (список ниже). Файлы возвращены как были."
            if report.problems
            else "Импорт не принят: проверка качества нашла вопросы, на которые бот стал бы "
            "отвечать неправильно (список ниже). Файлы возвращены как были."
        )
        return planned, refused_result(current, report, first.entry_id, "", message)
    counts = planned.as_json()["counts"]
    who = "the command line" if operator_id is None else f"editor {operator_id}"
    log.info("%s imported a table: %s", who, counts)
    return planned, TeachResult(
        ok=True,
        message=" ".join(
            [
                f"Готово: новых записей — {counts['new']}, изменённых — {counts['changed']}; "
                "бот уже отвечает по-новому.",
                *planned.notices,
            ]
        ),
        entry_id=first.entry_id,
        text="",
    )

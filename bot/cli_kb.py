"""``zabota kb export`` / ``zabota kb import``: the knowledge base as a spreadsheet, from a shell.

    zabota kb export > faq.csv                 # the table the editor's «Таблица» gives
    zabota kb import faq.csv --check           # what would change, or which rows are wrong
    zabota kb import faq.csv                   # write it: validated and gated, or nothing

The import is the editor page's (:func:`handoff.kb_import.apply`): the same row checks, the
same surgical edits over every file or none, the same validation and regression gate
(:func:`bot.reload.prepare_edit`, under the same file lock) — refused, every file gets its
bytes back — and the same journal: ``editor_actions`` lines by the command line («Командная
строка» on the editor's page) and the revision its «Отменить» writes back.

The journal is part of the change: the database (``DATABASE_URL``) is opened (and migrated)
before the table is even checked, and an import that cannot be journaled is not made —
unreachable, exit 3 and nothing changed; failing after the files were written, they get their
bytes back. The journal also tells a row the command line's own earlier import changed (and
that was edited again) from a colleague's change since the export, as on the page
(:func:`handoff.kb_import.plan_for`). ``--check`` reads the journal when it can but needs no
database and writes nothing: without one, such a row is reported as a conflict, and it says
so. A running ``zabota run`` picks the new files up on ``kill -HUP`` or
``POST /api/v1/admin/reload``. Exit codes: 0 done (or nothing to change), 2 a bad table or a
refused import, 3 database unreachable. What it prints is Russian,
in the words of the editor page's «Таблица» («строка 16: «Экспресс-доставка» — новый ответ»).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.russian import plural

if TYPE_CHECKING:  # imported lazily at run time so that `zabota --help` answers at once
    from bot.engine import Brain
    from bot.project import Project
    from bot.reload import Edit, ReloadReport
    from handoff.kb_import import ImportPlan
    from knowledge_base.table import TableRow
    from nlu.api import NLUModel

EXIT_OK, EXIT_USAGE, EXIT_DB = 0, 2, 3


def register(sub: Any) -> None:
    kb = sub.add_parser("kb", help="the knowledge base as a spreadsheet (CSV)")
    actions = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the knowledge base as CSV")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(func=cmd_export)
    load = actions.add_parser(
        "import", help="apply an edited CSV (validated, gated, in the editor's journal)"
    )
    load.add_argument("table", type=Path, help="the CSV file")
    load.add_argument("--check", action="store_true", help="only say what would change")
    load.set_defaults(func=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.project import load_project
    from knowledge_base.table import export_table

    data = export_table(load_project(args.project).kb.entries.values())
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        args.output.write_bytes(data)
        size = plural(len(data), "байт", "байта", "байт")
        print(f"{args.output}: записано {len(data)} {size}", file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from bot.project import load_project, make_brain, train
    from bot.storage.db import DatabaseError
    from knowledge_base.table import TableError, read_table

    try:
        rows = read_table(args.table.read_bytes())
    except (OSError, TableError) as exc:
        print(f"{args.table}: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_USAGE
    project = load_project(args.project)
    model, _, _ = train(project)
    brain = make_brain(project, model)
    try:
        if args.check:
            return asyncio.run(_check(args, brain, rows))
        return asyncio.run(_import(args, project, brain, rows))
    except DatabaseError as exc:  # exit 3, every file as it was
        print(f"{args.table}: база данных недоступна: {exc}", file=sys.stderr)
        return EXIT_DB


def _say_plan(table: Path, planned: ImportPlan) -> int:
    """The plan as the editor page's «Таблица» shows it: EXIT_USAGE for a table with errors."""
    for problem in planned.problems:
        print(f"{table}: {problem}", file=sys.stderr)
    if planned.problems:
        print("В таблице ошибки — ничего не изменено.", file=sys.stderr)
        return EXIT_USAGE
    for notice in planned.notices:
        print(f"{table}: {notice}", file=sys.stderr)
    counts = planned.as_json()["counts"]
    for change in planned.changed:
        print(f"{table}: {describe_change(change)}")
    print(
        f"Новых записей: {counts['new']}, изменённых: {counts['changed']}, "
        f"без изменений: {counts['same']}."
    )
    return EXIT_OK


async def _check(args: argparse.Namespace, brain: Brain, rows: list[TableRow]) -> int:
    """``--check``: the plan the import would follow, the command line's earlier imports read
    from the journal (:func:`handoff.kb_import.plan_for`) when there is one. A check needs no
    database and writes nothing: without a journal to read (none yet, unreachable), it plans
    without them and says what that means."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import Settings
    from bot.storage.db import Database, DatabaseError
    from handoff import kb_import

    url = Settings.from_env(args.project).database_url
    db: Database | None = None
    try:
        if _no_sqlite_file(url):  # no import was ever journaled here; a check creates nothing
            planned = kb_import.plan(brain, rows)
        else:
            db = Database(url)
            planned = await kb_import.plan_for(db, brain, rows, None)
    except (DatabaseError, SQLAlchemyError, OSError) as exc:
        print(
            f"{args.table}: журнал редактора не прочитан ({type(exc).__name__}): строка, "
            "изменённая прежним импортом из командной строки и исправленная снова, "
            "будет показана как конфликт.",
            file=sys.stderr,
        )
        planned = kb_import.plan(brain, rows)
    finally:
        if db is not None:
            await db.dispose()
    return _say_plan(args.table, planned)


def _no_sqlite_file(url: str) -> bool:
    from sqlalchemy.engine import make_url

    from bot.storage.db import normalize_url

    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    return parsed.database == ":memory:" or not Path(parsed.database).exists()


async def _import(
    args: argparse.Namespace, project: Project, brain: Brain, rows: list[TableRow]
) -> int:
    """Plan, write and journal the table's changes as the editor page's import does, or nothing.

    The database is opened first: the journal is part of the change, and it tells the rows of
    the command line's own earlier imports edited again from a colleague's change since the
    export (:func:`handoff.kb_import.plan_for`, as the page's import)."""

    from bot.config import Settings
    from bot.reload import JournalError, files_lock
    from bot.storage.db import Database, DatabaseError
    from handoff import kb_import
    from handoff.errors import HandoffError

    db = Database(Settings.from_env(args.project).database_url)
    try:
        try:  # the journal is part of the change: no database, no change
            await db.upgrade()
        except DatabaseError as exc:  # exit 3, before any file is touched
            raise DatabaseError(
                f"{exc}; ничего не изменено (изменения записываются в журнал редактора)"
            ) from exc
        planned = await kb_import.plan_for(db, brain, rows, None)
        said = _say_plan(args.table, planned)
        if said != EXIT_OK or not planned.changed:
            return said
        async with files_lock(project.root):
            reload = ShellReload(project, brain.nlu)
            try:
                await kb_import.apply(db, lambda: brain, reload, rows, None)
            except HandoffError as exc:  # none of the files changed (or all got their bytes back)
                if isinstance(exc.__cause__, JournalError):
                    lost = "не удалось записать журнал изменений, все файлы остались как были"
                    raise DatabaseError(f"{lost}: {exc.__cause__}") from exc
                print(f"{args.table}: {exc.message}", file=sys.stderr)
                return EXIT_USAGE
    finally:
        await db.dispose()
    report = reload.report  # the import's, when it got as far as the reload
    if report is None or not report.ok:  # the validation or the gate refused it
        for problem in report.problems if report else []:
            print(f"  {problem}", file=sys.stderr)
        for failure in report.failures if report else []:
            print(f"  {failure}", file=sys.stderr)
        print("Изменение не принято: все файлы остались как были.", file=sys.stderr)
        return EXIT_USAGE
    print("Записано и внесено в журнал изменений редактора (там же — «Отменить»).")
    print("Работающий бот подхватит изменения: kill -HUP <pid> или POST /api/v1/admin/reload.")
    return EXIT_OK


class ShellReload:
    """The editor page's reload for a shell (a :data:`handoff.teaching.Reloader`): the same
    edit, validation and gate (:func:`bot.reload.prepare_edit`), with no running bot to put
    the new content in; an edit that passed is journaled (:attr:`bot.reload.Edit.journal`) or
    taken back. The caller holds :func:`bot.reload.files_lock`."""

    def __init__(self, project: Project, current: NLUModel) -> None:
        self.project = project
        self.current = current
        self.report: ReloadReport | None = None

    async def __call__(self, edit: Edit | None) -> ReloadReport:
        from bot.reload import journal, prepare_edit

        prepared = await prepare_edit(self.project.root, self.project.config, self.current, edit)
        self.report = prepared.report
        if prepared.report.ok:
            await journal(prepared, edit)
        return prepared.report


def describe_change(change: Any) -> str:
    """One row's change as the editor page's «Таблица» says it (static/editor_table.js)."""
    parts = [
        *([f"новая запись в {Path(change.file).name}"] if change.kind == "new" else []),
        *(["новое название"] if change.title_changed else []),
        *(["новый ответ"] if change.answer_changed else []),
        *([f"вопросы: +{_quoted(change.added)}"] if change.added else []),
        *([f"убрать: {_quoted(change.removed)}"] if change.removed else []),
    ]
    return f"строка {change.line}: «{change.title}» ({change.entry_id}) — {'; '.join(parts)}"


def _quoted(questions: list[str]) -> str:
    return ", ".join(f"«{q}»" for q in questions)

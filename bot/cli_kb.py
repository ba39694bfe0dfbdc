"""``zabota kb export`` / ``zabota kb import``: the knowledge base as a spreadsheet, from a shell.

    zabota kb export > faq.csv                 # the table the editor's «Таблица» gives
    zabota kb import faq.csv --check           # what would change, or which rows are wrong
    zabota kb import faq.csv                   # write it: validated and gated, or nothing

The import is the editor page's (:mod:`handoff.kb_import`): the same row checks, the same
surgical edits over every file or none, the same validation and regression gate
(:func:`bot.reload.prepare`) — refused, every file gets its bytes back. A running ``zabota run``
picks the new files up on ``kill -HUP`` or ``POST /api/v1/admin/reload``. Exit codes: 0 done
(or nothing to change), 2 a bad table or a refused import.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2


def register(sub: Any) -> None:
    kb = sub.add_parser("kb", help="the knowledge base as a spreadsheet (CSV)")
    actions = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the knowledge base as CSV")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(func=cmd_export)
    load = actions.add_parser("import", help="apply an edited CSV (validated and gated)")
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
        print(f"{args.output}: {len(data)} bytes", file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from bot.project import load_project, make_brain, train
    from bot.reload import prepare
    from handoff import kb_import
    from knowledge_base.bulk import apply_to_files
    from knowledge_base.table import TableError, read_table

    try:
        rows = read_table(args.table.read_bytes())
    except (OSError, TableError) as exc:
        print(f"{args.table}: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_USAGE
    project = load_project(args.project)
    model, _, _ = train(project)
    planned = kb_import.plan(make_brain(project, model), rows)
    for problem in planned.problems:
        print(f"{args.table}: {problem}", file=sys.stderr)
    if planned.problems:
        print("nothing changed", file=sys.stderr)
        return EXIT_USAGE
    counts = planned.as_json()["counts"]
    for change in planned.changed:
        print(f"{args.table}: строка {change.line}: {change.entry_id} — {_what(change)}")
    print(f"new {counts['new']}, changed {counts['changed']}, unchanged {counts['same']}")
    if args.check or not planned.changed:
        return EXIT_OK
    with _files_locked(args.project):
        undo = apply_to_files(list(planned.files.values()))
        try:
            report, _, _ = prepare(args.project, model, planned.checks)
        except BaseException:
            undo()
            raise
        if not report.ok:
            undo()
            for problem in report.problems:
                print(f"  {problem}", file=sys.stderr)
            for failure in report.failures:
                print(
                    f"  «{failure.text}»: expected {failure.expected}, got {failure.got}",
                    file=sys.stderr,
                )
            print("refused: every file is as it was", file=sys.stderr)
            return EXIT_USAGE
    print("written; reload a running bot: kill -HUP <pid> or POST /api/v1/admin/reload")
    return EXIT_OK


def _what(change: Any) -> str:
    if change.kind == "new":
        return f"new entry «{change.title}» in {Path(change.file).name}"
    parts = [
        *(["title"] if change.title_changed else []),
        *(["answer"] if change.answer_changed else []),
        *([f"+{len(change.added)} question(s)"] if change.added else []),
        *([f"-{len(change.removed)} question(s)"] if change.removed else []),
    ]
    return ", ".join(parts)


@contextlib.contextmanager
def _files_locked(root: Path) -> Iterator[None]:
    """The lock the editor's page takes around an edit and reload (``var/reload.lock``)."""
    path = root / "var" / "reload.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

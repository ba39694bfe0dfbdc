"""A table imported from a shell is in the editor's journal, and the editor can undo it.

An administrator runs ``zabota kb import faq.csv`` on the server; the content editor opens
the editor's page, sees the change in «Журнал изменений» as made by «Командная строка», looks
at what it changed and undoes it with «Отменить» — the files are byte for byte what they were.
A check, a refused import or an unreachable database leave nothing in the journal and no file
changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.storage.db import Database, upgrade
from bot.storage.models import ContentRevision, EditorAction, Operator, utcnow
from handoff.editor import SHELL_ACTOR
from tests.conftest import copy_demo_project, downgrade
from tests.test_cli import zabota
from tests.test_editor_api import Env, editor_env
from tests.test_editor_undo import faq_files, journal, undo
from tests.test_kb_table import _csv, _rows

STORES = "Магазины и пункты выдачи"
PARKING = [
    "",
    STORES,
    "Парковка у магазинов",
    "есть ли парковка у магазина\nгде припарковаться у вольта",
    "У всех магазинов «Вольт» бесплатная парковка на 2 часа: https://volt-shop.ru/stores.",
]
# A new entry that takes another entry's question: the table's check refuses it.
STOLEN = ["", STORES, "Возврат", "Как вернуть товар?", "Ответ, https://volt-shop.ru/x"]


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


def edited_sheet(project: Path, table: Path) -> list[list[str]]:
    """The knowledge base exported by ``zabota kb export``, a wording added to «Трейд-ин» and
    a new entry «Парковка у магазинов»."""
    exported = zabota("--project", str(project), "kb", "export", "-o", str(table))
    assert exported.returncode == 0, exported.stderr
    sheet = _rows(table.read_bytes())
    trade_in = next(row for row in sheet if row[0] == "trade_in")
    trade_in[3] += "\nсдать старый ноут в зачет"
    return [*sheet, PARKING]


def touched(project: Path) -> dict[str, int]:
    """When each knowledge-base file was last written."""
    return {p.name: p.stat().st_mtime_ns for p in (project / "data" / "faq").glob("*.yml")}


async def journal_size(db_url: str) -> int:
    db = Database(db_url)
    try:
        async with db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(EditorAction)) or 0)
    finally:
        await db.dispose()


# Each test that runs ``zabota kb import`` in a shell (a new process that trains and gates the
# content, seconds each) runs on one store: the journal's storage is the same SQLAlchemy code on
# both and is checked on both by tests/test_editor_undo.py; the production store gets the most.
@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_shell_import_is_in_the_journal_and_the_editor_undoes_it(
    env: Env, db_url: str, tmp_path: Path
) -> None:
    table = tmp_path / "faq.csv"
    table.write_bytes(_csv(edited_sheet(env.root, table)))
    before = faq_files(env.root)
    shell = ("--project", str(env.root), "kb", "import", str(table))
    database = {"DATABASE_URL": db_url}

    async with env.login("eva") as eva:
        checked = zabota(*shell, "--check", env=database)
        assert checked.returncode == 0, checked.stderr
        assert "Новых записей: 1, изменённых: 1, без изменений:" in checked.stdout
        assert "новая запись в " in checked.stdout and "new entry" not in checked.stdout
        assert faq_files(env.root) == before
        assert await journal(eva) == []  # a check is not a change

        done = zabota(*shell, env=database)
        assert done.returncode == 0, done.stderr
        assert "внесено в журнал изменений редактора" in done.stdout
        after = faq_files(env.root)
        assert {name for name in after if after[name] != before[name]} == {"stores.yml"}

        # The editor sees the import, by the command line, one line per entry, undoable.
        lines = await journal(eva)
        assert [(h["who"], h["action"], h["entry_id"], h["undo"]) for h in lines] == [
            (SHELL_ACTOR, "entry_created", "parkovka_u_magazinov", "ready"),
            (SHELL_ACTOR, "entry_imported", "trade_in", "ready"),
        ]
        assert SHELL_ACTOR == "Командная строка"
        titles = [h["action_title"] for h in lines]
        assert titles == ["создала запись", "изменила запись из таблицы"]
        assert lines[0]["file"].endswith("data/faq/stores.yml")
        shown = (await eva.get(f"/api/v1/editor/revisions/{lines[1]['id']}")).json()
        [stores] = shown["files"]
        assert stores["path"] == "data/faq/stores.yml"
        assert "+      - сдать старый ноут в зачет" in stores["diff"]
        assert "+  - id: parkovka_u_magazinov" in stores["diff"]

        # The running bot takes the files on a reload, and answers from them.
        assert (await eva.post("/api/v1/admin/reload")).status_code == 200
        customer = env.bot.customer("driver")
        await customer.say("где припарковаться у вольта")
        assert "бесплатная парковка на 2 часа" in customer.last_text

        # It was a mistake: «Отменить» on either line undoes the whole import.
        response = await undo(eva, lines[1])
        assert response.status_code == 200, response.text
        assert faq_files(env.root) == before
        undone, *imported = await journal(eva)
        assert (undone["who"], undone["action"]) == ("eva", "reverted")
        assert undone["text"].startswith("изменил(а) запись из таблицы «Трейд-ин")
        assert [(h["who"], h["undo"]) for h in imported] == [(SHELL_ACTOR, "reverted")] * 2
        entries = (await eva.get("/api/v1/editor/entries")).json()["entries"]
        assert "parkovka_u_magazinov" not in [e["id"] for e in entries]
    await customer.say("где припарковаться у вольта")
    assert "бесплатная парковка" not in customer.last_text

    # Kept in the database: the import's revision has no operator, its undo is Eva's.
    async with env.bot.runtime.db.read() as session:
        eva_id = await session.scalar(select(Operator.id).where(Operator.username == "eva"))
        revision = await session.scalar(
            select(ContentRevision)
            .join(EditorAction, EditorAction.revision_id == ContentRevision.id)
            .where(EditorAction.id == lines[1]["id"])
        )
    assert revision is not None
    assert (revision.operator_id, revision.reverted_by) == (None, eva_id)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_check_or_a_refused_import_writes_nothing_to_the_journal(
    db_url: str, tmp_path: Path
) -> None:
    project = copy_demo_project(tmp_path / "project", models=True)
    table = tmp_path / "faq.csv"
    sheet = edited_sheet(project, table)
    shell = ("--project", str(project), "kb", "import", str(table))
    database = {"DATABASE_URL": db_url}
    before = faq_files(project)

    table.write_bytes(_csv(sheet))
    assert zabota(*shell, "--check", env=database).returncode == 0
    table.write_bytes(_csv([*sheet, STOLEN]))  # refused by the check, by its row
    refused = zabota(*shell, env=database)
    assert refused.returncode == 2
    assert "вопрос «Как вернуть товар?» есть и в записи" in refused.stderr
    # A new entry made of customers' wordings from the regression set (not questions of any
    # entry, so the check lets it through): the reload's gate refuses it, as the bot would
    # answer those customers worse.
    heldout = (project / "tests" / "data" / "demo_heldout.tsv").read_text(encoding="utf-8")
    taken = [line.split("\t")[0] for line in heldout.splitlines() if "\toos" not in line][:12]
    clashing = ["", STORES, "Разное", "\n".join(taken), "Ответ, https://volt-shop.ru/x"]
    table.write_bytes(_csv([*sheet, clashing]))
    refused = zabota(*shell, env=database)
    assert refused.returncode == 2
    assert "Изменение не принято: все файлы остались как были." in refused.stderr
    table.write_bytes(_csv([*sheet, ["no_such_entry", "", "Что-то", "вопрос", "ответ"]]))
    wrong = zabota(*shell, env=database)
    assert wrong.returncode == 2 and "записи «no_such_entry» нет" in wrong.stderr

    assert faq_files(project) == before
    assert await journal_size(db_url) == 0


def test_without_the_database_the_shell_import_changes_nothing(tmp_path: Path) -> None:
    project = copy_demo_project(tmp_path / "project", models=True)
    table = tmp_path / "faq.csv"
    table.write_bytes(_csv(edited_sheet(project, table)))
    before, untouched = faq_files(project), touched(project)
    nowhere = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/zabota"}  # nothing listens

    checked = zabota("--project", str(project), "kb", "import", str(table), "--check", env=nowhere)
    assert checked.returncode == 0, checked.stderr  # a check needs no database

    refused = zabota("--project", str(project), "kb", "import", str(table), env=nowhere)
    assert refused.returncode == 3
    assert "база данных недоступна" in refused.stderr and "ничего не изменено" in refused.stderr
    assert faq_files(project) == before
    assert touched(project) == untouched  # refused before any file was written


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_import_whose_journal_cannot_be_written_puts_the_files_back(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from handoff import editor_audit

    project = copy_demo_project(tmp_path / "project", models=True)
    table = tmp_path / "faq.csv"
    table.write_bytes(_csv(edited_sheet(project, table)))
    before = faq_files(project)
    written: list[dict[str, bytes]] = []

    async def database_gone(*_: object) -> None:  # called once the files passed the gate
        written.append(faq_files(project))
        raise OperationalError("INSERT INTO content_revisions", {}, OSError("connection lost"))

    monkeypatch.setattr(editor_audit, "record", database_gone)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["--project", str(project), "kb", "import", str(table)]) == 3
    assert "не удалось записать журнал изменений, все файлы остались как были" in (
        capsys.readouterr().err
    )
    assert written and written[0] != before
    assert faq_files(project) == before
    assert asyncio.run(journal_size(db_url)) == 0


async def test_the_migration_lets_the_journal_hold_the_command_lines_changes(
    fresh_url: str,
) -> None:
    await asyncio.to_thread(upgrade, fresh_url, "0014")
    db = Database(fresh_url)
    try:
        async with db.write() as session:
            # Column by column: the model has columns that 0014 does not.
            eva_id = await session.scalar(
                insert(Operator)
                .values(username="eva", display_name="Ева", password_hash="-", role="editor")
                .returning(Operator.id)
            )
            session.add(
                EditorAction(key="k", text="по-старому", action="taught", operator_id=eva_id)
            )
        await asyncio.to_thread(upgrade, fresh_url)
        async with db.write() as session:
            revision = ContentRevision(files=[], kept=True, operator_id=None)
            session.add(revision)
            await session.flush()
            session.add(
                EditorAction(
                    key="trade_in",
                    text="Трейд-ин",
                    action="entry_imported",
                    operator_id=None,
                    revision_id=revision.id,
                )
            )
        async with db.read() as session:
            rows = (
                await session.execute(select(EditorAction.text, EditorAction.operator_id))
            ).all()
        assert sorted((line.text, line.operator_id) for line in rows) == [
            ("Трейд-ин", None),
            ("по-старому", eva_id),
        ]
    finally:
        await db.dispose()

    # Back to 0014: the command line's lines go (nobody to name), the editors' stay.
    await asyncio.to_thread(downgrade, fresh_url, "0014")
    db = Database(fresh_url)
    try:
        async with db.read() as session:
            kept = (await session.execute(text("SELECT text FROM editor_actions"))).scalars().all()
            revisions = await session.scalar(text("SELECT count(*) FROM content_revisions"))
        assert (list(kept), revisions) == (["по-старому"], 0)
        with pytest.raises(IntegrityError):
            async with db.write() as session:
                await session.execute(
                    text(
                        "INSERT INTO editor_actions (key, text, action, created_at) "
                        "VALUES ('k', 't', 'taught', :at)"
                    ),
                    {"at": utcnow()},
                )
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_row_edited_again_after_the_shells_own_import_is_no_conflict_there(
    db_url: str, tmp_path: Path
) -> None:
    """QA: the administrator imports faq.csv from the shell, edits the same row again in the
    same file and imports once more; the shell reported its own first import as a change «на
    сайте после выгрузки» (the page's import already knew its own rows)."""
    project = copy_demo_project(tmp_path / "project", models=True)
    table = tmp_path / "faq.csv"
    sheet = edited_sheet(project, table)
    shell = ("--project", str(project), "kb", "import", str(table))
    database = {"DATABASE_URL": db_url}
    table.write_bytes(_csv(sheet))
    first = zabota(*shell, env=database)
    assert first.returncode == 0, first.stderr

    trade_in = next(row for row in sheet if row[0] == "trade_in")
    trade_in[3] += "\nпримете ли старый телефон в зачёт"  # the same row, the same версия
    sheet = [row for row in sheet if row[2] != PARKING[2]]  # created by the first import
    table.write_bytes(_csv(sheet))
    checked = zabota(*shell, "--check", env=database)
    assert checked.returncode == 0, checked.stderr
    assert "после выгрузки" not in checked.stderr
    assert "Новых записей: 0, изменённых: 1," in checked.stdout
    again = zabota(*shell, env=database)
    assert again.returncode == 0, again.stderr
    faq = (project / "data" / "faq" / "stores.yml").read_text(encoding="utf-8")
    assert "примете ли старый телефон в зачёт" in faq

    # A change by someone else since (here by hand in the file) still makes it a conflict.
    stores = project / "data" / "faq" / "stores.yml"
    stores.write_text(faq.replace("около 15 минут", "около 20 минут"), encoding="utf-8")
    trade_in[4] += "\nИ ещё одно предложение."
    table.write_bytes(_csv(sheet))
    refused = zabota(*shell, "--check", env=database)
    assert refused.returncode == 2
    assert "после выгрузки" in refused.stderr

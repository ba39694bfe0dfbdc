"""The knowledge base as a spreadsheet: the editor downloads it, edits it in Excel, uploads it.

The check says row by row what would change or what is wrong; the import writes every change
surgically through the validated, gated reload, or nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.project import load_project
from bot.storage.models import EditorAction
from knowledge_base.bulk import replace_title
from knowledge_base.table import TableError, export_table, read_table
from tests.conftest import copy_demo_project
from tests.test_editor_api import Env, editor_env

ROOT = Path(__file__).resolve().parent.parent
STORES = "Магазины и пункты выдачи"


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _csv(rows: list[list[str]], delimiter: str = ";") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- the table itself ------------------------------------------------------------------------


def test_the_exported_table_reads_back_as_the_knowledge_base() -> None:
    kb = load_project(ROOT).kb
    data = export_table(kb.entries.values())
    assert data.startswith("\ufeff".encode())  # Excel opens it as UTF-8
    assert data.decode("utf-8-sig").splitlines()[0] == '"id";"раздел";"название";"вопросы";"ответ"'
    rows = read_table(data)
    assert [r.id for r in rows] == list(kb.entries)
    for row in rows:
        entry = kb.entries[row.id]
        assert (row.category, row.title) == (entry.category, entry.title)
        assert list(row.questions) == entry.questions
        assert row.answer == entry.answer.strip()


def test_a_sheet_saved_by_google_or_by_hand_reads_too() -> None:
    text = (
        "Title,Questions,Answer,ID,Category\n"
        '"Подарочные карты","где купить подарочную карту\n\n  сертификат в подарок  ",'
        '"В любом магазине, от 500 ₽.",,Магазины и пункты выдачи\n'
        ",,,,\n"  # an empty row is skipped
    )
    [row] = read_table(text.encode())
    assert row.line == 2 and row.id == "" and row.category == STORES
    assert row.questions == ("где купить подарочную карту", "сертификат в подарок")
    assert row.answer == "В любом магазине, от 500 ₽."
    tabbed = read_table(
        b"id\t\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82\tquestions\ttitle\nx\ty\tz\tw\n"
    )
    assert (tabbed[0].id, tabbed[0].answer, tabbed[0].title) == ("x", "y", "w")


def test_a_sheet_saved_by_a_russian_excel_as_plain_csv_reads_too() -> None:
    data = "id;название;вопросы;ответ\r\n;Подарочные карты;где купить сертификат;В магазинах.\r\n"
    [row] = read_table(data.encode("cp1251"))
    assert (row.title, row.questions) == ("Подарочные карты", ("где купить сертификат",))


def test_a_customers_formula_never_runs_in_the_spreadsheet() -> None:
    kb = load_project(ROOT).kb
    entry = kb.entries["trade_in"]
    taught = entry.model_copy(
        update={"questions": ['=HYPERLINK("http://evil.example","жми")', *entry.questions]}
    )
    data = export_table([taught])
    line = data.decode("utf-8-sig").splitlines()[1]
    assert line.startswith('"trade_in";"Магазины и пункты выдачи";"Трейд-ин')
    assert ';"\'=HYPERLINK(""http://evil.example"",""жми"")' in line  # text, not a formula
    [row] = read_table(data)
    assert row.questions[0] == '=HYPERLINK("http://evil.example","жми")'  # back as it was
    assert read_table("id;название;вопросы;ответ\nx;'обычный;'-5;да\n".encode())[0].questions == (
        "-5",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("id;название;ответ\n".encode(), "строка 1: нет столбцов «вопросы»"),
        (b"id;\x98;\x98;\x98\n", "не в кодировке UTF-8"),  # neither UTF-8 nor Windows-1251
        (b"", "Файл пустой"),
    ],
)
def test_what_is_not_the_table_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(TableError) as refused:
        read_table(data)
    assert message in refused.value.message


def test_a_new_title_changes_one_line() -> None:
    source = (ROOT / "data" / "faq" / "stores.yml").read_text(encoding="utf-8")
    edited = replace_title(source, "trade_in", "Трейд-ин: обмен старой техники на новую")
    old, new = source.splitlines(), edited.splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert changed == [
        (
            '    title: "Трейд-ин: сдать старую технику"',
            '    title: "Трейд-ин: обмен старой техники на новую"',
        )
    ]


def test_an_answer_the_page_would_not_take_still_compares() -> None:
    from handoff.kb_import import plan
    from knowledge_base.table import TableRow
    from tests.handoff_kit import make_brain

    brain = make_brain()
    entry = brain.kb.entries["trade_in"]
    # Written by hand in the file: a control character the editor's page refuses.
    brain.kb.entries["trade_in"] = entry.model_copy(update={"answer": "Старый ответ\x07"})
    row = TableRow(3, "trade_in", entry.category, entry.title, tuple(entry.questions), "Новый")
    [change] = plan(brain, [row]).rows
    assert (change.kind, change.answer_changed) == ("changed", True)


# -- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def _upload(client: httpx.AsyncClient, data: bytes, *, check: bool) -> httpx.Response:
    return await client.post(
        "/api/v1/editor/table",
        params={"check": "1"} if check else {},
        content=data,
        headers={"Content-Type": "text/csv"},
    )


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data" / "faq").glob("*.yml"))}


async def test_the_editor_edits_the_sheet_and_the_bot_answers_from_it(env: Env) -> None:
    async with env.login("eva") as eva:
        download = await eva.get("/api/v1/editor/kb.csv")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert "attachment" in download.headers["content-disposition"]
        sheet = _rows(download.content)
        by_id = {row[0]: row for row in sheet[1:]}
        pickup = by_id["pickup_points"]
        pickup[3] = pickup[3].replace("самовывоз откуда\n", "") + "\nгде ваш шоурум"
        pickup[4] = pickup[4].replace("85 магазинов", "86 магазинов")
        by_id["trade_in"][2] = "Трейд-ин: обмен старой техники на новую"
        sheet.append(
            [
                "",
                STORES,
                "Подарочные карты",
                "где купить подарочную карту\nподарочный сертификат вольт\n"
                "можно ли подарить сертификат",
                "Подарочные карты на 500–50 000 ₽ продаются во всех магазинах и на "
                "https://volt-shop.ru/gift; действуют 3 года.",
            ]
        )
        edited = _csv(sheet)
        before = _files(env.root)

        check = await _upload(eva, edited, check=True)
        assert check.status_code == 200, check.text
        plan = check.json()
        assert plan["ok"] is True and plan["problems"] == []
        assert (plan["counts"]["new"], plan["counts"]["changed"]) == (1, 2)
        rows = {r["entry_id"]: r for r in plan["rows"]}
        assert rows["pickup_points"]["added"] == ["где ваш шоурум"]
        assert rows["pickup_points"]["removed"] == ["самовывоз откуда"]
        assert rows["pickup_points"]["answer_changed"] is True
        assert rows["trade_in"]["title_changed"] is True
        assert rows["podarochnye_karty"]["kind"] == "new"
        assert _files(env.root) == before  # a check writes nothing

        response = await _upload(eva, edited, check=False)
        assert response.status_code == 200, response.text
        assert response.json()["message"].startswith("Готово: новых записей — 1, изменённых — 2")

        after = _files(env.root)
        assert {name for name in after if after[name] != before[name]} == {"stores.yml"}
        old, new = before["stores.yml"].decode(), after["stores.yml"].decode()
        assert '    title: "Трейд-ин: обмен старой техники на новую"' in new
        assert new.count("# ") == old.count("# ")  # comments stay
        assert "  - id: podarochnye_karty" in new

        history = (await eva.get("/api/v1/editor/history")).json()["items"]
        assert {(h["action"], h["entry_id"]) for h in history[:3]} == {
            ("entry_created", "podarochnye_karty"),
            ("entry_imported", "pickup_points"),
            ("entry_imported", "trade_in"),
        }

    customer = env.bot.customer("gift")
    await customer.say("подарочный сертификат вольт")
    assert "https://volt-shop.ru/gift" in customer.last_text
    await customer.say("где ваш шоурум")
    assert "86 магазинов" in customer.last_text
    async with env.bot.runtime.db.read() as s:
        actions = (await s.scalars(select(EditorAction.action))).all()
    assert actions.count("entry_imported") == 2


async def test_a_sheet_with_mistakes_names_the_rows_and_changes_nothing(env: Env) -> None:
    async with env.login("eva") as eva:
        sheet = _rows((await eva.get("/api/v1/editor/kb.csv")).content)
        header, first = sheet[0], sheet[1]
        sheet = [
            header,
            first,
            ["no_such_entry", "", "Что-то", "вопрос", "ответ"],  # line 3
            [first[0], first[1], first[2], first[3], "другой ответ"],  # line 4: twice
            ["", "Нет такого раздела", "Новое", "вопрос", "ответ"],  # line 5
            ["", STORES, "Без ответа", "вопрос", ""],  # line 6
        ]
        before = _files(env.root)
        plan = (await _upload(eva, _csv(sheet), check=True)).json()
        assert plan["ok"] is False
        assert [p.split(":")[0] for p in plan["problems"]] == [
            "строка 3",
            "строка 4",
            "строка 5",
            "строка 6",
        ]
        assert "записи «no_such_entry» нет" in plan["problems"][0]
        assert "уже есть в строке 2" in plan["problems"][1]
        assert STORES in plan["problems"][2]
        refused = await _upload(eva, _csv(sheet), check=False)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_table"
        assert _files(env.root) == before

        unchanged = await _upload(eva, _csv(sheet[:2]), check=False)
        assert unchanged.status_code == 400 and unchanged.json()["error"] == "unchanged"
        not_csv = await eva.post("/api/v1/editor/table", json={"rows": []})
        assert not_csv.status_code == 400 and not_csv.json()["error"] == "bad_content_type"


async def test_an_import_the_reload_refuses_puts_every_file_back(env: Env) -> None:
    async with env.login("eva") as eva:
        sheet = _rows((await eva.get("/api/v1/editor/kb.csv")).content)
        trade_in = next(row for row in sheet if row[0] == "trade_in")
        trade_in[4] = "Новый ответ про трейд-ин: https://volt-shop.ru/trade-in"
        # A new entry that steals another entry's question: the content's own validation
        # (one question, one entry) refuses the reload.
        sheet.append(["", STORES, "Возврат", "Как вернуть товар?", "Ответ, https://volt-shop.ru/x"])
        before = _files(env.root)
        response = await _upload(eva, _csv(sheet), check=False)
        assert response.status_code == 422, response.text
        assert response.json()["message"].startswith("Импорт не принят")
        assert response.json()["problems"]
        assert _files(env.root) == before


async def test_only_editors_import(env: Env) -> None:
    async with env.login("eva") as eva:
        spec = (await eva.get("/api/v1/openapi.json")).json()
        assert {"/editor/kb.csv", "/editor/table"} <= set(spec["paths"])
    async with env.login("olga") as olga:
        assert (await olga.get("/api/v1/editor/kb.csv")).status_code == 403
        forbidden = await _upload(olga, b"id;title;questions;answer\n", check=True)
        assert forbidden.status_code == 403
    async with env.client() as anonymous:
        assert (await anonymous.get("/api/v1/editor/kb.csv")).status_code == 401


# -- from a shell ----------------------------------------------------------------------------


def test_the_table_round_trip_from_a_shell(tmp_path: Path) -> None:
    from tests.test_cli import zabota

    project = copy_demo_project(tmp_path / "project", models=True)
    where = ("--project", str(project))
    table = tmp_path / "faq.csv"
    exported = zabota(*where, "kb", "export", "-o", str(table))
    assert exported.returncode == 0, exported.stderr
    sheet = _rows(table.read_bytes())
    assert len(sheet) == len(load_project(project).kb) + 1
    trade_in = next(row for row in sheet if row[0] == "trade_in")
    trade_in[3] += "\nсдать старый ноут в зачет"
    table.write_bytes(_csv(sheet))
    before = _files(project)

    check = zabota(*where, "kb", "import", str(table), "--check")
    assert check.returncode == 0, check.stderr
    assert "trade_in — +1 question(s)" in check.stdout
    assert "new 0, changed 1, unchanged" in check.stdout
    assert _files(project) == before

    done = zabota(*where, "kb", "import", str(table))
    assert done.returncode == 0, done.stderr
    assert "kill -HUP" in done.stdout
    stores = (project / "data" / "faq" / "stores.yml").read_text(encoding="utf-8")
    assert "      - сдать старый ноут в зачет\n" in stores

    # A new entry that takes another entry's question: refused, every file as it was.
    after = _files(project)
    table.write_bytes(_csv([*sheet, ["", STORES, "Возврат", "Как вернуть товар?", "Ответ."]]))
    refused = zabota(*where, "kb", "import", str(table))
    assert refused.returncode == 2
    assert "refused: every file is as it was" in refused.stderr
    assert _files(project) == after

    table.write_bytes(_csv([*sheet, ["no_such_entry", "", "Что-то", "вопрос", "ответ"]]))
    wrong = zabota(*where, "kb", "import", str(table), "--check")
    assert wrong.returncode == 2
    assert f"{table}: строка {len(sheet) + 1}: записи «no_such_entry» нет" in wrong.stderr

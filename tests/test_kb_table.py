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
from knowledge_base.table import TableError, export_table, read_table, restore_cell
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
    assert data.decode("utf-8-sig").splitlines()[0] == (
        '"id";"раздел";"название";"вопросы";"ответ";"версия"'
    )
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
                "Подарочные карты для компаний",  # «Подарочные карты» is taken
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
        assert rows["podarochnye_karty_dlya_kompaniy"]["kind"] == "new"
        assert _files(env.root) == before  # a check writes nothing

        response = await _upload(eva, edited, check=False)
        assert response.status_code == 200, response.text
        assert response.json()["message"].startswith("Готово: новых записей — 1, изменённых — 2")

        after = _files(env.root)
        assert {name for name in after if after[name] != before[name]} == {"stores.yml"}
        old, new = before["stores.yml"].decode(), after["stores.yml"].decode()
        assert '    title: "Трейд-ин: обмен старой техники на новую"' in new
        assert new.count("# ") == old.count("# ")  # comments stay
        assert "  - id: podarochnye_karty_dlya_kompaniy" in new

        history = (await eva.get("/api/v1/editor/history")).json()["items"]
        assert {(h["action"], h["entry_id"]) for h in history[:3]} == {
            ("entry_created", "podarochnye_karty_dlya_kompaniy"),
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
        # A new entry that steals another entry's question: the check refuses it by row.
        stolen = [*sheet, ["", STORES, "Возврат", "Как вернуть товар?", "Ответ, https://x.ru"]]
        before = _files(env.root)
        response = await _upload(eva, _csv(stolen), check=False)
        assert response.status_code == 400, response.text
        assert "вопрос «Как вернуть товар?» есть и в записи" in response.json()["message"]
        assert _files(env.root) == before
        # Content the table does not hold is broken (a phrase is missing): the content's own
        # validation refuses the reload, and the knowledge base's files are put back.
        domain = env.root / "domain.yml"
        domain.write_text(
            domain.read_text(encoding="utf-8").replace("  utter_rated:", "  utter_rated_x:"),
            encoding="utf-8",
        )
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
    # in the words of the editor's page (QA8: «trade_in — +1 question(s)», «new 0, changed 1»)
    assert "(trade_in) — вопросы: +«сдать старый ноут в зачет»" in check.stdout
    assert "Новых записей: 0, изменённых: 1, без изменений:" in check.stdout
    assert not any(w in check.stdout for w in ("question(s)", "new ", "changed", "unchanged"))
    assert _files(project) == before

    done = zabota(*where, "kb", "import", str(table))
    assert done.returncode == 0, done.stderr
    assert "kill -HUP" in done.stdout and "внесено в журнал изменений" in done.stdout
    stores = (project / "data" / "faq" / "stores.yml").read_text(encoding="utf-8")
    assert "      - сдать старый ноут в зачет\n" in stores

    # A new entry that takes another entry's question: the check already refuses it.
    after = _files(project)
    table.write_bytes(_csv([*sheet, ["", STORES, "Возврат", "Как вернуть товар?", "Ответ."]]))
    for check in (("--check",), ()):
        refused = zabota(*where, "kb", "import", str(table), *check)
        assert refused.returncode == 2
        assert f"строка {len(sheet) + 1}: вопрос «Как вернуть товар?» есть и в записи" in (
            refused.stderr
        )
        assert str(project) not in refused.stderr
        assert _files(project) == after

    table.write_bytes(_csv([*sheet, ["no_such_entry", "", "Что-то", "вопрос", "ответ"]]))
    wrong = zabota(*where, "kb", "import", str(table), "--check")
    assert wrong.returncode == 2
    assert f"{table}: строка {len(sheet) + 1}: записи «no_such_entry» нет" in wrong.stderr


# -- what the check catches before the import would be refused --------------------------------


def _demo_sheet() -> list[list[str]]:
    return _rows(export_table(load_project(ROOT).kb.entries.values()))


def _cp1251(rows: list[list[str]]) -> bytes:
    """What a Russian Excel's plain «CSV» saves: Windows-1251, «?» for what it cannot hold."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("cp1251", errors="replace")


def test_a_sheet_saved_as_windows_1251_keeps_the_characters_it_could_not_hold() -> None:
    from handoff.kb_import import plan
    from tests.handoff_kit import make_brain

    brain = make_brain()
    sheet = _demo_sheet()
    by_id = {row[0]: row for row in sheet[1:]}
    assert "₽" in by_id["delivery_cost"][4]
    contacts = next(r for r in sheet[1:] if "9:00" in r[4] and "₽" not in r[4])
    contacts[4] = contacts[4].replace("9:00", "8:00", 1)
    cost = by_id["delivery_cost"]
    cost[4] = cost[4].replace("₽", "₽ (с НДС)", 1)  # an edit next to a lost «₽»
    data = _cp1251(sheet)
    assert "₽".encode() not in data and b"?" in data  # really Windows-1251, «?» for «₽»
    rows = read_table(data)
    assert {r.encoding for r in rows} == {"cp1251"}

    planned = plan(brain, rows)
    assert planned.problems == []
    assert sorted(c.entry_id for c in planned.changed) == sorted([contacts[0], "delivery_cost"])
    [edit] = [e for f in planned.files.values() for e in f.entries if e.entry_id == "delivery_cost"]
    assert edit.answer is not None and "?" not in edit.answer
    assert edit.answer.count("₽") == brain.kb.entries["delivery_cost"].answer.count("₽")
    assert "₽ (с НДС)" in edit.answer
    [notice] = planned.notices
    assert notice.startswith("Файл сохранён в кодировке Windows-1251")
    assert "(₽)" in notice and "CSV UTF-8" in notice
    assert planned.as_json()["notices"] == [notice]
    assert plan(brain, read_table(_csv(sheet))).notices == []  # UTF-8: nothing to say


def test_the_check_names_a_question_given_to_two_entries_by_row_and_title() -> None:
    from handoff.kb_import import plan
    from tests.handoff_kit import make_brain

    brain = make_brain()
    sheet = _demo_sheet()
    line = {row[0]: number for number, row in enumerate(sheet, start=1)}
    by_id = {row[0]: row for row in sheet[1:]}
    question = brain.kb.entries["delivery_cost"].questions[0]
    by_id["delivery_time"][3] += f"\n{question}"
    sheet.append(["", STORES, "Новая", f"{question}\nсовсем новый вопрос", "Ответ."])
    planned = plan(brain, read_table(_csv(sheet)))
    cost = brain.kb.entries["delivery_cost"].title
    assert planned.problems == [
        f"строка {line['delivery_time']}: вопрос «{question}» есть и в записи «{cost}» "
        f"(строка {line['delivery_cost']}), «Новая» (строка {len(sheet)}) — бот не сможет их "
        "различить; оставьте его в одной записи",
        f"строка {len(sheet)}: вопрос «{question}» есть и в записи «{cost}» "
        f"(строка {line['delivery_cost']}), «{brain.kb.entries['delivery_time'].title}» "
        f"(строка {line['delivery_time']}) — бот не сможет их различить; оставьте его в одной "
        "записи",
    ]
    assert all("/" not in p and "delivery_cost" not in p for p in planned.problems)
    # Moving the question from one entry to the other in the same table is fine.
    by_id["delivery_cost"][3] = by_id["delivery_cost"][3].replace(question, "").strip()
    assert plan(brain, read_table(_csv(sheet[:-1]))).problems == []


def test_the_check_refuses_an_answer_that_sends_the_customer_to_look_it_up() -> None:
    from handoff.kb_import import plan
    from tests.handoff_kit import make_brain

    brain = make_brain()
    sheet = _demo_sheet()
    line, row = next(
        (n, r)
        for n, r in enumerate(sheet[1:], start=2)
        if not any(b.url for b in brain.kb.entries[r[0]].buttons)
    )
    row[4] = "Подробнее смотрите на нашем сайте."
    [problem] = plan(brain, read_table(_csv(sheet))).problems
    assert problem.startswith(f"строка {line}: ответ отсылает клиента искать самому")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'id;название;вопросы;ответ\nx;Заголовок;вопрос;ответ\ny;"Заголовок;вопрос;ответ\n',
            "строка 3: не закрыта кавычка",
        ),
        (  # QA's file: a quote closed too early, then one never closed
            '"id";"раздел";"название";"вопросы";"ответ"\n"account_login";"x";"y;"z";"w\n',
            "строка 2: не закрыта кавычка",
        ),
        (
            "id;заголовок\n",
            "правьте выгруженную таблицу: «Скачать таблицу (CSV)» на странице редактора или "
            "«zabota kb export»",
        ),
    ],
)
def test_a_broken_quote_or_a_header_is_explained(text: str, message: str) -> None:
    with pytest.raises(TableError) as refused:
        read_table(text.encode())
    assert message in refused.value.message
    assert "пустой ответ" not in refused.value.message
    assert "с этой страницы" not in refused.value.message


def test_quotes_that_close_still_read() -> None:
    text = 'id;название;вопросы;ответ\r\nx;"Ти""тул";"в1\r\nв2";"a"\r\ny;T;q;"last"'
    rows = read_table(text.encode())
    assert [(r.title, r.questions, r.answer) for r in rows] == [
        ('Ти"тул', ("в1", "в2"), "a"),
        ("T", ("q",), "last"),
    ]


def test_a_windows_1251_row_the_site_changed_since_is_no_conflict_and_a_lost_sign_is_named() -> (
    None
):
    """QA: a table saved from Excel as Windows-1251 has «?» for «₽». A colleague then rewrote
    «Стоимость доставки» on the site without a «₽»: the table's untouched row could no longer
    be matched to its «версия» and read as changed — a conflict nobody made. And a «₽» that
    cannot be taken back (the editor rewrote the text around it) is named by row and column."""
    from handoff.kb_import import plan
    from tests.handoff_kit import make_brain

    brain = make_brain()
    sheet = _demo_sheet()
    line = {row[0]: number for number, row in enumerate(sheet, start=1)}
    by_id = {row[0]: row for row in sheet[1:]}
    contacts = next(r for r in sheet[1:] if "9:00" in r[4] and "₽" not in r[4])
    contacts[4] = contacts[4].replace("9:00", "8:00", 1)
    colleague = "Доставка бесплатная по всей России, сумма видна в корзине до оплаты."
    cost = brain.kb.entries["delivery_cost"]
    brain.kb.entries["delivery_cost"] = cost.model_copy(update={"answer": colleague})
    rows = read_table(_cp1251(sheet))
    planned = plan(brain, rows)
    assert planned.problems == []
    assert [c.entry_id for c in planned.changed] == [contacts[0]]
    assert (
        "Изменены на сайте после выгрузки, в таблице их не правили — остаются как на сайте: "
        f"строка {line['delivery_cost']} «Стоимость доставки»." in planned.notices
    )

    # The site as exported; the editor rewrote a sentence with «₽» in Excel («?» in the file).
    brain = make_brain()
    by_id["delivery_cost"][4] = (
        by_id["delivery_cost"][4].replace(
            "— 990 ₽, от 50 000 ₽ бесплатно", "— 1 190 ₽, бесплатно при заказе на 60 тысяч ₽"
        )
        + "\nПодъём на этаж — 300 ₽."
    )
    by_id["pickup_points"][2] = "Пункты выдачи"  # an edit elsewhere, nothing lost there
    planned = plan(brain, read_table(_cp1251(sheet)))
    assert planned.problems == [
        f"строка {line['delivery_cost']}: в ячейке «ответ» («— 300 ?») вместо символа, "
        "которого нет в кодировке Windows-1251 (например, «₽»), Excel записал «?», а этот текст "
        "изменён, так что взять символ из базы знаний нельзя; сохраните таблицу как «CSV UTF-8» "
        "и загрузите снова"
    ]
    # Saved as UTF-8, the same edit imports.
    assert plan(brain, read_table(_csv(sheet))).problems == []


def test_windows_1251_notes_which_cells_had_their_characters_taken_back() -> None:
    from handoff.kb_import import plan
    from tests.handoff_kit import make_brain

    brain = make_brain()
    sheet = _demo_sheet()
    line = {row[0]: number for number, row in enumerate(sheet, start=1)}
    cost = next(r for r in sheet if r[0] == "delivery_cost")
    cost[4] = cost[4].replace("99 ₽", "109 ₽", 1)
    planned = plan(brain, read_table(_cp1251(sheet)))
    assert planned.problems == []
    [notice] = planned.notices
    assert notice == (
        "Файл сохранён в кодировке Windows-1251: символы, которых в ней нет (₽), взяты из базы "
        f"знаний — в изменённых строках: строка {line['delivery_cost']} («ответ»: ₽); "
        "сохраняйте таблицу как «CSV UTF-8»."
    )


def test_a_character_written_as_its_look_alike_is_taken_back_too() -> None:
    """Windows' «best fit» writes «-» for a minus sign «−» and «e» for «é», not «?»."""
    current = "Скидка −5 % на кофемашины Café Royal — от 300 ₽."
    saved = "Скидка -5 % на кофемашины Cafe Royal — от 300 ?."
    cell = restore_cell(current, saved, "cp1251")
    assert cell.text == current and cell.restored == {"−", "é", "₽"}
    assert not cell.missing

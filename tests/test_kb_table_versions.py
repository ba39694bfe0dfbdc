"""The spreadsheet knows which version of each entry it was exported from: an outdated table
does not overwrite a colleague's newer edit on the site, and a row both changed is a conflict.
Also: a title two entries would share, and row problems in the spreadsheet's order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Brain
from handoff.kb_import import plan
from knowledge_base.table import export_table, read_table
from tests.handoff_kit import make_brain
from tests.test_editor_api import Env, editor_env
from tests.test_editor_undo import _csv, _rows
from tests.test_kb_table import _cp1251, _upload

STORES = "Магазины и пункты выдачи"
GIFT_CARDS = [
    "",
    STORES,
    "Подарочные карты для компаний",
    "где купить подарочную карту\nподарочный сертификат вольт\nможно ли подарить сертификат",
    "Подарочные карты на 500–50 000 ₽ продаются во всех магазинах и на "
    "https://volt-shop.ru/gift; действуют 3 года.",
]
COLLEAGUE = "Заказ хранится в пункте выдачи 10 дней, потом возвращается на склад."


def _edit(brain: Brain, entry_id: str, **update: str) -> None:
    """A colleague's edit on the site after the export."""
    brain.kb.entries[entry_id] = brain.kb.entries[entry_id].model_copy(update=update)


def _sheet(brain: Brain) -> tuple[list[list[str]], dict[str, int]]:
    sheet = _rows(export_table(brain.kb.entries.values()))
    return sheet, {row[0]: n for n, row in enumerate(sheet, start=1)}


def test_rows_the_table_left_alone_keep_the_colleagues_newer_edit() -> None:
    brain = make_brain()
    sheet, line = _sheet(brain)
    assert sheet[0][-1] == "версия" and all(r[-1].startswith("v") for r in sheet[1:])
    renamed = brain.kb.entries["trade_in"].title
    _edit(brain, "pickup_storage", answer=COLLEAGUE)
    _edit(brain, "trade_in", title="Трейд-ин: обмен старой техники")
    planned = plan(brain, read_table(_csv([*sheet, GIFT_CARDS])))
    assert planned.problems == []
    assert [(c.kind, c.title) for c in planned.changed] == [
        ("new", "Подарочные карты для компаний")
    ]
    assert not any(e.entries for e in planned.files.values())  # nothing written over the site
    kept = sorted(
        [
            (line["trade_in"], "Трейд-ин: обмен старой техники"),
            (line["pickup_storage"], "Срок хранения в пункте выдачи"),
        ]
    )
    assert planned.notices == [
        "Изменены на сайте после выгрузки, в таблице их не правили — остаются как на сайте: "
        + ", ".join(f"строка {n} «{title}»" for n, title in kept)
        + "."
    ]
    # Without the column (an older export, a hand-made sheet) the table still imports, as
    # before, and the plan says it could not check.
    old = [row[:-1] for row in sheet]
    planned = plan(brain, read_table(_csv([*old, GIFT_CARDS])))
    assert planned.problems == []
    by_id = {c.entry_id: c for c in planned.changed}
    assert by_id["pickup_storage"].answer_changed and by_id["trade_in"].title == renamed
    assert any(n.startswith("В таблице нет столбца «версия»") for n in planned.notices)


def test_a_row_changed_both_on_the_site_and_in_the_table_is_a_conflict() -> None:
    brain = make_brain()
    sheet, line = _sheet(brain)
    _edit(brain, "pickup_storage", answer=COLLEAGUE)
    storage = next(r for r in sheet if r[0] == "pickup_storage")
    storage[4] = "Заказ хранится 5 дней."
    planned = plan(brain, read_table(_csv([*sheet, GIFT_CARDS])))
    assert planned.problems == [
        f"строка {line['pickup_storage']}: «Срок хранения в пункте выдачи» изменено на сайте "
        "после выгрузки, а в таблице — другой ответ, чем сейчас на сайте: строка не записана, "
        "чтобы не затереть ту правку; выгрузите таблицу заново и перенесите в неё свою правку "
        "или очистите в этой строке ячейку «версия», чтобы записать строку таблицы поверх"
    ]
    # The same text as the site now has: nothing to change, nothing in conflict.
    storage[4] = COLLEAGUE
    planned = plan(brain, read_table(_csv([*sheet, GIFT_CARDS])))
    assert planned.problems == [] and [c.kind for c in planned.changed] == ["new"]
    # The version cleared on purpose: the table's row is written, and the plan says unchecked.
    storage[4], storage[5] = "Заказ хранится 5 дней.", ""
    planned = plan(brain, read_table(_csv([*sheet, GIFT_CARDS])))
    assert planned.problems == []
    assert [c.entry_id for c in planned.changed] == [
        "pickup_storage",
        "podarochnye_karty_dlya_kompaniy",
    ]
    assert planned.notices == [
        f"Строки {line['pickup_storage']}: ячейка «версия» пуста — не проверено, не изменили "
        "ли эти записи на сайте после выгрузки; они запишутся поверх."
    ]


def test_a_title_another_entry_has_is_refused_by_the_row_that_gives_it() -> None:
    brain = make_brain()
    sheet, line = _sheet(brain)
    time = brain.kb.entries["delivery_time"].title
    new = ["", STORES, f"  {time.upper()} ", "совсем новый вопрос про сроки", "Ответ."]
    rename = next(r for r in sheet if r[0] == "trade_in")
    rename[2] = brain.kb.entries["delivery_cost"].title.replace("е", "ё")
    planned = plan(brain, read_table(_csv([*sheet, new])))
    assert planned.problems == [
        f"строка {line['trade_in']}: название «{rename[2]}» уже есть у записи "
        f"«{brain.kb.entries['delivery_cost'].title}» (строка {line['delivery_cost']}) — в "
        "списках и кнопках «Вы имели в виду…?» их не различить; дайте записи другое название",
        f"строка {len(sheet) + 1}: название «{time.upper()}» уже есть у записи «{time}» "
        f"(строка {line['delivery_time']}) — в списках и кнопках «Вы имели в виду…?» их не "
        "различить; дайте записи другое название",
    ]


def test_row_problems_come_in_row_order_and_a_one_cell_row_says_what_it_lacks() -> None:
    brain = make_brain()
    sheet, line = _sheet(brain)
    question = brain.kb.entries["delivery_cost"].questions[0]
    next(r for r in sheet if r[0] == "delivery_time")[3] += f"\n{question}"
    first = line["delivery_time"] + 1
    sheet.insert(first - 1, ["", "Доставка — уточнить у логистов", "", "", "", ""])  # a note
    planned = plan(brain, read_table(_csv(sheet)))
    lines = [int(p.split(":")[0].removeprefix("строка ")) for p in planned.problems]
    assert lines == [line["delivery_time"], first]
    assert planned.problems[1] == (
        f"строка {first}: не заполнены ячейки «название», «вопросы», «ответ» (заполнено только "
        "«раздел»: «Доставка — уточнить у логистов») — допишите строку или удалите её"
    )
    # One missing cell is still named as before.
    sheet[first - 1] = ["", STORES, "", "вопрос", "ответ", ""]
    assert plan(brain, read_table(_csv(sheet))).problems[1] == f"строка {first}: пустое название"


# -- over HTTP: QA's steps -------------------------------------------------------------------


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def test_an_outdated_table_leaves_a_colleagues_newer_answer_alone(env: Env) -> None:
    async with env.login("eva") as eva:
        sheet = _rows((await eva.get("/api/v1/editor/kb.csv")).content)
        edited = await eva.post(
            "/api/v1/editor/answer", json={"entry_id": "pickup_storage", "answer": COLLEAGUE}
        )
        assert edited.status_code == 200, edited.text
        table = _csv([*sheet, GIFT_CARDS])

        check = (await _upload(eva, table, check=True)).json()
        assert check["ok"] is True, check
        assert [r["kind"] for r in check["rows"]] == ["new"]
        assert "«Срок хранения в пункте выдачи»" in check["notices"][0]

        response = await _upload(eva, table, check=False)
        assert response.status_code == 200, response.text
        shown = (await eva.get("/api/v1/editor/entries/pickup_storage")).json()
        assert shown["answer"] == COLLEAGUE

        # Her own edit of that row too: refused, and nothing of the table is written.
        storage = next(r for r in sheet if r[0] == "pickup_storage")
        storage[4] = "Заказ хранится 5 дней."
        refused = await _upload(eva, _csv(sheet), check=False)
        assert refused.status_code == 400
        assert "изменено на сайте после выгрузки" in refused.json()["message"]
        shown = (await eva.get("/api/v1/editor/entries/pickup_storage")).json()
        assert shown["answer"] == COLLEAGUE


async def test_the_same_table_imported_again_does_not_create_its_new_entry_twice(
    env: Env,
) -> None:
    """QA: an editor adds a row and edits another, imports (OK), then edits one more row in
    the SAME file and imports it again: the added row — still without an id — was a second
    «Подарочные карты для компаний», refused as a title and questions another entry has."""
    async with env.login("eva") as eva:
        sheet = _rows((await eva.get("/api/v1/editor/kb.csv")).content)
        storage = next(r for r in sheet if r[0] == "pickup_storage")
        storage[4] += "\nПродлить хранение можно один раз, на 3 дня."
        first = await _upload(eva, _csv([*sheet, GIFT_CARDS]), check=False)
        assert first.status_code == 200, first.text
        assert first.json()["plan"]["counts"]["new"] == 1

        cost = next(r for r in sheet if r[0] == "delivery_cost")
        cost[4] += "\nТочную стоимость покажем в корзине."
        table = _csv([*sheet, GIFT_CARDS])
        check = (await _upload(eva, table, check=True)).json()
        assert check["ok"] is True, check["problems"]
        assert [(r["entry_id"], r["kind"]) for r in check["rows"]] == [("delivery_cost", "changed")]
        assert check["notices"] == [
            "Уже есть в базе знаний — создано прежней загрузкой этой таблицы, второй раз не "
            f"создаётся: строка {len(sheet) + 1} «Подарочные карты для компаний» (id "
            "podarochnye_karty_dlya_kompaniy). Чтобы править такую запись в этой таблице "
            "дальше, впишите её id в ячейку «id» (или выгрузите таблицу заново)."
        ]
        second = await _upload(eva, table, check=False)
        assert second.status_code == 200, second.text
        titles = [e["title"] for e in (await eva.get("/api/v1/editor/entries")).json()["entries"]]
        assert titles.count("Подарочные карты для компаний") == 1
        shown = (await eva.get("/api/v1/editor/entries/delivery_cost")).json()
        assert "покажем в корзине" in shown["answer"]

        # The new row edited further in that file: still not a second entry — it says which
        # id to write into the row to change it.
        gift = [*GIFT_CARDS[:4], GIFT_CARDS[4] + " Карту можно пополнить."]
        refused = (await _upload(eva, _csv([*sheet, gift]), check=True)).json()
        assert refused["ok"] is False
        assert any(
            "впишите в ячейку «id» «podarochnye_karty_dlya_kompaniy»" in p
            for p in refused["problems"]
        ), refused["problems"]


async def test_a_windows_1251_table_is_no_conflict_with_a_colleagues_edit_it_left_alone(
    env: Env,
) -> None:
    """QA over HTTP: the table saved from Excel as Windows-1251 («?» for «₽»); meanwhile a
    colleague rewrote «Стоимость доставки» on the page. The untouched row is no conflict."""
    async with env.login("eva") as eva:
        sheet = _rows((await eva.get("/api/v1/editor/kb.csv")).content)
        edited = await eva.post(
            "/api/v1/editor/answer",
            json={"entry_id": "delivery_cost", "answer": "Доставка бесплатная по всей России."},
        )
        assert edited.status_code == 200, edited.text
        storage = next(r for r in sheet if r[0] == "pickup_storage")
        storage[4] += "\nПродлить хранение можно один раз, на 3 дня."
        table = _cp1251(sheet)
        assert b"?" in table and "₽".encode() not in table
        check = (await _upload(eva, table, check=True)).json()
        assert check["ok"] is True, check["problems"]
        assert [r["entry_id"] for r in check["rows"]] == ["pickup_storage"]
        assert any("«Стоимость доставки»" in n for n in check["notices"]), check["notices"]


async def test_a_row_edited_again_after_ones_own_import_of_it_is_no_conflict(env: Env) -> None:
    """QA: Ева imports her table, edits the same row again in the same file and imports once
    more — her own first import was reported as a colleague's change («изменено на сайте после
    выгрузки»). A colleague's import of an older table over it is still a conflict."""
    async with env.login("adam") as adam:
        older = _rows((await adam.get("/api/v1/editor/kb.csv")).content)
    async with env.login("eva") as eva:
        sheet = _rows((await eva.get("/api/v1/editor/kb.csv")).content)
        storage = next(r for r in sheet if r[0] == "pickup_storage")
        storage[4] += "\nПродлить хранение можно один раз, на 3 дня."
        first = await _upload(eva, _csv(sheet), check=False)
        assert first.status_code == 200, first.text

        storage[4] = storage[4].replace("на 3 дня", "на 5 дней")
        storage[3] += "\nможно ли продлить срок хранения заказа"
        table = _csv(sheet)
        check = (await _upload(eva, table, check=True)).json()
        assert check["ok"] is True, check["problems"]
        assert [r["entry_id"] for r in check["rows"]] == ["pickup_storage"]
        again = await _upload(eva, table, check=False)
        assert again.status_code == 200, again.text
        shown = (await eva.get("/api/v1/editor/entries/pickup_storage")).json()
        assert "на 5 дней" in shown["answer"]
        assert "можно ли продлить срок хранения заказа" in shown["questions"]

    async with env.login("adam") as adam:
        mine = next(r for r in older if r[0] == "pickup_storage")
        mine[4] = "Заказ хранится 5 дней."
        refused = await _upload(adam, _csv(older), check=False)
        assert refused.status_code == 400, refused.text
        assert "изменено на сайте после выгрузки" in refused.json()["message"]

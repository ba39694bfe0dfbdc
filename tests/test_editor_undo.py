"""«Отменить» in the editor's journal: a change to the content is undone through the same gate.

An editor teaches the bot, changes their mind, and undoes it: the file is byte for byte what
it was, the bot no longer answers, the customer's question is back among the unanswered ones.
An undo that would throw away later work, or break the bot, is refused and changes nothing.

What the database keeps (revisions, their pruning, the journal) is tested on SQLite and
PostgreSQL; what only concerns the files (later changes, hand edits, several files, a refused
reload) on SQLite alone — each of those retrains the bot several times.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.reload import ReloadReport
from bot.snapshots import FileChange, sha256
from bot.storage.models import ContentRevision, EditorAction, Operator
from handoff.revision_log import KEEP, record
from tests.test_editor_api import REJECTED, Env, editor_env

STORES = "Магазины и пункты выдачи"
FILES_ONLY = pytest.mark.parametrize("backend", ["sqlite"])  # see the module's docstring


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def journal(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/editor/history")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def undo(client: httpx.AsyncClient, line: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/editor/revert", json={"action_id": line["id"]})


def faq_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data" / "faq").glob("*.yml"))}


async def test_an_editor_undoes_a_teaching_and_then_the_undo(env: Env) -> None:
    alice = env.bot.customer("alice")
    await alice.say(REJECTED)
    assert alice.last_outcome.prediction is not None
    assert alice.last_outcome.prediction.decision.value == "reject"
    original = env.stores.read_bytes()
    async with env.login("eva") as eva:
        taught = await eva.post(
            "/api/v1/editor/teach", json={"text": REJECTED, "entry_id": "pickup_points"}
        )
        assert taught.status_code == 200, taught.text
        after_teaching = env.stores.read_bytes()
        await alice.say(REJECTED)
        assert alice.last_outcome.prediction.intent == "pickup_points"

        [line, *_] = await journal(eva)
        assert (line["action"], line["undo"]) == ("taught", "ready")
        # «Что изменилось»: the change as a diff of its file, before it → now.
        shown = (await eva.get(f"/api/v1/editor/revisions/{line['id']}")).json()
        assert shown["undo"] == "ready"
        [stores] = shown["files"]
        assert stores["path"] == "data/faq/stores.yml"
        assert stores["diff"][:2] == [
            "--- data/faq/stores.yml (до правки)",
            "+++ data/faq/stores.yml (сейчас)",
        ]
        added = [d for d in stores["diff"] if d.startswith("+") and not d.startswith("+++")]
        assert len(added) == 1 and REJECTED in added[0]
        assert not [d for d in stores["diff"] if d.startswith("-") and not d.startswith("---")]
        response = await undo(eva, line)
        assert response.status_code == 200, response.text
        assert (
            response.json()["message"] == "Готово: правка отменена, бот отвечает так, как до неё."
        )

        # The file is what it was, byte for byte, and the bot has forgotten the question.
        assert env.stores.read_bytes() == original
        await alice.say(REJECTED)
        assert alice.last_outcome.prediction.decision.value == "reject"
        unanswered = await eva.get("/api/v1/editor/unanswered")
        assert REJECTED in [i["key"] for i in unanswered.json()["items"]]

        undone, taught_line, *_ = await journal(eva)
        assert taught_line["id"] == line["id"] and taught_line["undo"] == "reverted"
        assert undone["action_title"] == "отменил(а) правку" and undone["entry_title"] is None
        assert undone["text"] == f"научил(а) запись «Адреса магазинов и пунктов выдачи»: {REJECTED}"
        assert (await undo(eva, taught_line)).json()["error"] == "already_reverted"

        # Undoing the undo teaches the question again.
        redo = await undo(eva, undone)
        assert redo.status_code == 200, redo.text
        assert env.stores.read_bytes() == after_teaching
        await alice.say(REJECTED)
        assert alice.last_outcome.prediction.intent == "pickup_points"
        # … and the question leaves «Бот не понял» again, as after the first teaching.
        unanswered = await eva.get("/api/v1/editor/unanswered")
        assert REJECTED not in [i["key"] for i in unanswered.json()["items"]]

        # Undoing the redo forgets it once more; the question is back.
        redone, *_ = await journal(eva)
        assert (redone["action"], redone["undo"]) == ("reverted", "ready")
        assert (await undo(eva, redone)).status_code == 200
        assert env.stores.read_bytes() == original
        unanswered = await eva.get("/api/v1/editor/unanswered")
        assert REJECTED in [i["key"] for i in unanswered.json()["items"]]


@FILES_ONLY
async def test_a_later_change_to_the_same_file_is_undone_first(env: Env) -> None:
    original = env.stores.read_bytes()
    async with env.login("eva") as eva:
        assert (
            await eva.post(
                "/api/v1/editor/teach", json={"text": REJECTED, "entry_id": "pickup_points"}
            )
        ).status_code == 200
        entry = (await eva.get("/api/v1/editor/entries/pickup_points")).json()
        new_answer = entry["answer"].replace("85 магазинов", "86 магазинов")
        answered = await eva.post(
            "/api/v1/editor/answer", json={"entry_id": "pickup_points", "answer": new_answer}
        )
        assert answered.status_code == 200, answered.text
        both = env.stores.read_bytes()

        answer_line, teach_line, *_ = await journal(eva)
        assert (answer_line["action"], answer_line["undo"]) == ("answer_edited", "ready")
        assert (teach_line["action"], teach_line["undo"]) == ("taught", "later_changes")
        shown = (await eva.get(f"/api/v1/editor/revisions/{teach_line['id']}")).json()
        assert (shown["undo"], shown["files"]) == ("later_changes", [])
        assert shown["message"].startswith("Файл data/faq/stores.yml изменён после")
        refused = await undo(eva, teach_line)
        assert refused.status_code == 409
        assert refused.json()["error"] == "later_changes"
        assert refused.json()["message"].startswith("Файл data/faq/stores.yml изменён после")
        assert refused.json()["message"].endswith("Сначала отмените более поздние правки.")
        assert env.stores.read_bytes() == both  # nothing thrown away

        # Newest first: the answer, then the teaching.
        assert (await undo(eva, answer_line)).status_code == 200
        assert "86 магазинов" not in env.stores.read_text(encoding="utf-8")
        teach_line = next(i for i in await journal(eva) if i["id"] == teach_line["id"])
        assert teach_line["undo"] == "ready"
        assert (await undo(eva, teach_line)).status_code == 200
        assert env.stores.read_bytes() == original


@FILES_ONLY
async def test_a_hand_edit_since_the_change_blocks_its_undo(env: Env) -> None:
    async with env.login("eva") as eva:
        assert (
            await eva.post(
                "/api/v1/editor/teach", json={"text": REJECTED, "entry_id": "pickup_points"}
            )
        ).status_code == 200
        edited = env.stores.read_bytes() + "# правка руками\n".encode()
        env.stores.write_bytes(edited)
        [line, *_] = await journal(eva)
        assert line["undo"] == "later_changes"
        assert (await undo(eva, line)).status_code == 409
        assert env.stores.read_bytes() == edited


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@FILES_ONLY
async def test_a_table_import_across_files_is_undone_in_one_go(env: Env) -> None:
    before = faq_files(env.root)
    async with env.login("eva") as eva:
        sheet = _rows((await eva.get("/api/v1/editor/kb.csv")).content)
        by_id = {row[0]: row for row in sheet[1:]}
        by_id["pickup_points"][4] = by_id["pickup_points"][4].replace("85 магазинов", "86")
        by_id["refund_time"][2] = "Сроки возврата денег за товар"
        sheet.append(
            [
                "",
                STORES,
                "Парковка у магазинов",
                "есть ли парковка у магазина\nгде припарковаться у вольта",
                "У всех магазинов «Вольт» бесплатная парковка на 2 часа: "
                "https://volt-shop.ru/stores.",
            ]
        )
        imported = await eva.post(
            "/api/v1/editor/table", content=_csv(sheet), headers={"Content-Type": "text/csv"}
        )
        assert imported.status_code == 200, imported.text
        changed = {name for name, data in faq_files(env.root).items() if before[name] != data}
        assert changed == {"stores.yml", "returns.yml"}
        lines = (await journal(eva))[:3]
        assert {line["action"] for line in lines} == {"entry_created", "entry_imported"}
        assert {line["undo"] for line in lines} == {"ready"}

        assert (await undo(eva, lines[1])).status_code == 200
        assert faq_files(env.root) == before
        entries = (await eva.get("/api/v1/editor/entries")).json()["entries"]
        assert "Парковка у магазинов" not in [e["title"] for e in entries]
        after = {line["id"]: line["undo"] for line in await journal(eva)}
        assert {after[line["id"]] for line in lines} == {"reverted"}


@FILES_ONLY
async def test_an_undo_that_would_break_the_bot_is_refused(env: Env) -> None:
    async with env.login("eva") as eva:
        created = await eva.post(
            "/api/v1/editor/entries",
            json={
                "title": "Парковка у магазинов",
                "category": STORES,
                "questions": ["есть ли парковка у магазина", "где припарковаться у вольта"],
                "answer": "У всех магазинов «Вольт» бесплатная парковка на 2 часа: "
                "https://volt-shop.ru/stores.",
                "force": True,  # the bot takes it for the stores' addresses
            },
        )
        assert created.status_code == 200, created.text
        gift = created.json()["entry_id"]
        # Someone links another entry to the new one by hand and reloads.
        account = env.root / "data" / "faq" / "account.yml"
        text = account.read_text(encoding="utf-8")
        anchor = "    buttons:\n      - title: Войти\n"
        assert anchor in text
        account.write_text(
            text.replace(
                anchor,
                anchor.replace(
                    "buttons:\n",
                    f"buttons:\n      - title: Парковка\n        entry: {gift}\n",
                ),
                1,
            ),
            encoding="utf-8",
        )
        reloaded = await eva.post("/api/v1/admin/reload")
        assert reloaded.status_code == 200, reloaded.text
        stores = env.stores.read_bytes()

        created_line = next(i for i in await journal(eva) if i["action"] == "entry_created")
        refused = await undo(eva, created_line)
        assert refused.status_code == 422
        body = refused.json()
        assert body["message"].startswith("Отмена не принята: без этой правки в контенте ошибки")
        assert any(gift in problem and "account.yml" in problem for problem in body["problems"])
        assert env.stores.read_bytes() == stores  # the entry stays
        line = next(i for i in await journal(eva) if i["id"] == created_line["id"])
        assert line["undo"] == "ready"


async def test_what_cannot_be_undone_says_why(env: Env) -> None:
    async with env.login("eva") as eva:
        dismissed = await eva.post("/api/v1/editor/dismiss", json={"text": "привет как дела"})
        assert dismissed.status_code == 200
        [line] = await journal(eva)
        assert line["action"] == "dismissed" and line["undo"] is None
        response = await undo(eva, line)
        assert (response.status_code, response.json()["error"]) == (400, "not_undoable")
        missing = await eva.post("/api/v1/editor/revert", json={"action_id": 999_999})
        assert missing.status_code == 404
        assert (await eva.get("/api/v1/editor/revisions/999999")).status_code == 404
        nothing = await eva.get(f"/api/v1/editor/revisions/{line['id']}")
        assert (nothing.status_code, nothing.json()["error"]) == (400, "not_undoable")
        bad = await eva.post("/api/v1/editor/revert", json={"action_id": "1"})
        assert (bad.status_code, bad.json()["error"]) == (400, "bad_action")
    async with env.login("olga") as olga:  # an operator
        assert (await olga.post("/api/v1/editor/revert", json={"action_id": 1})).status_code == 403


async def test_only_the_newest_revisions_keep_their_files(env: Env) -> None:
    report = ReloadReport(ok=True, changes=[FileChange("data/faq/x.yml", b"old", b"new")])
    async with env.bot.runtime.db.write() as session:
        eva = await session.scalar(select(Operator).where(Operator.username == "eva"))
        assert eva is not None
        made = [await record(session, report, eva.id) for _ in range(KEEP + 2)]
    ids = [revision.id for revision in made if revision is not None]
    async with env.bot.runtime.db.read() as session:
        rows = {r.id: r for r in (await session.scalars(select(ContentRevision)))}
    assert [rows[i].kept for i in ids] == [False, False] + [True] * KEEP
    assert rows[ids[0]].files == []
    assert rows[ids[-1]].files == [
        {"path": "data/faq/x.yml", "before": "old", "after_sha256": sha256(b"new")}
    ]


@FILES_ONLY
async def test_a_reworded_bot_phrase_is_undone_in_domain_yml(env: Env) -> None:
    domain = env.root / "domain.yml"
    original = domain.read_bytes()
    alice = env.bot.customer("alice")
    await alice.say("ывапролдж")
    before = alice.last_text
    async with env.login("eva") as eva:
        done = await eva.post(
            "/api/v1/editor/phrase",
            json={"name": "utter_default", "index": 0, "text": "Не понял. Позовите оператора."},
        )
        assert done.status_code == 200, done.text
        bob = env.bot.customer("bob")  # a first miss each: the second would hand over
        await bob.say("ывапролдж")
        assert bob.last_text == "Не понял. Позовите оператора."
        [line, *_] = await journal(eva)
        assert (line["action"], line["undo"]) == ("phrase_edited", "ready")
        assert (await undo(eva, line)).status_code == 200
    assert domain.read_bytes() == original
    carol = env.bot.customer("carol")
    await carol.say("ывапролдж")
    assert carol.last_text == before


@FILES_ONLY
async def test_a_damaged_revision_never_touches_a_file_outside_the_project(env: Env) -> None:
    outside = env.root.parent / "outside.yml"
    outside.write_text("не трогать\n", encoding="utf-8")
    report = ReloadReport(ok=True, changes=[FileChange("../outside.yml", b"old", b"new")])
    async with env.bot.runtime.db.write() as session:
        eva = await session.scalar(select(Operator).where(Operator.username == "eva"))
        assert eva is not None
        revision = await record(session, report, eva.id)
        assert revision is not None
        line = EditorAction(
            key="x", text="x", action="taught", operator_id=eva.id, revision_id=revision.id
        )
        session.add(line)
        await session.flush()
        line_id = line.id
    async with env.login("eva") as eva_client:
        refused = await eva_client.post("/api/v1/editor/revert", json={"action_id": line_id})
        assert (refused.status_code, refused.json()["error"]) == (400, "bad_revision")
        shown = await eva_client.get(f"/api/v1/editor/revisions/{line_id}")
        assert shown.status_code == 400
    assert outside.read_text(encoding="utf-8") == "не трогать\n"

"""«Удалить запись»: an editor deletes a knowledge-base entry from the page, and can take it back.

The confirmation says what changes (the questions the bot stops recognising, how often it
answered with the entry, the customers' questions that go back to «Бот не понял»); an entry
something still refers to is not deleted; the deletion goes through the same validated, gated,
journaled reload as every edit, and «Отменить» writes the entry back byte for byte.

The whole story runs on SQLite and PostgreSQL (the journal and «Бот не понял» are database
queries); the refusals, which only concern the files, on SQLite alone (each retrains the bot).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.entry_deletion import DeletionPlan
from tests.test_editor_api import Env, editor_env

ENTRY = "contacts"
TITLE = "Контакты и часы поддержки"
CANONICAL = "Как с вами связаться?"
ODD = "телеграм канал у вас есть"  # a customer's wording, taught to the entry
FILES_ONLY = pytest.mark.parametrize("backend", ["sqlite"])  # see the module's docstring


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def plan(client: httpx.AsyncClient, entry_id: str = ENTRY) -> dict[str, Any]:
    response = await client.get(f"/api/v1/editor/entries/{entry_id}/deletion")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def delete(
    client: httpx.AsyncClient, version: str | None, entry_id: str = ENTRY
) -> httpx.Response:
    body = {"entry_id": entry_id} if version is None else {"entry_id": entry_id, "version": version}
    return await client.post("/api/v1/editor/delete-entry", json=body)


async def journal(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/api/v1/editor/history")).json()["items"]
    return items


async def rated(client: httpx.AsyncClient) -> list[tuple[str, str, int, bool]]:
    """«Ответы бота»: the rated entries, as (id, title, «👎» count, deleted)."""
    response = await client.get("/api/v1/editor/helpfulness")
    assert response.status_code == 200, response.text
    return [
        (h["entry_id"], h["title"], h["not_helped"], h["deleted"])
        for h in response.json()["entries"]
    ]


async def unanswered_keys(env: Env, client: httpx.AsyncClient) -> list[str]:
    return [i["key"] for i in await env.items(client)]


async def test_an_editor_deletes_an_entry_the_bot_stops_answering_and_undo_brings_it_back(
    env: Env,
) -> None:
    alice = env.bot.customer("alice")
    await alice.say(CANONICAL)
    assert alice.last_outcome.prediction is not None
    assert alice.last_outcome.prediction.intent == ENTRY
    await alice.press("👎 Не помогло")  # «Ответы бота» lists the entry
    # The bot does not know it yet: it goes to «Бот не понял». Asked first thing — right after
    # the contacts answer, a guess at that entry is read as it (bot/followup.py in_topic).
    bob = env.bot.customer("bob")
    await bob.say(ODD)
    assert bob.last_outcome.prediction is not None
    assert bob.last_outcome.prediction.decision.value != "answer"
    async with env.login("eva") as eva, env.login("olga") as olga:
        assert ODD in await unanswered_keys(env, eva)
        taught = await eva.post("/api/v1/editor/teach", json={"text": ODD, "entry_id": ENTRY})
        assert taught.status_code == 200, taught.text
        assert ODD not in await unanswered_keys(env, eva)
        before = env.stores.read_bytes()
        assert f"- id: {ENTRY}" in before.decode()
        found = (await olga.get("/api/v1/kb/search", params={"q": "контакты поддержки"})).json()
        assert ENTRY in [r["id"] for r in found["results"]]

        # The confirmation: what the bot stops doing, and nothing refers to the entry.
        shown = await plan(eva)
        assert shown["title"] == TITLE and shown["source"].startswith("data/faq/stores.yml:")
        assert shown["blocked"] is False and shown["references"] == []
        assert shown["questions"] == 17 and shown["answered"] == 1
        assert shown["taught"] == [ODD] and shown["regression_rows"] == 6
        assert shown["message"].splitlines()[:3] == [
            f"Удалить запись «{TITLE}» ({shown['source']})?",
            "Бот перестанет узнавать 17 вопросов этой записи и отвечать ею "
            "(за 30 дней он ответил ею 1 раз).",
            "1 вопрос клиентов, которым бота научили этой записью, вернётся в «Бот не понял».",
        ]

        response = await delete(eva, shown["version"])
        assert response.status_code == 200, response.text
        assert "удалена" in response.json()["message"]

        # Gone from the file (only its lines), from the bot, from the editor and the console.
        after = env.stores.read_bytes().decode()
        assert f"id: {ENTRY}" not in after and "id: pickup_points" in after
        old = before.decode().splitlines(keepends=True)
        start = old.index(f"  - id: {ENTRY}\n")
        end = next(i for i in range(start + 1, len(old)) if old[i].startswith("  - id:"))
        assert after == "".join(old[:start] + old[end:])  # its lines and the blank after them
        await alice.say(CANONICAL)
        assert alice.last_outcome.prediction.intent != ENTRY
        assert "часы поддержки" not in alice.last_text
        assert (await eva.get(f"/api/v1/editor/entries/{ENTRY}")).status_code == 404
        listed = (await eva.get("/api/v1/editor/entries")).json()["entries"]
        assert ENTRY not in [e["id"] for e in listed]
        found = (await olga.get("/api/v1/kb/search", params={"q": "контакты поддержки"})).json()
        assert ENTRY not in [r["id"] for r in found["results"]]
        # The customer's question taught to it is unanswered again: it is back in the list.
        assert ODD in await unanswered_keys(env, eva)
        # Teaching the deleted entry (a page opened before) is refused, nothing written.
        late = await eva.post("/api/v1/editor/teach", json={"text": "ещё", "entry_id": ENTRY})
        assert late.status_code == 404 and env.stores.read_bytes().decode() == after
        # «Ответы бота» still shows the customer's «👎», by the title the journal keeps (not the
        # raw id) and as deleted: there is no answer left to edit.
        assert await rated(eva) == [(ENTRY, TITLE, 1, True)]

        # The journal names the entry it deleted; «Отменить» brings it back byte for byte.
        line, *_ = await journal(eva)
        assert (line["action"], line["action_title"]) == ("entry_deleted", "удалил(а) запись")
        assert (line["entry_title"], line["text"], line["undo"]) == (TITLE, "", "ready")
        undone = await eva.post("/api/v1/editor/revert", json={"action_id": line["id"]})
        assert undone.status_code == 200, undone.text
        assert env.stores.read_bytes() == before
        await alice.say(CANONICAL)
        assert alice.last_outcome.prediction.intent == ENTRY
        assert ODD not in await unanswered_keys(env, eva)  # taught again
        assert await rated(eva) == [(ENTRY, TITLE, 1, False)]
        revert, deleted, *_ = await journal(eva)
        assert revert["text"] == f"удалил(а) запись «{TITLE}»" and deleted["undo"] == "reverted"
        assert (await plan(eva))["version"] == shown["version"]


@FILES_ONLY
async def test_an_entry_something_refers_to_is_not_deleted(env: Env) -> None:
    files = {p: p.read_bytes() for p in (env.root / "data" / "faq").glob("*.yml")}
    async with env.login("eva") as eva:
        # Other entries' buttons («см. также») open it.
        shown = await plan(eva, "pickup_points")
        assert shown["blocked"] is True
        [where] = [
            r["text"]
            for r in shown["references"]
            if r["text"].startswith("кнопка «Пункты выдачи» в записи «Доставка в регионы» (")
        ]
        # The reference names where the referring entry starts.
        line = int(where.removeprefix(where.split(":")[0] + ":").rstrip(")"))
        assert where.split("(")[1].startswith("data/faq/delivery.yml:")
        lines = (env.root / "data" / "faq" / "delivery.yml").read_text().splitlines()
        assert lines[line - 1].strip() == "- id: delivery_regions"
        assert shown["message"].startswith(
            "Запись «Адреса магазинов и пунктов выдачи» нельзя удалить: на неё ссылается "
        )
        response = await delete(eva, shown["version"], "pickup_points")
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "referenced"
        assert "«Доставка за 2 часа»" in response.json()["message"]
        # A flow answers its questions, and the greeting's button opens it.
        shown = await plan(eva, "order_status")
        # …and so do the buttons of the greeting, small talk and «Вы бот?».
        kinds = [r["kind"] for r in shown["references"]]
        assert kinds[0] == "flow_trigger" and set(kinds[1:]) == {"phrase_button"}
        assert "кнопка «Где мой заказ» во фразе бота «Приветствие» (domain.yml)" in [
            r["text"] for r in shown["references"]
        ]
        assert (await delete(eva, None, "order_status")).json()["error"] == "referenced"
        assert (await journal(eva)) == []
    assert {p: p.read_bytes() for p in files} == files


@FILES_ONLY
async def test_an_entry_changed_after_the_confirmation_is_not_deleted(env: Env) -> None:
    async with env.login("eva") as eva, env.login("adam") as adam:
        shown = await plan(eva)
        # Meanwhile another editor teaches it a question.
        taught = await adam.post("/api/v1/editor/teach", json={"text": ODD, "entry_id": ENTRY})
        assert taught.status_code == 200, taught.text
        now = env.stores.read_bytes()
        response = await delete(eva, shown["version"])
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "changed_meanwhile"
        assert response.json()["message"].startswith("Пока вы подтверждали удаление, запись")
        assert env.stores.read_bytes() == now
        assert [line["action"] for line in await journal(eva)] == ["taught"]
        # Looked at again, it is deleted with its new question.
        again = await plan(eva)
        assert again["version"] != shown["version"] and again["questions"] == 17
        assert (await delete(eva, again["version"])).status_code == 200
        assert f"id: {ENTRY}" not in env.stores.read_bytes().decode()


@FILES_ONLY
async def test_a_deletion_the_reload_refuses_changes_nothing(env: Env) -> None:
    # A button to the entry written by hand, not yet reloaded: the live bot does not know it,
    # the reload does — and refuses the deletion with the file and line.
    account = env.root / "data" / "faq" / "account.yml"
    text = account.read_text(encoding="utf-8").replace(
        "      - title: Сменить номер телефона\n        entry: account_personal_data\n",
        "      - title: Сменить номер телефона\n        entry: account_personal_data\n"
        f"      - title: Контакты\n        entry: {ENTRY}\n",
        1,
    )
    account.write_text(text, encoding="utf-8")
    stores = env.stores.read_bytes()
    brain = env.bot.runtime.engine.brain
    async with env.login("eva") as eva:
        response = await delete(eva, (await plan(eva))["version"])
        assert response.status_code == 422, response.text
        result = response.json()
        assert result["ok"] is False and result["message"].startswith("Запись не удалена")
        assert any(
            p.startswith("data/faq/account.yml:") and "несуществующую запись" in p
            for p in result["problems"]
        ), result["problems"]
        assert await journal(eva) == []
    assert env.stores.read_bytes() == stores and account.read_text(encoding="utf-8") == text
    assert env.bot.runtime.engine.brain is brain


@FILES_ONLY
async def test_deleting_needs_an_editor_and_an_existing_entry(env: Env) -> None:
    async with env.login("olga") as olga:
        assert (await olga.get(f"/api/v1/editor/entries/{ENTRY}/deletion")).status_code == 403
        assert (await delete(olga, None)).status_code == 403
    async with env.login("eva") as eva:
        missing = await eva.get("/api/v1/editor/entries/no_such_entry/deletion")
        assert missing.status_code == 404 and "не найдена" in missing.json()["message"]
        assert (await delete(eva, None, "no_such_entry")).status_code == 404


@pytest.mark.parametrize(
    ("taught", "line"),
    [
        (2, "2 вопроса клиентов, которым бота научили этой записью, вернутся в «Бот не понял»."),
        (5, "5 вопросов клиентов, которым бота научили этой записью, вернутся в «Бот не понял»."),
        (21, "21 вопрос клиентов, которым бота научили этой записью, вернётся в «Бот не понял»."),
    ],
)
def test_the_confirmation_agrees_with_the_number_of_taught_questions(
    taught: int, line: str
) -> None:
    shown = DeletionPlan(
        ENTRY, TITLE, "data/faq/stores.yml:3", "v", 1, 0, [f"вопрос {n}" for n in range(taught)]
    )
    assert shown.message.splitlines()[2] == line

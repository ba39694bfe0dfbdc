"""Two editors on the same text: a save names the text it was written over (``base``), and the
server refuses it with 409 ``changed_meanwhile`` when the file says something else by now —
instead of silently throwing the first editor's work away. Without ``base`` (other API clients)
the last save wins, as before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handoff.teaching import same_text
from tests.test_editor_api import ENTRY, NEW_ANSWER, Env, editor_env

ORDER = {"flow_id": "order_status_check", "step_id": "number", "field": "ask"}


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def test_the_second_of_two_editors_is_told_instead_of_overwriting(env: Env) -> None:
    async with env.login("eva") as eva, env.login("adam") as adam:
        loaded = (await eva.get(f"/api/v1/editor/entries/{ENTRY}")).json()["answer"]
        assert (await adam.get(f"/api/v1/editor/entries/{ENTRY}")).json()["answer"] == loaded
        first = await eva.post(
            "/api/v1/editor/answer",
            json={"entry_id": ENTRY, "answer": NEW_ANSWER, "base": loaded},
        )
        assert first.status_code == 200, first.text
        before = env.stores.read_bytes()
        adams = loaded + "\nА ещё у нас есть кофе."
        second = await adam.post(
            "/api/v1/editor/answer", json={"entry_id": ENTRY, "answer": adams, "base": loaded}
        )
        assert second.status_code == 409, second.text
        refused = second.json()
        assert refused["error"] == "changed_meanwhile"
        assert refused["message"].startswith("Пока вы редактировали, этот текст изменили")
        assert "ваш текст сохранён в поле" in refused["message"]
        assert refused["current"] == NEW_ANSWER  # the page shows what is there now
        assert env.stores.read_bytes() == before  # Ева's answer stays
        # Over the text as it is now, Адам's save goes through; so does one without a base.
        again = await adam.post(
            "/api/v1/editor/answer",
            json={"entry_id": ENTRY, "answer": adams, "base": refused["current"]},
        )
        assert again.status_code == 200, again.text
        blind = await eva.post("/api/v1/editor/answer", json={"entry_id": ENTRY, "answer": loaded})
        assert blind.status_code == 200, blind.text


async def test_two_saves_over_the_same_text_at_once_only_one_lands(env: Env) -> None:
    """The check runs under the reload lock, against the file: of two saves racing over the
    same loaded text, the second one in sees the first one's answer and is refused."""
    async with env.login("eva") as eva, env.login("adam") as adam:
        loaded = (await eva.get(f"/api/v1/editor/entries/{ENTRY}")).json()["answer"]
        mine, theirs = NEW_ANSWER, NEW_ANSWER + "\nЗвоните: 8 800 000-00-00."
        first, second = await asyncio.gather(
            eva.post(
                "/api/v1/editor/answer",
                json={"entry_id": ENTRY, "answer": mine, "base": loaded},
            ),
            adam.post(
                "/api/v1/editor/answer",
                json={"entry_id": ENTRY, "answer": theirs, "base": loaded},
            ),
        )
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first, second)
    won = mine if first.status_code == 200 else theirs
    assert env.bot.runtime.engine.brain.kb.entries[ENTRY].answer.strip() == won


async def test_flow_texts_and_phrases_are_checked_against_their_base_too(env: Env) -> None:
    orders = env.root / "data" / "flows" / "orders.yml"
    domain = env.root / "domain.yml"
    before = {p: p.read_bytes() for p in (orders, domain)}
    async with env.login("eva") as eva:
        flows = (await eva.get("/api/v1/editor/flows")).json()["flows"]
        flow = next(f for f in flows if f["id"] == ORDER["flow_id"])
        step = next(s for s in flow["steps"] if s["id"] == ORDER["step_id"])
        loaded = step["texts"][0]["text"]
        stale = await eva.post(
            "/api/v1/editor/flow-text",
            json={**ORDER, "text": "Номер заказа, пожалуйста.", "base": loaded + " (старое)"},
        )
        assert stale.status_code == 409, stale.text
        assert stale.json()["error"] == "changed_meanwhile"
        assert stale.json()["current"] == loaded

        phrases = (await eva.get("/api/v1/editor/phrases")).json()["phrases"]
        greet = next(p for p in phrases if p["name"] == "utter_greet")
        variant = greet["variants"][0]
        stale = await eva.post(
            "/api/v1/editor/phrase",
            json={
                "name": "utter_greet",
                "index": variant["index"],
                "text": "Добрый день!",
                "base": "Привет, это старая версия.",
            },
        )
        assert stale.status_code == 409, stale.text
        assert stale.json()["error"] == "changed_meanwhile"
        assert stale.json()["current"] == variant["text"]
        assert {p: p.read_bytes() for p in before} == before

        # The page's own base (line endings and trailing blanks aside) is accepted.
        ok = await eva.post(
            "/api/v1/editor/phrase",
            json={
                "name": "utter_greet",
                "index": variant["index"],
                "text": "Добрый день! Чем помочь?",
                "base": variant["text"].replace("\n", "\r\n") + "  \n",
            },
        )
        assert ok.status_code == 200, ok.text
        bad = await eva.post(
            "/api/v1/editor/phrase",
            json={"name": "utter_greet", "index": 0, "text": "Здравствуйте", "base": 5},
        )
        assert bad.status_code == 400 and bad.json()["error"] == "bad_field"


def test_same_text_ignores_what_saving_cleans_anyway() -> None:
    assert same_text("Раз\r\nдва  \n", "Раз\nдва")
    assert not same_text("Раз\nдва", "Раз два")


def test_the_openapi_description_documents_base_and_the_409() -> None:
    from handoff.web.openapi import OPENAPI

    for path in ("/editor/answer", "/editor/flow-text", "/editor/phrase"):
        post = OPENAPI["paths"][path]["post"]
        schema = post["requestBody"]["content"]["application/json"]["schema"]
        assert "base" in schema["properties"] and "base" not in schema["required"], path
        assert "changed_meanwhile" in post["summary"], path

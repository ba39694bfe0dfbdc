"""The editor's journal and deletion check tell the truth (QA7 defects 8, 9 and 10).

Questions an editor typed into «Новая запись» are no customers waiting in «Бот не понял»;
undoing a new entry keeps its name on its journal lines; two edits of one long answer are told
apart by the journal itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_editor_api import PETS, PETS_ENTRY, Env, editor_env

TITLE = PETS_ENTRY["title"]
ENTRY = "mozhno_li_v_magazin_s_zhivotnymi"


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def journal(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/editor/history")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_only_a_customers_question_is_promised_back_and_an_undone_entry_keeps_its_name(
    env: Env,
) -> None:
    alice = env.bot.customer("alice")
    await alice.say(PETS)  # the one customer's question; the other two the editor typed
    assert alice.last_outcome.prediction is not None
    assert alice.last_outcome.prediction.decision.value != "answer"
    async with env.login("eva") as eva:
        created = await eva.post("/api/v1/editor/entries", json=PETS_ENTRY)
        assert created.status_code == 200, created.text
        assert created.json()["entry_id"] == ENTRY

        plan = (await eva.get(f"/api/v1/editor/entries/{ENTRY}/deletion")).json()
        assert plan["taught"] == [PETS]
        assert (
            "1 вопрос клиентов, которым бота научили этой записью, вернётся в «Бот не понял»."
            in plan["message"].splitlines()
        )

        lines = await journal(eva)
        assert [line["action"] for line in lines] == ["entry_created", "taught", "taught", "taught"]
        undone = await eva.post("/api/v1/editor/revert", json={"action_id": lines[0]["id"]})
        assert undone.status_code == 200, undone.text

        after = await journal(eva)
        assert after[0]["action"] == "reverted"
        # The lines of the entry no longer there still name it, as deleted entries' lines do.
        assert [(line["action"], line["entry_title"], line["undo"]) for line in after[1:]] == [
            ("entry_created", TITLE, "reverted"),
            ("taught", TITLE, "reverted"),
            ("taught", TITLE, "reverted"),
            ("taught", TITLE, "reverted"),
        ]


async def test_two_edits_of_a_long_answer_differ_in_the_journal(env: Env) -> None:
    brain = env.bot.runtime.engine.brain
    first = brain.kb.entries["delivery_cost"].answer.strip().replace("299 ₽", "349 ₽")
    second = first + "\nТарифы: https://volt-shop.ru/delivery"
    assert len(first) > 300  # longer than the journal's cut for other texts
    async with env.login("eva") as eva:
        for answer in (first, second):
            saved = await eva.post(
                "/api/v1/editor/answer", json={"entry_id": "delivery_cost", "answer": answer}
            )
            assert saved.status_code == 200, saved.text
        newer, older = await journal(eva)
    assert (newer["action"], older["action"]) == ("answer_edited", "answer_edited")
    assert (newer["text"], older["text"]) == (second, first)  # in full: the hover shows it
    assert newer["change"] == "добавлена строка «Тарифы: https://volt-shop.ru/delivery»"
    assert older["change"] is None  # the answer before it is not in the journal

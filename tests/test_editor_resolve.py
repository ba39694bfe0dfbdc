"""A question in «Бот не понял» that the bot answers by now — the table import or a hand edit
gave it its answer, so no «Научить» was journaled — says so («уже отвечает») and leaves the list
with one click («Убрать», or «Научить» to the entry that already has it), instead of staying
there for ever as «не понял» (handoff/editor.py ``resolve``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.models import EditorAction
from knowledge_base.editing import add_question_to_file
from tests.test_editor_api import ENTRY, REJECTED, Env, editor_env


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def test_a_question_answered_by_a_hand_edit_leaves_the_list_in_one_click(env: Env) -> None:
    alice = env.bot.customer("alice")
    await alice.say(REJECTED)  # «а в новый год вы открыты»: not understood
    # Someone adds the customer's very words to the pickup points' entry by hand, and reloads.
    add_question_to_file(env.stores, ENTRY, REJECTED)
    async with env.login("adam") as adam:
        reloaded = await adam.post("/api/v1/admin/reload")
        assert reloaded.status_code == 200, reloaded.text
    title = env.bot.runtime.engine.brain.kb.entries[ENTRY].title
    async with env.login("eva") as eva:
        [item] = [i for i in await env.items(eva) if i["key"] == REJECTED]
        assert item["decision"] == "reject"  # what the customer got then …
        assert item["decision_now"] == "answer"  # … and what the bot does today
        assert item["answered_by"] == title

        # «Научить» to the entry that has it: nothing to write, the page resolves the item.
        taught = await eva.post("/api/v1/editor/teach", json={"text": REJECTED, "entry_id": ENTRY})
        assert taught.status_code == 400 and taught.json()["error"] == "duplicate"
        resolved = await eva.post("/api/v1/editor/resolve", json={"text": item["text"]})
        assert resolved.status_code == 200, resolved.text
        assert f"записью «{title}»" in resolved.json()["message"]
        assert all(i["key"] != REJECTED for i in await env.items(eva))

        history = (await eva.get("/api/v1/editor/history")).json()["items"]
        assert history[0]["action"] == "answered" and history[0]["entry_title"] == title
        assert history[0]["undo"] is None  # no file changed: nothing to undo
    async with env.bot.runtime.db.read() as s:
        [line] = (await s.scalars(select(EditorAction))).all()
    assert (line.action, line.key, line.entry_id) == ("answered", REJECTED, ENTRY)


async def test_a_question_the_bot_still_misses_is_not_resolved(env: Env) -> None:
    alice = env.bot.customer("alice")
    await alice.say(REJECTED)
    async with env.login("eva") as eva:
        [item] = [i for i in await env.items(eva) if i["key"] == REJECTED]
        assert item["decision_now"] == "reject" and item["answered_by"] is None
        refused = await eva.post("/api/v1/editor/resolve", json={"text": item["text"]})
        assert refused.status_code == 409 and refused.json()["error"] == "not_answered"
        assert "научите" in refused.json()["message"]
        assert [i["key"] for i in await env.items(eva) if i["key"] == REJECTED] == [REJECTED]

"""«Бот не понял» reads each listed question with the bot as it is now: once another change
taught the bot, the question shows what it answers today, and the entry it answers with is the
one preselected — not the wrong guess of the day it was asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.test_editor_api import ENTRY, REJECTED, Env, editor_env


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def test_a_question_the_bot_answers_since_shows_todays_reading(env: Env) -> None:
    alice = env.bot.customer("alice")
    await alice.say(REJECTED)  # «а в новый год вы открыты»: not understood
    async with env.login("eva") as eva:
        [before] = [i for i in await env.items(eva) if i["key"] == REJECTED]
        assert before["decision"] == before["decision_now"] == "reject"
        assert before["suggested"] is None

        # Another wording of the same question is taught to the pickup points' entry …
        taught = await eva.post(
            "/api/v1/editor/teach",
            json={"text": "вы открыты в новый год и в праздники", "entry_id": ENTRY},
        )
        assert taught.status_code == 200, taught.text

        # … so the bot now answers the customer's own words, and the list says so.
        [after] = [i for i in await env.items(eva) if i["key"] == REJECTED]
        assert after["decision"] == "reject"  # what happened to the customer then
        assert after["decision_now"] == "answer"
        assert after["suggested"] == after["guesses"][0]["entry_id"] == ENTRY
    bob = env.bot.customer("bob")
    await bob.say(REJECTED)
    assert bob.last_outcome.prediction is not None
    assert bob.last_outcome.prediction.intent == ENTRY


async def test_a_new_entry_never_takes_the_name_of_an_intent(env: Env) -> None:
    """«Thanks» would be ``thanks``, an intent of data/nlu.yml: the reload would refuse it."""
    entry = {
        "title": "Thanks",
        "category": "Магазины и пункты выдачи",
        "questions": ["можно ли в магазин с животными", "пускают ли с животными в магазин"],
        "answer": "Да, в переноске или на поводке. Адреса: https://volt-shop.ru/stores",
        "force": True,  # the bot guesses the store addresses for them today
    }
    async with env.login("eva") as eva:
        response = await eva.post("/api/v1/editor/entries", json=entry)
    assert response.status_code == 200, response.text
    assert response.json()["entry_id"] == "thanks_2"  # not the intent

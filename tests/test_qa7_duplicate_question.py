"""QA7 defect 6: a question another entry already has is refused before anything is written,
by the entry's title, with no «Добавить вопрос в «…»» and no «Всё равно…» for it.

The demo's «Стоимость доставки» (``delivery_cost``) has «Сколько стоит доставка?» and «скока
стоит доставка» among its questions; the loader compares questions with case, «ё» and
punctuation ignored (``question_key``), and so does the editor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.yamlio import ContentError
from knowledge_base.loader import load_kb
from tests.test_editor_api import PETS_ENTRY, Env, editor_env

COST = "Стоимость доставки"


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


async def test_a_new_entry_with_another_entrys_question_is_refused_by_title(env: Env) -> None:
    before = env.stores.read_bytes()
    brain = env.bot.runtime.engine.brain
    assert brain.kb.entries["delivery_cost"].title == COST
    questions = [*PETS_ENTRY["questions"], "СКОЛЬКО стоит доставка"]  # «Сколько стоит доставка?»
    async with env.login("eva") as eva:
        for force in (False, True):  # «Всё равно создать» cannot help: the reload would refuse
            asked = {**PETS_ENTRY, "questions": questions, "force": force}
            response = await eva.post("/api/v1/editor/entries", json=asked)
            assert response.status_code == 409, response.text
            refusal = response.json()
            assert refusal["error"] == "question_taken"  # the page offers no button for it
            assert refusal["message"] == (
                f"Вопрос «СКОЛЬКО стоит доставка» уже есть в записи «{COST}» — "
                "уберите его из списка."
            )
            assert "delivery_cost" not in refusal["message"]
    assert env.stores.read_bytes() == before  # nothing was written
    assert env.bot.runtime.engine.brain is brain  # nor reloaded


async def test_adding_another_entrys_question_to_an_entry_is_refused_by_title(env: Env) -> None:
    delivery = (env.root / "data" / "faq" / "delivery.yml").read_bytes()
    async with env.login("eva") as eva:
        for force in (False, True):  # «Всё равно добавить» cannot help either
            response = await eva.post(
                "/api/v1/editor/teach",
                json={"text": "скока стоит доставка!", "entry_id": "delivery_time", "force": force},
            )
            assert response.status_code == 409, response.text
            assert response.json()["error"] == "question_taken"
            message = response.json()["message"]
            assert message.startswith(f"Этот вопрос уже есть в записи «{COST}»"), message
            assert "delivery_cost" not in message
    assert (env.root / "data" / "faq" / "delivery.yml").read_bytes() == delivery


def test_the_loader_names_both_entries_by_title_and_keeps_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "entries:\n  - id: delivery_cost\n    title: Стоимость доставки\n"
        '    questions: ["Сколько стоит доставка?"]\n    answer: x\n',
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text(
        "entries:\n  - id: obshchie_voprosy\n    title: Общие вопросы\n"
        "    questions:\n      - бонусы как потратить\n      - сколько стоит ДОСТАВКА\n"
        "    answer: y\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_kb([tmp_path])
    [problem] = [str(p) for p in info.value.problems]
    assert problem == (
        f"{tmp_path / 'b.yml'}:6: вопрос «сколько стоит ДОСТАВКА» есть и в записи "
        f"«Стоимость доставки» ({tmp_path / 'a.yml'}:4) — бот не сможет их различить; "
        "оставьте его в одной записи"
    )

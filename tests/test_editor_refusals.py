"""Refusals that are not the editor's own doing, said so (QA round 10).

* a hand edit that broke *another* file blocks every change: the refusal says the change was
  fine and names the file and line, and the YAML cause is explained in Russian — the same
  message ``zabota validate`` prints;
* a page left open after a colleague deleted its entry: «удалил(а) Ева …», and «Отменить» in
  the journal brings it back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.project import load_project
from bot.yamlio import ContentError
from tests.conftest import copy_demo_project
from tests.test_editor_api import Env, editor_env

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])  # files and one journal query
COLON = "      - гарантия: сколько лет\n"  # YAML reads it as {"гарантия": "сколько лет"}


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


def _break_warranty(root: Path) -> int:
    """Add the question line with «: » after the first entry's first question; its line."""
    path = root / "data" / "faq" / "warranty.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "questions:") + 2
    lines.insert(at, COLON)
    path.write_text("".join(lines), encoding="utf-8")
    return at + 1


def test_a_question_with_a_colon_is_explained_in_russian(tmp_path: Path) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    line = _break_warranty(root)
    with pytest.raises(ContentError) as refused:
        load_project(root)  # what `zabota validate` and every reload run
    [problem] = [str(p) for p in refused.value.problems]
    assert problem.startswith(f"data/faq/warranty.yml:{line}: "), problem
    assert "ожидается текст" not in problem and "entries.0.questions" not in problem
    assert "«гарантия: сколько лет»" in problem
    assert "двоеточие с пробелом внутри вопроса — возьмите вопрос в кавычки" in problem
    assert '"гарантия: сколько лет"' in problem


@SQLITE_ONLY
async def test_a_mistake_in_another_file_is_not_the_editors(env: Env) -> None:
    line = _break_warranty(env.root)  # a colleague's hand edit, not reloaded
    delivery = env.root / "data" / "faq" / "delivery.yml"
    before = delivery.read_bytes()
    async with env.login("eva") as eva:
        answer = (await eva.get("/api/v1/editor/entries/delivery_cost")).json()["answer"]
        response = await eva.post(
            "/api/v1/editor/answer",
            json={"entry_id": "delivery_cost", "answer": answer + "\nЕщё строка.", "base": answer},
        )
    assert response.status_code == 422, response.text
    result = response.json()
    assert "ваша правка ни при чём" in result["message"]
    assert f"в другом файле — data/faq/warranty.yml, строка {line}" in result["message"]
    [problem] = result["problems"]
    assert "возьмите вопрос в кавычки" in problem
    assert delivery.read_bytes() == before


@SQLITE_ONLY
async def test_an_entry_deleted_by_a_colleague_says_who_and_how_to_bring_it_back(
    env: Env,
) -> None:
    entry, title = "mobile_app", "Мобильное приложение"
    async with env.login("eva") as eva, env.login("adam") as adam:
        answer = (await adam.get(f"/api/v1/editor/entries/{entry}")).json()["answer"]
        plan = (await eva.get(f"/api/v1/editor/entries/{entry}/deletion")).json()
        deleted = await eva.post(
            "/api/v1/editor/delete-entry", json={"entry_id": entry, "version": plan["version"]}
        )
        assert deleted.status_code == 200, deleted.text
        # adam's page still shows the entry
        saved = await adam.post(
            "/api/v1/editor/answer",
            json={"entry_id": entry, "answer": answer + "\nЕщё.", "base": answer},
        )
        taught = await adam.post(
            "/api/v1/editor/teach", json={"text": "приложение для айфона есть", "entry_id": entry}
        )
        shown = await adam.get(f"/api/v1/editor/entries/{entry}")
    for response in (saved, taught, shown):
        assert response.status_code == 404, response.text
        body = response.json()
        assert body["error"] == "entry_not_found"
        assert f"Запись «{title}» удалена: её удалил(а) eva сегодня в" in body["message"]
        assert "«Отменить»" in body["message"] and "«Журнале изменений»" in body["message"]
    async with env.login("eva") as eva:
        gone = await eva.post(
            "/api/v1/editor/answer", json={"entry_id": "no_such_entry", "answer": "Текст."}
        )
    assert gone.status_code == 404 and "вручную" in gone.json()["message"]

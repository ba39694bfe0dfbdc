"""Hot reload: edited content goes live without a restart, and broken content never does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.project import load_project, make_brain, train
from bot.reload import gate, reload
from handoff.auth import create_operator
from handoff.web import console_routes
from nlu.api import Decision, Prediction
from tests.conftest import copy_demo_project
from tests.dialogue import TestBot, start_bot

NEW_ENTRY = """
  - id: pets_in_store
    title: Можно ли в магазин с животными
    category: Магазины и пункты выдачи
    questions:
      - Можно ли прийти в магазин с собакой?
      - пустят в магазин с котом в переноске
      - с животными к вам можно
      - можно зайти в пункт выдачи с питомцем
    answer: |
      Да: в магазины и пункты выдачи «Вольт» можно с питомцем на поводке или в переноске.
"""


@pytest.fixture
async def editable(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[TestBot, Path]]:
    root = copy_demo_project(tmp_path / "project", models=True)
    project = load_project(root)
    model, _, _ = train(project)
    bot = await start_bot(project, make_brain(project, model), db_url)
    yield bot, root
    await bot.runtime.stop()


async def test_a_new_faq_entry_is_answered_after_reload(editable: tuple[TestBot, Path]) -> None:
    bot, root = editable
    alice = bot.customer("alice")
    await alice.say("можно в магазин с собакой")
    assert "на поводке" not in alice.last_text
    before = len(bot.runtime.engine.brain.kb.entries)
    stores = root / "data" / "faq" / "stores.yml"
    stores.write_text(stores.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
    report = await reload(bot.runtime)
    assert report.ok, report.to_json()
    assert report.entries == before + 1 and report.accuracy_after is not None
    await alice.say("а с котом в магазин пустите?")
    assert "на поводке" in alice.last_text


async def test_broken_content_is_refused_and_the_bot_keeps_answering(
    editable: tuple[TestBot, Path],
) -> None:
    bot, root = editable
    returns = root / "data" / "faq" / "returns.yml"
    returns.write_text(returns.read_text(encoding="utf-8") + "  - id: [oops\n", encoding="utf-8")
    report = await reload(bot.runtime)
    assert not report.ok
    # Named from the project's root, not the server's directories.
    assert any(p.startswith("data/faq/returns.yml:") and "YAML" in p for p in report.problems)
    alice = bot.customer("alice")
    await alice.say("как вернуть товар?")
    assert "14 дней" in alice.last_text


class _Confused:
    """A model that mixes up returns and delivery (what a bad edit could cause)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.intents = real.intents

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(t) for t in texts]

    def predict(self, text: str) -> Prediction:
        p = self.real.predict(text)
        if p.intent == "return_goods":
            return Prediction(text, "delivery_cost", 0.9, Decision.ANSWER)
        return p


def test_the_gate_catches_a_model_that_forgets_an_entry(demo_project: Any, demo_model: Any) -> None:
    result = gate(demo_project, _Confused(demo_model), demo_model)  # type: ignore[arg-type]
    failures, before, after = result.failures, result.before, result.after
    assert any(f.expected == "return_goods" and f.got == "delivery_cost" for f in failures)
    assert before is not None and after is not None and after < before
    assert any("accuracy" in f.text for f in failures) == (
        after < before - demo_project.config.regression_tolerance
    )
    assert gate(demo_project, demo_model, demo_model).failures == []


async def test_only_editors_and_admins_may_reload(editable: tuple[TestBot, Path]) -> None:
    bot, _ = editable
    async with bot.runtime.db.write() as s:
        await create_operator(s, "eva", "editor-pass", role="editor")
        await create_operator(s, "olga", "operator-pass", role="operator")
    app = Starlette(routes=console_routes(bot.runtime))
    transport = httpx.ASGITransport(app=app)
    for user, password, status in (("olga", "operator-pass", 403), ("eva", "editor-pass", 200)):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            login = await client.post(
                "/api/v1/session", json={"username": user, "password": password}
            )
            headers = {"X-CSRF-Token": login.json()["csrf"]}
            response = await client.post("/api/v1/admin/reload", json={}, headers=headers)
            assert response.status_code == status, response.text
            if status == 200:
                assert response.json()["ok"] is True


def test_an_upgrade_retrains_the_cached_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model cache is keyed by what trains it, not only by the content: new training code
    or a new default must not keep serving the model the old code trained."""
    import bot.project as project_module
    from nlu import NLUConfig

    project = load_project(copy_demo_project(tmp_path / "project"))
    models = tmp_path / "models"
    assert train(project, models)[2] is True  # trained now
    assert train(project, models)[2] is False  # the same content: from the cache

    monkeypatch.setattr(project_module, "TRAINING_REVISION", "next release")
    assert train(project, models)[2] is True

    key = project.content_hash()
    assert "encoder_lowercase" not in (project.config.nlu or {})
    monkeypatch.setattr(
        type(project), "nlu_config", property(lambda _: NLUConfig(encoder_lowercase=False))
    )
    assert project.content_hash() != key  # config.yml is the same; the effective setting not

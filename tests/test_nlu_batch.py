"""Messages that arrive together are understood together: one encoder call, same answers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from bot.nlu_batch import PredictBatcher
from nlu.api import Decision, Prediction

QUESTIONS = [
    "как вернуть товар?",
    "скока стоит доставка в питер",
    "привет, у меня заказ 123456 не пришёл",
    "можно оплатить картой при получении?",
    "абырвалг кукуруза",
]


@pytest.fixture(params=["sparse+use", "sparse"])
def model(request: pytest.FixtureRequest, demo_project: Any, demo_model: Any) -> Any:
    if request.param == demo_model.config.pipeline:
        return demo_model
    from nlu import build_model

    other = build_model(demo_project.nlu_config.model_copy(update={"pipeline": request.param}))
    other.fit(demo_project.training_examples())
    return other


def test_a_batch_predicts_what_each_message_alone_predicts(model: Any) -> None:
    alone = [model.predict(q) for q in QUESTIONS]
    together = model.predict_many(QUESTIONS)
    assert [p.intent for p in together] == [p.intent for p in alone]
    assert [p.decision for p in together] == [p.decision for p in alone]
    for a, b in zip(alone, together, strict=True):
        assert b.confidence == pytest.approx(a.confidence, abs=1e-3)
        assert b.entities == a.entities
    assert model.predict_many([]) == []


class Counting:
    """Wraps a model; counts the calls and fails on one chosen text."""

    def __init__(self, real: Any, poison: str = "") -> None:
        self.real, self.poison = real, poison
        self.calls: list[list[str]] = []

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        self.calls.append(list(texts))
        if self.poison in texts:
            raise ValueError("cannot read this one")
        return [self.real.predict(t) for t in texts]


async def test_questions_asked_at_the_same_moment_go_to_the_model_once(demo_model: Any) -> None:
    model, batcher = Counting(demo_model), PredictBatcher()
    predictions = await asyncio.gather(*(batcher.predict(model, q) for q in QUESTIONS))
    assert model.calls == [QUESTIONS]
    assert predictions[0].intent == "return_goods"
    assert predictions[-1].decision is Decision.REJECT


async def test_a_lone_question_is_predicted_alone(demo_model: Any) -> None:
    model, batcher = Counting(demo_model), PredictBatcher()
    await batcher.predict(model, QUESTIONS[0])
    await batcher.predict(model, QUESTIONS[1])
    assert model.calls == [[QUESTIONS[0]], [QUESTIONS[1]]]


async def test_one_unreadable_message_does_not_fail_the_others(demo_model: Any) -> None:
    model, batcher = Counting(demo_model, poison="💥"), PredictBatcher()
    results = await asyncio.gather(
        *(batcher.predict(model, q) for q in ["как вернуть товар?", "💥", "где мой заказ"]),
        return_exceptions=True,
    )
    assert isinstance(results[1], ValueError)
    assert [r.intent for r in (results[0], results[2])] == ["return_goods", "order_status"]  # type: ignore[union-attr]


async def test_a_reload_between_two_asks_keeps_each_with_its_own_model(demo_model: Any) -> None:
    old, new, batcher = Counting(demo_model), Counting(demo_model), PredictBatcher(max_batch=2)
    await asyncio.gather(
        batcher.predict(old, "a"),
        batcher.predict(new, "b"),
        batcher.predict(old, "c"),
        batcher.predict(old, "d"),
    )
    assert old.calls == [["a", "c"], ["d"]]  # and at most max_batch at a time
    assert new.calls == [["b"]]


async def test_a_busy_bot_waits_a_moment_for_the_next_question(demo_model: Any) -> None:
    """Two customers a millisecond apart: with other messages in progress (``hold``) their
    questions share one encoder call; a quiet bot does not wait."""
    for hold, expected in ((True, [QUESTIONS[:2]]), (False, [QUESTIONS[:1], QUESTIONS[1:2]])):
        model, batcher = Counting(demo_model), PredictBatcher()
        first = asyncio.create_task(batcher.predict(model, QUESTIONS[0], hold=hold))
        await asyncio.sleep(0.001)  # a later event-loop iteration, well within HOLD
        second = await batcher.predict(model, QUESTIONS[1], hold=hold)
        assert (await first).intent == "return_goods"
        assert second.intent is not None
        assert model.calls == expected


async def test_a_full_batch_does_not_wait(demo_model: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.nlu_batch.HOLD", 3600.0)
    model, batcher = Counting(demo_model), PredictBatcher(max_batch=2)
    first = asyncio.create_task(batcher.predict(model, QUESTIONS[0], hold=True))
    await asyncio.sleep(0)
    await asyncio.wait_for(batcher.predict(model, QUESTIONS[1], hold=True), timeout=5)
    await asyncio.wait_for(first, timeout=5)
    assert model.calls == [QUESTIONS[:2]]

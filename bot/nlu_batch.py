"""Predictions asked for close together go to the model as one batch.

Under load, several customers' messages are being processed at once; the sentence encoder
costs ~1.8 ms for one text but ~0.8 ms per text in a batch of 4 and ~0.5 ms in a batch of 16
(``bench/results/cost_per_message.json``), and more under load, when other work has pushed its
13 MB of weights out of the CPU's caches.

Asks from the same event-loop iteration always share a batch. That alone rarely batches
anything: a webhook's request and its processing run in successive iterations, so even an
overloaded bot predicted 1.17 texts per call. A caller that knows other messages are being
processed asks with ``hold=True``: the batch then waits up to :data:`HOLD` for more asks (at
most :data:`MAX_BATCH`). A message that arrives at a quiet bot is predicted at once, so a quiet
bot answers exactly as fast as before.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nlu.api import NLUModel, Prediction

log = logging.getLogger(__name__)

MAX_BATCH = 32
HOLD = 0.008
"""Seconds a batch started by a busy bot waits for more asks (docs/benchmarks.md)."""


@dataclass(slots=True)
class _Ask:
    model: NLUModel
    text: str
    future: asyncio.Future[Prediction]


class PredictBatcher:
    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._pending: list[_Ask] = []
        self._scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self.batches = 0  # how many model calls (tests, diagnostics)

    async def predict(self, model: NLUModel, text: str, *, hold: bool = False) -> Prediction:
        """The model's prediction for ``text``; raises what the model raised for it.

        ``hold``: other messages are being processed, so more asks are likely to follow: a
        batch this ask starts waits up to :data:`HOLD` for them."""
        loop = asyncio.get_running_loop()
        ask = _Ask(model, text, loop.create_future())
        self._pending.append(ask)
        if not self._scheduled:
            self._scheduled = True
            if hold:
                self._timer = loop.call_later(HOLD, self._flush)
            else:
                loop.call_soon(self._flush)  # after the tasks that are ready now have run
        elif self._timer is not None and len(self._pending) >= self.max_batch:
            self._timer.cancel()  # full: no reason to wait any longer
            self._timer = None
            loop.call_soon(self._flush)
        return await ask.future

    def _flush(self) -> None:
        self._scheduled = False
        self._timer = None
        pending, self._pending = self._pending, []
        live = [a for a in pending if not a.future.done()]  # a cancelled caller is skipped
        by_model: dict[int, list[_Ask]] = {}
        for ask in live:  # a reload may swap the model between two asks
            by_model.setdefault(id(ask.model), []).append(ask)
        for asks in by_model.values():
            for i in range(0, len(asks), self.max_batch):
                self._run(asks[i : i + self.max_batch])

    def _run(self, asks: list[_Ask]) -> None:
        self.batches += 1
        try:
            predictions = asks[0].model.predict_many([a.text for a in asks])
        except Exception as exc:
            if len(asks) == 1:
                asks[0].future.set_exception(exc)
                return
            # One bad text must not fail the others: each alone, each with its own outcome.
            log.warning("batched prediction failed; predicting %d texts one by one", len(asks))
            for ask in asks:
                self._run([ask])
            return
        for ask, prediction in zip(asks, predictions, strict=True):
            ask.future.set_result(prediction)

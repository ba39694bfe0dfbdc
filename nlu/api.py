"""The NLU seam: the types the runtime sees, and the thin model contract.

The runtime only ever calls :meth:`NLUModel.predict`; training code calls ``fit``/``save``; the
server calls ``load``. Everything else in ``nlu/`` is an implementation detail behind this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, Self


@dataclass(frozen=True, slots=True)
class Example:
    """One training example: a customer's phrasing and the intent it expresses.

    ``source`` says where it came from (``file:line`` or ``kb:<entry>``) so that validation and
    the editor can point at it.
    """

    text: str
    intent: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    """A rule-based entity found in a message (order number, phone, e-mail, date, amount, url)."""

    type: str
    value: str  # normalised value (digits only for phones, ISO date, …)
    start: int
    end: int
    text: str  # as written


@dataclass(frozen=True, slots=True)
class IntentScore:
    intent: str
    confidence: float


class Decision(StrEnum):
    """What the policy should do with a prediction at the configured thresholds."""

    ANSWER = "answer"  # confident in one intent
    CLARIFY = "clarify"  # two or more close candidates: ask «Вы имели в виду…?»
    REJECT = "reject"  # out of scope / not understood


@dataclass(frozen=True, slots=True)
class Prediction:
    """The NLU's reading of one message.

    ``intent`` is the top-1 intent (``None`` only if the model knows no intents);
    ``confidence`` is calibrated to [0, 1]; ``ranking`` holds the top candidates, best first;
    ``decision`` applies the thresholds of the model's config.
    """

    text: str
    intent: str | None
    confidence: float
    decision: Decision
    ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    normalized_text: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    # Two or more questions in one message («как вернуть товар? и сколько ждать деньги»):
    # each one's own prediction, in order (see nlu/segments.py); empty for one question.
    parts: tuple[Prediction, ...] = ()
    # The message's clauses («Я очень недовольна и хочу вернуть деньги» → two), each one's own
    # prediction (nlu/segments.py split_clauses): where a complaint hides in a long story.
    # Empty for a one-clause message; never answered one by one (that is ``parts``).
    clauses: tuple[Prediction, ...] = ()


class NLUModel(Protocol):
    """A trainable, persistable intent classifier with entity extraction."""

    def fit(self, examples: list[Example]) -> None: ...

    def predict(self, text: str) -> Prediction: ...

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """``[predict(t) for t in texts]``, possibly cheaper per text (batched encoding)."""
        ...

    def save(self, path: Path) -> None: ...

    @classmethod
    def load(cls, path: Path) -> Self: ...

    @property
    def intents(self) -> list[str]: ...

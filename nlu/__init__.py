"""Russian NLU built from FAQ data: intents, confidence, answer/clarify/reject, entities.

Public entry points: :func:`build_model` (untrained model for a config), :func:`load_model`
(a saved model file), :class:`NLUConfig` and the seam types of :mod:`nlu.api`.
"""

from __future__ import annotations

from pathlib import Path

from nlu.api import Decision, Entity, Example, IntentScore, NLUModel, Prediction
from nlu.config import NLUConfig
from nlu.model import IntentModel
from nlu.persist import ModelFileError


def build_model(config: NLUConfig | None = None) -> NLUModel:
    """An untrained model for ``config`` (defaults if omitted); call ``fit`` next."""
    return IntentModel(config or NLUConfig())


def load_model(path: Path) -> NLUModel:
    """Load a model saved by ``save``; raises :class:`ModelFileError` on a bad/tampered file."""
    return IntentModel.load(Path(path))


__all__ = [
    "Decision",
    "Entity",
    "Example",
    "IntentModel",
    "IntentScore",
    "ModelFileError",
    "NLUConfig",
    "NLUModel",
    "Prediction",
    "build_model",
    "load_model",
]

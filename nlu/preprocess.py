"""From raw message to the strings the featurisers see.

Pipeline: lower-case + ``ё``→``е`` → URLs/e-mails/numbers to placeholders → words (stretched
letters collapsed: «приииивет») → spelling
correction against the training vocabulary → pymorphy3 lemmas. The corrected words feed the
character n-grams, the lemmas feed the word n-grams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlu.features import char_wb_ngrams, word_ngrams
from nlu.spelling import SpellCorrector
from nlu.text import basic_normalize, lemma, mask_placeholders, unstretch, words


@dataclass(frozen=True, slots=True)
class Analyzed:
    normalized_text: str  # corrected words joined by spaces (what the model "read")
    words: tuple[str, ...]
    lemmas: tuple[str, ...]


class Preprocessor:
    def __init__(self, speller: SpellCorrector | None = None) -> None:
        self.speller = speller

    @staticmethod
    def raw_words(text: str) -> list[str]:
        return [unstretch(w) for w in words(mask_placeholders(basic_normalize(text)))]

    def analyze(self, text: str) -> Analyzed:
        ws = self.raw_words(text)
        if self.speller is not None:
            ws = self.speller.correct_words(ws)
        lemmas = tuple(lemma(w) for w in ws)
        return Analyzed(" ".join(ws), tuple(ws), lemmas)


def word_features(a: Analyzed, n_max: int) -> list[str]:
    return word_ngrams(a.lemmas, n_max)


def char_features(a: Analyzed, n_min: int, n_max: int) -> list[str]:
    return char_wb_ngrams(a.words, n_min, n_max)


def analyze_all(pre: Preprocessor, texts: Sequence[str]) -> list[Analyzed]:
    return [pre.analyze(t) for t in texts]

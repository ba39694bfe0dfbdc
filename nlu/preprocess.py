"""From raw message to the strings the featurisers see.

Pipeline: lower-case + ``ё``→``е`` → URLs/e-mails/numbers to placeholders → words (stretched
letters collapsed: «приииивет») → spelling
correction against the training vocabulary → pymorphy3 lemmas. The corrected words feed the
character n-grams, the lemmas feed the word n-grams.
"""

from __future__ import annotations

import re
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
    corrections: tuple[tuple[str, str], ...] = ()  # (as typed, corrected) for changed words


class Preprocessor:
    def __init__(self, speller: SpellCorrector | None = None) -> None:
        self.speller = speller

    @staticmethod
    def raw_words(text: str) -> list[str]:
        return [unstretch(w) for w in words(mask_placeholders(basic_normalize(text)))]

    def analyze(self, text: str) -> Analyzed:
        typed = self.raw_words(text)
        each = [self.speller.correct(w) for w in typed] if self.speller is not None else typed
        ws = [part for w in each for part in w.split(" ")]  # «мойзаказ» → «мой», «заказ»
        lemmas = tuple(lemma(w) for w in ws)
        fixed = tuple((t, w) for t, w in zip(typed, each, strict=True) if t != w)
        return Analyzed(" ".join(ws), tuple(ws), lemmas, fixed)


_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def respelled(text: str, corrections: Sequence[tuple[str, str]]) -> str:
    """``text`` as typed, but with the spelling corrector's corrections in place of the typos:
    «скока стоит доствка?» → «скока стоит доставка?» (punctuation, numbers and every other
    word as they were). What the sentence encoder reads (``NLUConfig.encoder_spelling``)."""
    if not corrections:
        return text
    fixed = dict(corrections)

    def one(m: re.Match[str]) -> str:
        return fixed.get(m.group(0).lower().replace("ё", "е"), m.group(0))

    return _WORD.sub(one, text)


def word_features(a: Analyzed, n_max: int) -> list[str]:
    return word_ngrams(a.lemmas, n_max)


def char_features(a: Analyzed, n_min: int, n_max: int) -> list[str]:
    return char_wb_ngrams(a.words, n_min, n_max)


def analyze_all(pre: Preprocessor, texts: Sequence[str]) -> list[Analyzed]:
    return [pre.analyze(t) for t in texts]

"""Sparse TF-IDF featurisers that serialise to plain JSON/arrays (no pickle).

Why not sklearn's ``TfidfVectorizer``: persisting it means pickling; and for one short message at
a time its per-call overhead dominates latency. These do exactly what the NLU needs — word-lemma
1–2 grams and ``char_wb`` n-grams — with sublinear TF, smoothed IDF and L2 normalisation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


def word_ngrams(lemmas: Sequence[str], n_max: int) -> list[str]:
    grams = list(lemmas)
    for n in range(2, n_max + 1):
        grams.extend(" ".join(lemmas[i : i + n]) for i in range(len(lemmas) - n + 1))
    return grams


def char_wb_ngrams(words: Sequence[str], n_min: int, n_max: int) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with spaces (sklearn char_wb)."""
    grams: list[str] = []
    for w in words:
        padded = f" {w} "
        for n in range(n_min, n_max + 1):
            if n > len(padded):
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class TfidfSpace:
    """Vocabulary + IDF weights for one family of string features."""

    def __init__(self, vocab: dict[str, int] | None = None, idf: FloatArray | None = None) -> None:
        self.vocab: dict[str, int] = vocab or {}
        self.idf: FloatArray = idf if idf is not None else np.zeros(0)

    @property
    def dim(self) -> int:
        return len(self.vocab)

    def fit(self, docs: Sequence[list[str]], min_df: int = 1) -> TfidfSpace:
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        terms = sorted(t for t, c in df.items() if c >= min_df)
        self.vocab = {t: i for i, t in enumerate(terms)}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms])
        return self

    def weights(self, doc: list[str]) -> tuple[IntArray, FloatArray]:
        """One document's non-zero columns and their weights (sublinear TF × IDF, L2-normed),
        without a scipy matrix: the latency path scores these directly."""
        vocab = self.vocab
        counts = Counter(vocab[g] for g in doc if g in vocab)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        if not counts:
            return idx, np.zeros(0, dtype=np.float64)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        w = (1.0 + np.log(tf)) * self.idf[idx]
        w /= np.sqrt(w @ w)
        return idx, w

    def transform(self, docs: Iterable[list[str]]) -> sp.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for d in docs:
            idx, w = self.weights(d)
            indices.extend(idx.tolist())
            data.extend(w.tolist())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), indptr),
            shape=(len(indptr) - 1, self.dim),
        )

    def to_arrays(self, prefix: str) -> tuple[dict[str, Any], dict[str, FloatArray]]:
        """Terms go to JSON (strings), IDF to the ``.npz``; order of terms = column order."""
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        return {f"{prefix}_terms": terms}, {f"{prefix}_idf": self.idf}

    @classmethod
    def from_arrays(cls, terms: list[str], idf: FloatArray) -> TfidfSpace:
        if len(terms) != len(idf):
            raise ValueError("vocabulary and IDF sizes differ")
        return cls({t: i for i, t in enumerate(terms)}, np.asarray(idf, dtype=np.float64))

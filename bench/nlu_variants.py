"""Cross-validate classifier variants on a TRAIN split only (the test split is never read).

Usage (repo root, project venv)::

    python bench/nlu_variants.py ../shared/evaldata/hwu64_ru_mt/train.tsv --folds 2 \
        --variants base balanced hinge c_ensemble late_lr knn lemma_chars raw_words \
        use_centred use_corrected

Each training row is preprocessed (spelling + lemmas) and, unless ``--no-use``, encoded with
USE once; then for each of the first ``--folds`` of a seeded 5-fold split the TF-IDF spaces are
fitted on the other folds and the variant is scored by top-1 accuracy on the held-out fold.
This is how the hwu64 variants in docs/nlu.md were chosen (or rejected) without looking at the
test split. Variants reuse the model's own featurisers; only the classifier stage differs.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402  (after the thread variables, on purpose)
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlu.datasets import read_tsv  # noqa: E402
from nlu.features import TfidfSpace, char_wb_ngrams, word_ngrams  # noqa: E402
from nlu.preprocess import Analyzed, Preprocessor, char_features, word_features  # noqa: E402
from nlu.spelling import SpellCorrector  # noqa: E402

Array = np.ndarray[Any, Any]
Family = tuple[Callable[[Analyzed], list[str]], float]

VARIANTS = [
    "base",  # the default sparse+use model: word+char TF-IDF ⊕ 1.25·USE, LinearSVC C=1
    "balanced",  # class_weight="balanced"
    "hinge",  # hinge instead of squared hinge
    "c_ensemble",  # mean of SVM margins for C = 0.3, 1, 3
    "late_lr",  # sparse-only SVM margins + log-probabilities of a LogisticRegression on USE
    "knn",  # base margins + a softmax-weighted 10-NN vote on USE
    "lemma_chars",  # a third TF-IDF family: char_wb 2–5 grams over lemmas (weight 1/3)
    "raw_words",  # a third TF-IDF family: word 1–2 grams over spelling-corrected words (0.3)
    "use_centred",  # USE minus its training mean, re-normalised
    "use_corrected",  # second USE view: the spelling-corrected normalised text (2 encodes)
]


def _unit(m: Array) -> Array:
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1.0
    out: Array = m / n
    return out


def _families(variant: str) -> list[Family]:
    fams: list[Family] = [
        (lambda a: word_features(a, 2), 0.5),
        (lambda a: char_features(a, 2, 5), 0.5),
    ]
    if variant == "lemma_chars":
        fams = [(f, w * 2 / 3) for f, w in fams] + [
            (lambda a: char_wb_ngrams(a.lemmas, 2, 5), 1 / 3)
        ]
    elif variant == "raw_words":
        fams.append((lambda a: word_ngrams(list(a.words), 2), 0.3))
    return fams


def _sparse(fams: list[Family], tr: Sequence[Analyzed], te: Sequence[Analyzed]) -> tuple[Any, Any]:
    xs_tr, xs_te = [], []
    for f, w in fams:
        space = TfidfSpace().fit([f(a) for a in tr])
        xs_tr.append(space.transform([f(a) for a in tr]) * math.sqrt(w))
        xs_te.append(space.transform([f(a) for a in te]) * math.sqrt(w))
    return sp.hstack(xs_tr, format="csr"), sp.hstack(xs_te, format="csr")


def score_variant(
    variant: str,
    a_tr: Sequence[Analyzed],
    y_tr: Array,
    a_te: Sequence[Analyzed],
    e_tr: Array | None,
    e_te: Array | None,
    e2_tr: Array | None = None,
    e2_te: Array | None = None,
) -> Array:
    """Class scores (n_test, n_classes) of one variant; classes are 0..max(y_tr)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    x_tr, x_te = _sparse(_families(variant), a_tr, a_te)
    dense_tr: list[Array] = []
    dense_te: list[Array] = []
    if e_tr is not None and e_te is not None:
        if variant == "use_centred":
            mu = e_tr.mean(axis=0)
            e_tr, e_te = _unit(e_tr - mu), _unit(e_te - mu)
        if variant != "late_lr":
            dense_tr.append(e_tr * 1.25)
            dense_te.append(e_te * 1.25)
        if variant == "use_corrected" and e2_tr is not None and e2_te is not None:
            dense_tr.append(e2_tr)
            dense_te.append(e2_te)
    if dense_tr:
        x_tr = sp.hstack([x_tr, *map(sp.csr_matrix, dense_tr)], format="csr")
        x_te = sp.hstack([x_te, *map(sp.csr_matrix, dense_te)], format="csr")
    kw: dict[str, Any] = {"random_state": 0}
    if variant == "balanced":
        kw["class_weight"] = "balanced"
    if variant == "hinge":
        kw["loss"] = "hinge"
    cs = [0.3, 1.0, 3.0] if variant == "c_ensemble" else [1.0]
    z: Array = np.mean(
        [LinearSVC(C=c, **kw).fit(x_tr, y_tr).decision_function(x_te) for c in cs], axis=0
    )
    if variant == "late_lr" and e_tr is not None and e_te is not None:
        lr = LogisticRegression(C=10.0, max_iter=300).fit(e_tr, y_tr)
        z = z + lr.predict_log_proba(e_te)
    if variant == "knn" and e_tr is not None and e_te is not None:
        sims = e_te @ e_tr.T
        top = np.argpartition(-sims, 10, axis=1)[:, :10]
        votes = np.zeros_like(z)
        for r in range(len(z)):
            np.add.at(votes[r], y_tr[top[r]], np.exp(sims[r, top[r]] / 0.05))
        z = z + votes / votes.sum(axis=1, keepdims=True)
    return z


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    variants: Sequence[str],
    folds: int = 2,
    use: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Mean held-out top-1 accuracy per variant over the first ``folds`` of a 5-fold split."""
    raw = [Preprocessor.raw_words(t) for t in texts]
    pre = Preprocessor(SpellCorrector.from_texts(raw))
    analyzed = [pre.analyze(t) for t in texts]
    classes = sorted(set(labels))
    y = np.array([classes.index(c) for c in labels])
    emb = emb2 = None
    if use:
        from nlu.encoders import get_encoder

        enc = get_encoder("use", 1)
        emb = enc.encode(list(texts)).astype(np.float64)
        if "use_corrected" in variants:
            emb2 = enc.encode([a.normalized_text for a in analyzed]).astype(np.float64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    splits = np.array_split(order, 5)[:folds]
    out: dict[str, float] = {}
    for v in variants:
        t0 = time.perf_counter()
        accs = []
        for held in splits:
            keep = np.setdiff1d(order, held)
            z = score_variant(
                v,
                [analyzed[i] for i in keep],
                y[keep],
                [analyzed[i] for i in held],
                None if emb is None else emb[keep],
                None if emb is None else emb[held],
                None if emb2 is None else emb2[keep],
                None if emb2 is None else emb2[held],
            )
            accs.append(float((z.argmax(axis=1) == y[held]).mean()))
        out[v] = float(np.mean(accs))
        folds_txt = " ".join(f"{a:.4f}" for a in accs)
        log(f"{v:14s} cv acc {out[v]:.4f} ({folds_txt})  {time.perf_counter() - t0:.1f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("train", type=Path)
    ap.add_argument("--folds", type=int, default=2, choices=range(1, 6))
    ap.add_argument("--variants", nargs="+", default=VARIANTS, choices=VARIANTS)
    ap.add_argument("--no-use", action="store_true", help="sparse features only")
    args = ap.parse_args(argv)
    rows = [e for e in read_tsv(args.train) if e.intent != "oos"]
    cross_validate(
        [e.text for e in rows], [e.intent for e in rows], args.variants, args.folds, not args.no_use
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

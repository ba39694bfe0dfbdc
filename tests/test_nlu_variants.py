"""``bench/nlu_variants.py``: the cross-validation harness behind the hwu64 variant table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.nlu_variants import VARIANTS, cross_validate, main

TOPICS = {
    "delivery": ["доставка заказа курьером", "когда привезут заказ", "сроки доставки посылки"],
    "refund": ["вернуть деньги за товар", "оформить возврат покупки", "возврат средств на карту"],
    "password": ["забыл пароль от входа", "сбросить пароль аккаунта", "не помню пароль"],
}


def _rows() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for intent, phrases in TOPICS.items():
        for i in range(10):
            texts.append(f"{phrases[i % 3]} {'пожалуйста' if i % 2 else 'срочно'}")
            labels.append(intent)
    return texts, labels


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v not in ("late_lr", "knn")])
def test_sparse_variants_separate_distinct_topics(variant: str) -> None:
    texts, labels = _rows()
    lines: list[str] = []
    acc = cross_validate(texts, labels, [variant], folds=2, use=False, log=lines.append)
    assert acc[variant] == 1.0
    assert lines and lines[0].startswith(variant)


def test_shuffled_labels_are_not_learned() -> None:
    texts, labels = _rows()
    shuffled = [str(x) for x in np.random.default_rng(1).permutation(labels)]  # labels ⊥ texts
    acc = cross_validate(texts, shuffled, ["base"], folds=2, use=False, log=lambda _m: None)
    assert acc["base"] < 0.8


def test_cli_reads_tsv_and_skips_oos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts, labels = _rows()
    tsv = tmp_path / "train.tsv"
    lines = [f"{t}\t{lab}" for t, lab in zip(texts, labels, strict=True)]
    tsv.write_text("\n".join([*lines, "какая погода на марсе\toos"]) + "\n", encoding="utf-8")
    assert main([str(tsv), "--folds", "2", "--no-use", "--variants", "base", "balanced"]) == 0
    out = capsys.readouterr().out
    assert "base" in out and "balanced" in out

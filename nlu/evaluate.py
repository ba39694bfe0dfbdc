"""Offline evaluation: train on one split, measure quality, speed, size and memory on another.

The metrics mirror what matters in production: top-1 accuracy says whether the classifier knows
the intent at all; ``answered_correct`` says how often a customer gets the right answer straight
away at the configured thresholds (a clarification is not an answer); ``oos_recall`` says how often
an out-of-scope message is NOT answered.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nlu.api import Decision, Example, Prediction
from nlu.config import NLUConfig
from nlu.model import OOS_INTENT, IntentModel


@dataclass
class EvalReport:
    n_train: int
    n_test: int
    n_test_oos: int
    n_intents: int
    pipeline: str
    accuracy: float
    macro_f1: float
    answered_correct: float
    in_scope_answered: float
    answered_precision: float
    clarified: float
    oos_recall: float | None
    train_seconds: float
    cold_start_seconds: float
    latency_ms: dict[str, float]
    model_bytes: int
    peak_rss_mb: float
    predictions: list[tuple[str, str, str, float, str]] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("predictions")
        return d


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Macro F1 over the gold labels (a label never predicted scores 0)."""
    labels = sorted(set(gold))
    if not labels:
        return 0.0
    total = 0.0
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred, strict=True))
        total += 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return total / len(labels)


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        v = values[0] if values else 0.0
        return {"p50": v, "p95": v, "p99": v}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(q[49], 3), "p95": round(q[94], 3), "p99": round(q[98], 3)}


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def evaluate(
    train_examples: list[Example],
    test_rows: list[Example],
    config: NLUConfig,
    progress: bool = False,
) -> EvalReport:
    """Train, save, reload (timing the cold start), then predict the test rows one at a time."""
    say = _progress if progress else (lambda _msg: None)
    say(f"training on {len(train_examples)} examples ({config.pipeline}) …")
    t0 = time.perf_counter()
    model = IntentModel(config)
    model.fit(train_examples)
    train_seconds = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        model.save(path)
        model_bytes = path.stat().st_size
        t0 = time.perf_counter()
        model = IntentModel.load(path)
        model.warmup()
        cold_start = time.perf_counter() - t0
    for ex in test_rows[:20]:  # warm caches so latency is steady-state
        model.predict(ex.text)
    say(f"predicting {len(test_rows)} test rows …")
    latencies: list[float] = []
    preds: list[Prediction] = []
    for ex in test_rows:
        t = time.perf_counter()
        preds.append(model.predict(ex.text))
        latencies.append((time.perf_counter() - t) * 1000.0)

    gold_in: list[str] = []
    top_in: list[str] = []
    answered = answered_ok = clarified = oos_total = oos_rejected = 0
    rows: list[tuple[str, str, str, float, str]] = []
    for ex, p in zip(test_rows, preds, strict=True):
        rows.append((ex.text, ex.intent, p.intent or "", p.confidence, p.decision.value))
        if ex.intent == OOS_INTENT:
            oos_total += 1
            oos_rejected += p.decision != Decision.ANSWER
            continue
        gold_in.append(ex.intent)
        top_in.append(p.intent or "")
        clarified += p.decision == Decision.CLARIFY
        if p.decision == Decision.ANSWER:
            answered += 1
            answered_ok += p.intent == ex.intent
    n_in = max(len(gold_in), 1)
    return EvalReport(
        n_train=len(train_examples),
        n_test=len(test_rows),
        n_test_oos=oos_total,
        n_intents=len(model.intents),
        pipeline=config.pipeline if model.encoder_name or config.pipeline == "sparse" else "sparse",
        accuracy=round(sum(g == p for g, p in zip(gold_in, top_in, strict=True)) / n_in, 4),
        macro_f1=round(macro_f1(gold_in, top_in), 4),
        answered_correct=round(answered_ok / n_in, 4),
        in_scope_answered=round(answered / n_in, 4),
        answered_precision=round(answered_ok / answered, 4) if answered else 0.0,
        clarified=round(clarified / n_in, 4),
        oos_recall=round(oos_rejected / oos_total, 4) if oos_total else None,
        train_seconds=round(train_seconds, 3),
        cold_start_seconds=round(cold_start, 3),
        latency_ms=_percentiles(latencies),
        model_bytes=model_bytes,
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        predictions=rows,
    )

"""Train and evaluate Rasa 3.6 DIET on a TSV split with the same metrics as ``zabota nlu evaluate``.

Runs inside the Rasa venv made by ``setup.sh`` (Python 3.10), NOT the project venv::

    /work/rasa-venv/bin/python bench/rasa/run_rasa.py --train T.tsv --test T.tsv --out r.json

TRAIN rows labelled ``oos`` become an ``out_of_scope`` intent (the usual Rasa practice); a
message is "answered" when Rasa's top intent is neither ``nlu_fallback`` nor ``out_of_scope``.
Top-1 accuracy ignores the fallback: it is the best in-scope intent of ``intent_ranking``.
With ``--rows FILE`` per-row predictions (gold, best in-scope intent, confidence, answered) are
written for threshold sweeps; keep that file out of the repo (it contains the test texts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

CONFIG = """\
recipe: default.v1
language: ru
assistant_id: zabota-bench
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies: []
"""

OOS_INTENT = "out_of_scope"
FALLBACK = "nlu_fallback"


def read_tsv(path: Path) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            sys.exit(f"{path}:{n}: expected text<TAB>label")
        rows.append((parts[0].strip(), parts[1].strip()))
    return rows


def to_rasa_yaml(rows: list[tuple[str, str]]) -> str:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, label in rows:
        by_intent[OOS_INTENT if label == "oos" else label].append(text)
    out = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        out.append(f"- intent: {intent}")
        out.append("  examples: |")
        # Rasa reads entity annotations from [..](..); neutralise brackets in raw text.
        out.extend("    - " + t.replace("[", "(").replace("]", ")") for t in texts)
    return "\n".join(out) + "\n"


def macro_f1(gold: list[str], pred: list[str]) -> float:
    labels = sorted(set(gold))
    f1s = []
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=Path, required=True)
    ap.add_argument("--test", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows", type=Path, default=None, help="per-row predictions (JSON lines)")
    args = ap.parse_args()

    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    train_rows, test_rows = read_tsv(args.train), read_tsv(args.test)
    work = Path(tempfile.mkdtemp(prefix="rasa-bench-"))
    (work / "nlu.yml").write_text(to_rasa_yaml(train_rows), encoding="utf-8")
    (work / "config.yml").write_text(CONFIG, encoding="utf-8")
    print(f"training Rasa on {len(train_rows)} rows in {work}", file=sys.stderr)
    t0 = time.perf_counter()
    model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "models"))
    train_seconds = time.perf_counter() - t0
    assert model is not None, "Rasa training produced no model"

    t0 = time.perf_counter()
    agent = Agent.load(model)
    cold_start = time.perf_counter() - t0

    async def parse_all() -> tuple[list[dict[str, object]], list[float]]:
        for text, _ in test_rows[:10]:  # warm-up
            await agent.parse_message(text)
        results, lat = [], []
        for text, _ in test_rows:
            t = time.perf_counter()
            results.append(await agent.parse_message(text))
            lat.append((time.perf_counter() - t) * 1000)
        return results, lat

    results, lat = asyncio.run(parse_all())
    rows_out = []
    gold_in, pred_in = [], []
    answered_correct = in_answered = oos_total = oos_rejected = 0
    for (text, gold), res in zip(test_rows, results, strict=True):
        top = res["intent"]["name"]  # type: ignore[index]
        ranking = [r for r in res["intent_ranking"] if r["name"] not in (FALLBACK, OOS_INTENT)]  # type: ignore[index, union-attr]
        best = ranking[0]["name"] if ranking else ""
        conf = float(ranking[0]["confidence"]) if ranking else 0.0
        answered = top not in (FALLBACK, OOS_INTENT)
        rows_out.append(
            {
                "text": text,
                "gold": gold,
                "best": best,
                "confidence": conf,
                "answered": answered,
                "raw": top,
            }
        )
        if gold == "oos":
            oos_total += 1
            oos_rejected += not answered
        else:
            gold_in.append(gold)
            pred_in.append(best)
            if answered:
                in_answered += 1
                answered_correct += top == gold
    n_in = len(gold_in)
    q = statistics.quantiles(lat, n=100)
    report = {
        "system": "rasa-3.6.21-diet",
        "n_train": len(train_rows),
        "n_test": len(test_rows),
        "accuracy": sum(g == p for g, p in zip(gold_in, pred_in, strict=True)) / n_in,
        "macro_f1": macro_f1(gold_in, pred_in),
        "answered_correct": answered_correct / n_in,
        "in_scope_answered": in_answered / n_in,
        "oos_recall": oos_rejected / oos_total if oos_total else None,
        "train_seconds": train_seconds,
        "cold_start_seconds": cold_start,
        "latency_ms": {"p50": q[49], "p95": q[94], "p99": q[98]},
        "model_bytes": os.path.getsize(model),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.rows is not None:  # holds test texts: keep it outside the repo (evaldata licence)
        args.rows.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows_out), encoding="utf-8"
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark the NLU on the shared evaldata sets and compare with Rasa DIET.

Usage (from the repo root, project venv active)::

    python bench/nlu_compare.py [--evaldata ../shared/evaldata] [--pipelines sparse sparse+use]

Each (dataset, pipeline) runs ``python -m nlu.cli nlu evaluate --json`` in its own process (so
peak RSS is per run), then a fresh process measures cold start (import + load + first
prediction). Rasa figures are read from ``bench/results/rasa_<set>.json`` written by
``bench/rasa/run_all.sh`` (run separately: it needs a 2.7 GB venv). Where both have out-of-scope
rows, ours is also scored at the threshold that matches Rasa's out-of-scope recall.
Writes ``bench/results/nlu.json`` and the table between the markers in ``docs/nlu.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
DOC = REPO / "docs" / "nlu.md"
SETS = ["clinc150_ru_mt", "hwu64_ru_mt"]
BEGIN, END = "<!-- nlu-bench:begin -->", "<!-- nlu-bench:end -->"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

COLD_START = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from nlu import load_model
m = load_model(Path(sys.argv[1]))
m.predict("где мой заказ 123456")
import resource
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

TRAIN_SAVE = """
import sys
from pathlib import Path
from nlu import NLUConfig, build_model
from nlu.datasets import read_tsv
m = build_model(NLUConfig(pipeline=sys.argv[3]))
m.fit(read_tsv(Path(sys.argv[1])))
m.save(Path(sys.argv[2]))
"""


def run_eval(train: Path, test: Path, pipeline: str, work: Path) -> dict[str, Any]:
    cfg = work / f"config-{pipeline}.yml"
    cfg.write_text(f"nlu:\n  pipeline: {pipeline}\n", encoding="utf-8")
    preds = work / f"pred-{train.parent.name}-{pipeline}.tsv"
    cmd = [
        sys.executable,
        "-m",
        "nlu.cli",
        "nlu",
        "evaluate",
        "--train",
        str(train),
        "--test",
        str(test),
        "--config",
        str(cfg),
        "--json",
        "--predictions",
        str(preds),
    ]
    out = subprocess.run(cmd, cwd=REPO, env=ENV, capture_output=True, text=True, check=True)
    report: dict[str, Any] = json.loads(out.stdout)
    report["command"] = " ".join(["zabota", *cmd[3:]]).replace(str(work) + "/", "")
    report["_predictions"] = str(preds)
    model = work / f"model-{pipeline}.npz"
    subprocess.run(
        [sys.executable, "-c", TRAIN_SAVE, str(train), str(model), pipeline],
        cwd=REPO,
        env=ENV,
        check=True,
    )
    starts, rss = [], []
    for _ in range(3):
        r = subprocess.run(
            [sys.executable, "-c", COLD_START, str(model)],
            cwd=REPO,
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, mb = r.stdout.split()
        starts.append(float(seconds))
        rss.append(float(mb))
    report["cold_start_process_seconds"] = round(min(starts), 3)
    report["serving_rss_mb"] = round(max(rss), 1)
    return report


def at_matched_oos(pred_file: Path, target_oos_recall: float) -> dict[str, float]:
    """answered_correct of ours when the confidence threshold gives ≥ the target oos recall."""
    rows = [line.split("\t") for line in pred_file.read_text(encoding="utf-8").splitlines()]
    ins = [(r[1], r[2], float(r[3])) for r in rows if r[1] != "oos"]
    oos = [float(r[3]) for r in rows if r[1] == "oos"]
    best = {"threshold": 1.0, "answered_correct": 0.0, "oos_recall": 1.0}
    for t in sorted({c for _, _, c in ins} | {c for c in oos}):
        rec = sum(c < t for c in oos) / len(oos)
        if rec + 1e-9 < target_oos_recall:
            continue
        ac = sum(g == p and c >= t for g, p, c in ins) / len(ins)
        if ac > best["answered_correct"]:
            best = {
                "threshold": round(t, 4),
                "answered_correct": round(ac, 4),
                "oos_recall": round(rec, 4),
            }
    return best


def fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if v < 10 else f"{v:.1f}"
    return str(v)


def table(results: dict[str, Any]) -> str:
    head = (
        "| set | system | accuracy | macro F1 | answered correct | oos recall | "
        "train s | p50/p95/p99 ms | model MB | peak RSS MB (eval / serving) | cold start s |"
    )
    lines = [head, "|" + "---|" * 11]
    for ds in SETS:
        for name, r in results.get(ds, {}).items():
            if not isinstance(r, dict) or "accuracy" not in r:
                continue
            lat = r["latency_ms"]
            cold = r.get("cold_start_process_seconds", r.get("cold_start_seconds"))
            lines.append(
                f"| {ds} | {name} | {fmt(r['accuracy'])} | {fmt(r['macro_f1'])} | "
                f"{fmt(r['answered_correct'])} | {fmt(r['oos_recall'])} | "
                f"{fmt(r['train_seconds'])} | {lat['p50']:.1f}/{lat['p95']:.1f}/{lat['p99']:.1f} | "
                f"{r['model_bytes'] / 1e6:.1f} | {fmt(r['peak_rss_mb'])} / "
                f"{fmt(r.get('serving_rss_mb'))} | {fmt(cold)} |"
            )
            if "at_rasa_oos_recall" in r:
                m = r["at_rasa_oos_recall"]
                lines.append(
                    f"| {ds} | {name} @ Rasa's oos recall (t={m['threshold']}) | | | "
                    f"{fmt(m['answered_correct'])} | {fmt(m['oos_recall'])} | | | | | |"
                )
    return "\n".join(lines)


def update_doc(md: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    pre, rest = text.split(BEGIN, 1)
    _, post = rest.split(END, 1)
    DOC.write_text(f"{pre}{BEGIN}\n{md}\n{END}{post}", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--evaldata", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--pipelines", nargs="+", default=["sparse", "sparse+use"])
    ap.add_argument("--sets", nargs="+", default=SETS)
    args = ap.parse_args()
    results: dict[str, Any] = {
        "generated": time.strftime("%Y-%m-%d %H:%M"),
        "host_cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for ds in args.sets:
            results[ds] = {}
            rasa_file = RESULTS / f"rasa_{ds}.json"
            rasa = json.loads(rasa_file.read_text()) if rasa_file.exists() else None
            for pipeline in args.pipelines:
                print(f"{ds} / {pipeline} …", file=sys.stderr, flush=True)
                r = run_eval(
                    args.evaldata / ds / "train.tsv",
                    args.evaldata / ds / "test.tsv",
                    pipeline,
                    work,
                )
                pred = Path(r.pop("_predictions"))
                if rasa and rasa.get("oos_recall") is not None and r.get("oos_recall") is not None:
                    r["at_rasa_oos_recall"] = at_matched_oos(pred, rasa["oos_recall"])
                results[ds][f"zabota {pipeline}"] = r
            if rasa:
                results[ds]["rasa 3.6.21 DIET"] = rasa
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md = table(results)
    update_doc(md)
    print(md)


if __name__ == "__main__":
    main()

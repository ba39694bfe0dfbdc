"""``zabota nlu …`` commands. ``bot/cli.py`` calls :func:`register` on its subparsers.

BLAS threads: on a 2-core host OpenBLAS/OMP default to one thread per core *per process*, which
oversubscribes the CPU next to the web server. We set the env defaults here (effective only if
numpy is not imported yet) and also cap the pools with threadpoolctl at run time.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from pydantic import ValidationError  # noqa: E402

EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    nlu = subparsers.add_parser("nlu", help="NLU tools (evaluation)")
    sub = nlu.add_subparsers(dest="nlu_command", required=True)
    ev = sub.add_parser(
        "evaluate",
        help="train on TRAIN, evaluate on TEST",
        description="Train on TRAIN (TSV text<TAB>label, knowledge-base dir/YAML or Rasa NLU "
        "yml) and evaluate on TEST (TSV; label 'oos' = out of scope).",
    )
    ev.add_argument("--train", required=True, type=Path)
    ev.add_argument("--test", required=True, type=Path)
    ev.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config.yml whose 'nlu:' section is used (default: ./config.yml if present)",
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    ev.add_argument(
        "--predictions",
        type=Path,
        default=None,
        help="write text<TAB>gold<TAB>predicted<TAB>confidence<TAB>decision rows",
    )
    ev.set_defaults(func=cmd_evaluate)


def _fail(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return EXIT_USAGE


def cmd_evaluate(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from nlu.config import NLUConfig
    from nlu.datasets import read_training_data, read_tsv
    from nlu.evaluate import evaluate
    from nlu.rasa_io import DataError

    try:
        cfg_path: Path | None = args.config
        if cfg_path is None and Path("config.yml").is_file():
            cfg_path = Path("config.yml")
        if cfg_path is not None and not cfg_path.is_file():
            return _fail(f"{cfg_path}: config file not found")
        config = NLUConfig.from_yaml(cfg_path) if cfg_path else NLUConfig()
    except (ValidationError, ValueError) as exc:
        return _fail(f"{cfg_path}: invalid nlu config: {exc}")
    try:
        train = read_training_data(args.train, config.use_kb_titles, config.use_kb_answers)
        test = read_tsv(args.test)
    except DataError as exc:
        return _fail(str(exc))
    if not train:
        return _fail(f"{args.train}: no training examples")
    if not test:
        return _fail(f"{args.test}: no test rows")
    with threadpool_limits(limits=config.threads):
        try:
            report = evaluate(train, test, config, progress=True)
        except ValueError as exc:
            return _fail(str(exc))
    if args.predictions is not None:
        with args.predictions.open("w", encoding="utf-8") as fh:
            for text, gold, pred, conf, decision in report.predictions:
                fh.write(f"{text}\t{gold}\t{pred}\t{conf:.4f}\t{decision}\n")
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(format_report(report.to_json()))
    return 0


def format_report(r: dict[str, object]) -> str:
    lat = r["latency_ms"]
    assert isinstance(lat, dict)
    rows = [
        ("pipeline", r["pipeline"]),
        ("train / test rows", f"{r['n_train']} / {r['n_test']} ({r['n_test_oos']} oos)"),
        ("intents", r["n_intents"]),
        ("accuracy (top-1, in scope)", r["accuracy"]),
        ("macro F1", r["macro_f1"]),
        ("answered correctly", r["answered_correct"]),
        ("in scope answered", r["in_scope_answered"]),
        ("precision of answers", r["answered_precision"]),
        ("clarified", r["clarified"]),
        ("oos recall", r["oos_recall"] if r["oos_recall"] is not None else "n/a"),
        ("train seconds", r["train_seconds"]),
        ("cold start seconds", r["cold_start_seconds"]),
        ("latency ms p50/p95/p99", f"{lat['p50']} / {lat['p95']} / {lat['p99']}"),
        ("model bytes", r["model_bytes"]),
        ("peak RSS MB", r["peak_rss_mb"]),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m nlu.cli nlu evaluate …``) mirroring ``zabota``."""
    parser = argparse.ArgumentParser(prog="zabota")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""A question wrapped in courtesy: «Здравствуйте! Подскажите, пожалуйста, …» (docs/nlu.md)

    python -m bench.polite_prefixes        # → bench/results/polite_prefixes.json

The demo held-out set (``tests/data/demo_heldout.tsv``, never trained on) is read as written and
with each wrapper below around every message, by the demo model trained twice: with
``strip_courtesy`` (the default, :mod:`nlu.courtesy`) and without it. Reported per wrapper:
top-1 and answered-correct over the in-scope rows, and the out-of-scope rows not answered.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "demo_heldout.tsv"

# (before, after): what customers put around a question
WRAPPERS = (
    ("", ""),
    ("подскажите пожалуйста ", ""),
    ("Здравствуйте! ", ""),
    ("добрый день, подскажите, ", ""),
    ("скажите пожалуйста, ", ""),
    ("извините, а ", ""),
    ("привет. у меня вопрос: ", ""),
    ("", ", заранее спасибо!"),
    ("Добрый вечер! ", " пожалуйста"),
    ("Уважаемая поддержка, ", ""),
    ("Извините за беспокойство. ", ""),
)


def score(model: Any, rows: list[Any], before: str, after: str) -> dict[str, float]:
    from nlu.api import Decision
    from nlu.model import OOS_INTENT

    inside = [r for r in rows if r.intent != OOS_INTENT]
    outside = [r for r in rows if r.intent == OOS_INTENT]
    read_in = model.predict_many([before + r.text + after for r in inside])
    read_out = model.predict_many([before + r.text + after for r in outside])
    top1 = sum(p.ranking[0].intent == r.intent for p, r in zip(read_in, inside, strict=True))
    answered = sum(
        p.decision is Decision.ANSWER and p.intent == r.intent
        for p, r in zip(read_in, inside, strict=True)
    )
    rejected = sum(p.decision is not Decision.ANSWER for p in read_out)
    return {
        "accuracy": round(top1 / len(inside), 3),
        "answered_correct": round(answered / len(inside), 3),
        "oos_recall": round(rejected / len(outside), 3) if outside else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "polite_prefixes.json"
    )
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from bot.project import load_project, train
    from nlu.datasets import read_tsv

    threadpool_limits(limits=1)
    project = load_project(ROOT)
    rows = list(read_tsv(args.data))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for strip in (True, False):
        nlu = {**project.config.nlu, "strip_courtesy": strip}
        config = project.config.model_copy(update={"nlu": nlu})
        model, _, _ = train(dataclasses.replace(project, config=config))
        name = f"strip_courtesy={str(strip).lower()}"
        results[name] = {}
        for before, after in WRAPPERS:
            wrapper = f"{before}…{after}"
            results[name][wrapper] = score(model, rows, before, after)
            print(f"{name:22} {wrapper!r:36} {results[name][wrapper]}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"rows": len(rows), "results": results}, ensure_ascii=False, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

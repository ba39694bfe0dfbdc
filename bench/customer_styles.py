"""The same questions as customers type them: wrapped in courtesy, with typos (docs/nlu.md)

    python -m bench.customer_styles        # → bench/results/customer_styles.json
    python -m bench.customer_styles --style "two typos" --style "one glued pair"   # just those

The demo held-out set (``tests/data/demo_heldout.tsv``, never trained on) is read as written and
in each style below — wrapped in a greeting or a polite request, with one or two typos per
message (a seeded swap, drop or doubling of a letter in a word of at least five), or with two
neighbouring words glued together — by the demo model trained four ways: the default, without
``strip_courtesy`` (:mod:`nlu.courtesy`), without ``encoder_spelling`` (the sentence encoder
reads the typos) and without ``split_glued`` (the corrector leaves «мойзаказ» whole). Reported
per style: top-1 and answered-correct over the in-scope rows, and the out-of-scope rows not
answered.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections.abc import Callable
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
VARIANTS = {"default": {}, "strip_courtesy=false": {"strip_courtesy": False}}
VARIANTS["encoder_spelling=false"] = {"encoder_spelling": False}
VARIANTS["split_glued=false"] = {"split_glued": False}


def typo(text: str, rng: random.Random) -> str:
    """One typo in a word of at least five letters: two letters swapped, one dropped or
    doubled (the kinds a phone keyboard makes)."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5]
    if not long:
        return text
    i = rng.choice(long)
    w, j = words[i], rng.randrange(1, len(words[i]) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 1:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def glued(text: str, rng: random.Random) -> str:
    """Two neighbouring words typed without the space between them («мойзаказ»)."""
    words = text.split()
    if len(words) < 2:
        return text
    i = rng.randrange(len(words) - 1)
    return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])


def styles() -> dict[str, Callable[[str, random.Random], str]]:
    out: dict[str, Callable[[str, random.Random], str]] = {}
    for before, after in WRAPPERS:
        out[f"{before}…{after}"] = lambda t, _r, b=before, a=after: b + t + a
    out["one typo"] = typo
    out["two typos"] = lambda t, r: typo(typo(t, r), r)
    out["one glued pair"] = glued
    return out


def score(
    model: Any, rows: list[Any], style: Callable[[str, random.Random], str]
) -> dict[str, float]:
    from nlu.api import Decision
    from nlu.model import OOS_INTENT

    rng = random.Random(0)
    texts = [style(r.text, rng) for r in rows]
    read = model.predict_many(texts)
    inside = [(p, r) for p, r in zip(read, rows, strict=True) if r.intent != OOS_INTENT]
    outside = [p for p, r in zip(read, rows, strict=True) if r.intent == OOS_INTENT]
    top1 = sum(p.ranking[0].intent == r.intent for p, r in inside)
    answered = sum(p.decision is Decision.ANSWER and p.intent == r.intent for p, r in inside)
    rejected = sum(p.decision is not Decision.ANSWER for p in outside)
    return {
        "accuracy": round(top1 / len(inside), 3),
        "answered_correct": round(answered / len(inside), 3),
        "oos_recall": round(rejected / len(outside), 3) if outside else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "customer_styles.json"
    )
    parser.add_argument(
        "--style",
        action="append",
        choices=list(styles()),
        help="read the questions in this style only (repeatable; default: every style)",
    )
    args = parser.parse_args(argv)
    chosen = {name: make for name, make in styles().items() if name in (args.style or styles())}

    from threadpoolctl import threadpool_limits

    from bot.project import load_project, train
    from nlu.datasets import read_tsv

    threadpool_limits(limits=1)
    project = load_project(ROOT)
    rows = list(read_tsv(args.data))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, change in VARIANTS.items():
        config = project.config.model_copy(update={"nlu": {**project.config.nlu, **change}})
        model, _, _ = train(dataclasses.replace(project, config=config))
        results[name] = {}
        for style, make in chosen.items():
            results[name][style] = score(model, rows, make)
            print(f"{name:22} {style!r:36} {results[name][style]}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"rows": len(rows), "results": results}, ensure_ascii=False, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Follow-up questions: «сколько стоит доставка» — «а за 2 часа?». Does context help? (docs/nlu.md)

    python -m bench.followups            # → bench/results/followups.json

``tests/data/demo_followups.tsv``: a first question the bot answers, an elliptic follow-up, and
the entry the follow-up means (``-``: no FAQ entry; the bot must not answer one), written by us
and never trained on. Each follow-up is read the way the dialogue reads it today (alone), and
two context-aware alternatives are scored beside it:

* *re-read*: a follow-up the NLU did not answer is read again glued to the first question; the
  new reading is taken if it is an answer and not the first question's entry again;
* *category bonus b*: an elliptic follow-up («а …», «и …», at most six words) gets ``b`` added
  to the scores of the entries in the first answer's category, and the decision is taken again
  with the configured thresholds; a fragment that swaps a detail («а на телек?») is read
  again after the first answer's title when the bonus does not settle it (bot/followup.py).

Reported for the follow-ups with an entry: answered right, answered wrong, asked to clarify,
not understood; for the others: answered with an FAQ entry (wrong by definition).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "demo_followups.tsv"


def read_pairs(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            first, follow, gold = line.split("\t")
            rows.append((first, follow, gold))
    return rows


def reading(
    project: Any, model: Any, first: str, follow: str, variant: str
) -> tuple[str | None, str]:
    from bot.followup import remember, reread, substituted
    from bot.storage.models import utcnow
    from nlu.api import Decision

    kb = project.kb
    alone = model.predict(follow)
    result = (
        (alone.intent, "answer")
        if alone.decision is Decision.ANSWER
        else (None, alone.decision.value)
    )
    before = model.predict(first)
    prev = before.intent if before.decision is Decision.ANSWER and before.intent in kb else None
    if prev is None or variant == "alone":
        return result
    if variant == "re-read":  # an alternative, not shipped
        if alone.decision is Decision.ANSWER:
            return result
        again = model.predict(f"{first} {follow}")
        if again.decision is Decision.ANSWER and again.intent != prev:
            return again.intent, "answer"
        return result
    # What the bot does (bot/followup.py), with this variant's bonus.
    config = project.config.model_copy(deep=True)
    config.policy.followup_category_bonus = float(variant.split()[-1])
    now = utcnow()
    context = remember(None, prev, now)
    glued = substituted(alone, follow, context, kb, config, now)  # «а на телек?»
    together = model.predict(glued) if glued else None
    found = reread(alone, follow, context, kb, config, now, together)
    return (found.intent, "answer") if found is not None else result


def evaluate(
    project: Any, model: Any, rows: list[tuple[str, str, str]], variant: str
) -> dict[str, Any]:
    kb = project.kb
    counts: Counter[str] = Counter()
    for first, follow, gold in rows:
        intent, decision = reading(project, model, first, follow, variant)
        if gold == "-":
            counts["others"] += 1
            counts["others_answered_faq"] += int(decision == "answer" and intent in kb)
        else:
            counts["follow_ups"] += 1
            if decision == "answer":
                counts["right" if intent == gold else "wrong"] += 1
            else:
                counts[decision] += 1
    return dict(counts)


VARIANTS = ("alone", "re-read", "category bonus 0.1", "category bonus 0.2", "category bonus 0.3")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "followups.json")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from bot.project import load_project, train

    threadpool_limits(limits=1)
    project = load_project(ROOT)
    model, _, _ = train(project)
    rows = read_pairs(args.data)
    results = {v: evaluate(project, model, rows, v) for v in VARIANTS}
    for variant, counts in results.items():
        print(f"{variant:>20}: {counts}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": len(rows), "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Several questions in one message: does the demo bot answer each of them? (docs/nlu.md)

    python -m bench.multi_question            # → bench/results/multi_question.json

Built from the demo held-out set (``tests/data/demo_heldout.tsv``, never trained on): every
in-scope message whose intent is an FAQ entry is paired with one of a different entry (seeded),
and the two are joined the ways customers join them («? », «. », « и ещё », «, а также »,
a new line, a bare « и », a bare comma, a bare « а »). What the bot answers is decided exactly
as in the dialogue: the FAQ entries :func:`bot.readings.several_questions` picks, or else the
message's own intent if it is answered.

Reported per joiner: *both* = both questions answered; *one* = exactly one of them (and
*one_and_the_other_offered*: of those, the other question asked about with its entry among the
buttons, :func:`bot.readings.unclear_part`); *wrong* = an answer to neither; and, on the
held-out messages as they are (one question each), how often the bot gives more than one answer
(*spurious*), and with ``split_questions`` off for comparison.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JOINERS = {"question mark": "? ", "full stop": ". ", "и ещё": " и ещё ", "а также": ", а также "}
JOINERS["new line"] = "\n"
JOINERS["и"] = " и "  # split only before a question word («… и можно ли …», nlu/segments.py)
JOINERS["comma"] = ", "  # split only where both pieces ask and are understood (split_loosely)
JOINERS["а"] = " а "


def answers(prediction: Any, kb: Any, limit: int) -> list[str]:
    from bot.readings import several_questions
    from nlu.api import Decision

    several = several_questions(prediction, kb, limit)
    if several:
        return several
    if prediction.decision is Decision.ANSWER and prediction.intent in kb:
        return [prediction.intent]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "multi_question.json"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from bot.project import load_project, train
    from bot.readings import unclear_part
    from nlu import NLUConfig, build_model
    from nlu.datasets import read_tsv

    threadpool_limits(limits=1)
    project = load_project(ROOT)
    kb = project.kb
    limit = project.config.policy.max_answers_per_message
    options = project.config.policy.clarify_max_options
    floor = NLUConfig.model_validate(project.config.nlu).clarify_threshold  # as the dialogue
    model, _, _ = train(project)
    rows = [e for e in read_tsv(ROOT / "tests" / "data" / "demo_heldout.tsv") if e.intent in kb]
    rng = random.Random(args.seed)
    pairs = []
    for first in rows:
        second = rng.choice([r for r in rows if r.intent != first.intent])
        pairs.append((first, second))

    result: dict[str, Any] = {"pairs": len(pairs), "limit": limit, "joiners": {}}
    for name, joiner in JOINERS.items():
        texts = [a.text.rstrip("?. ") + joiner + b.text for a, b in pairs]
        both = one = asked = wrong = 0
        for (a, b), p in zip(pairs, model.predict_many(texts), strict=True):
            answered = answers(p, kb, limit)
            got = set(answered)
            both += {a.intent, b.intent} <= got
            one += len({a.intent, b.intent} & got) == 1
            wrong += bool(got - {a.intent, b.intent})
            if len({a.intent, b.intent} & got) == 1:  # the other offered among the buttons?
                unclear = unclear_part(p, kb, answered, options, floor)
                asked += unclear is not None and bool({a.intent, b.intent} & set(unclear[1]))
        result["joiners"][name] = {
            "both": round(both / len(pairs), 3),
            "one": round(one / len(pairs), 3),
            "one_and_the_other_offered": round(asked / len(pairs), 3),
            "with_a_wrong_answer": round(wrong / len(pairs), 3),
        }
        print(name, result["joiners"][name], flush=True)

    singles = [e.text for e in rows]
    plain = build_model(project.nlu_config.model_copy(update={"split_questions": False}))
    plain.fit(project.training_examples())
    for key, m in (("split_questions", model), ("without_split", plain)):
        got = [answers(p, kb, limit) for p in m.predict_many(singles)]
        result[f"single_questions[{key}]"] = {
            "more_than_one_answer": round(sum(len(g) > 1 for g in got) / len(rows), 3),
            "answered_correct": round(
                sum(g == [e.intent] for g, e in zip(got, rows, strict=True)) / len(rows), 3
            ),
        }
        print(key, result[f"single_questions[{key}]"], flush=True)
    pair_texts = [a.text.rstrip("?. ") + "? " + b.text for a, b in pairs]
    both = sum(
        {a.intent, b.intent} <= set(answers(p, kb, limit))
        for (a, b), p in zip(pairs, plain.predict_many(pair_texts), strict=True)
    )
    result["without_split_both[question mark]"] = round(both / len(pairs), 3)
    print("without split, question mark: both", result["without_split_both[question mark]"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

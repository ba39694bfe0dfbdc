"""``zabota gate``: the regression gate's reference (:mod:`bot.regression`, docs/editor.md).

    zabota gate show      # the reference's accuracy on the regression set, and today's bot's
    zabota gate accept    # take today's bot as the reference (a drop made on purpose)

The gate refuses a change that would put the bot more than ``regression_tolerance`` below its
best accepted result. When a drop is intended — questions moved between entries, an entry
retired, labels in the regression set fixed — an administrator accepts today's level, and
the editors' next changes are measured against it. The running bot reads the reference at
each reload, so no restart is needed. Exit codes: 0 done, 2 no regression set / bad content.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2


def register(sub: Any) -> None:
    gate = sub.add_parser("gate", help="the regression gate's reference (show, accept)")
    gate_sub = gate.add_subparsers(dest="gate_command", required=True, metavar="ACTION")
    gate_sub.add_parser(
        "show", help="the reference's accuracy on the regression set, and the bot's today"
    ).set_defaults(func=cmd_gate_show)
    gate_sub.add_parser(
        "accept", help="take the bot as it is today as the reference (a drop made on purpose)"
    ).set_defaults(func=cmd_gate_accept)


def _today(args: argparse.Namespace) -> tuple[Any, list[tuple[str, str]], list[bool]] | None:
    from bot.project import load_project, train
    from bot.regression import answered
    from bot.reload import read_regression_set

    project = load_project(args.project)
    if not project.config.regression_set:
        print(
            "error: config.yml names no regression_set: the gate has no reference", file=sys.stderr
        )
        return None
    model, _, _ = train(project)
    known = {*model.intents, "oos"}
    rows = [
        row
        for row in read_regression_set(project.root / project.config.regression_set)
        if row[1] in known and row[1] != "oos"
    ]
    return project, rows, answered(model, rows)


def cmd_gate_show(args: argparse.Namespace) -> int:
    from bot.regression import BASELINE_FILE, load_baseline, share

    found = _today(args)
    if found is None:
        return EXIT_USAGE
    project, rows, results = found
    name = project.config.regression_set
    print(f"today: {share(results):.3f} on {len(rows)} in-scope rows of {name}")
    baseline = load_baseline(project.root)
    reference = baseline.accuracy(rows) if baseline is not None else None
    if reference is None:
        print(f"reference: none recorded for all rows ({BASELINE_FILE}); today's bot is it")
    else:
        limit = reference - project.config.regression_tolerance
        print(f"reference: {reference:.3f}; a change below {limit:.3f} is refused")
    return EXIT_OK


def cmd_gate_accept(args: argparse.Namespace) -> int:
    from bot.regression import BASELINE_FILE, Baseline, key, save_baseline, share

    found = _today(args)
    if found is None:
        return EXIT_USAGE
    project, rows, results = found
    record = Baseline(
        {key(text, label): ok for (text, label), ok in zip(rows, results, strict=True)}
    )
    save_baseline(project.root, record, share(results))
    print(f"reference is today's bot: {share(results):.3f} on {len(rows)} rows ({BASELINE_FILE})")
    return EXIT_OK

"""Keeps the benchmarks from rotting: a few messages through each.

The benchmarks themselves (``python -m bench.webhook_load``, ``python -m bench.cost_per_message``)
are not part of the test suite.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.webhook_load import faq_questions, main


def test_webhook_load_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "webhook_load.json"
    code = main(
        [
            "--db",
            "sqlite",
            "--rates",
            "5",
            "--duration",
            "2",
            "--warmup",
            "0",
            "--pause",
            "0",
            "--chats",
            "10",
            "--drain-timeout",
            "20",
            "--out",
            str(out),
        ]
    )
    result = json.loads(out.read_text())
    run = result["runs"][0]
    assert code == 0
    assert run["messages"] == 10
    assert run["replies"] == 10 and run["lost"] == 0 and run["duplicated"] == 0
    assert run["db"]["outbox_by_status"] == {"sent": 10}
    assert run["db"]["chats_where_outbox_sent_rows_differ"] == 0
    step = run["steps"][0]
    assert step["answered"] == 10 and step["latency_ms"]["p99"] is not None
    assert (tmp_path / "webhook_load.md").exists()


def test_webhook_floor_benchmark_runs(tmp_path: Path) -> None:
    """``--db none``: the adapter alone answers every update, and nothing is lost."""
    out = tmp_path / "floor.json"
    args = "--db none --rates 5 --duration 2 --warmup 0 --pause 0 --chats 10 --drain-timeout 20"
    code = main([*args.split(), "--out", str(out)])
    run = json.loads(out.read_text())["runs"][0]
    assert code == 0
    assert run["messages"] == 10 and run["replies"] == 10
    assert run["lost"] == 0 and run["duplicated"] == 0
    assert run["steps"][0]["answered"] == 10
    assert "postgres" not in run["steps"][0]["cpu_percent"]


def test_cost_per_message_benchmark_runs(tmp_path: Path) -> None:
    from bench import cost_per_message

    out = tmp_path / "cost.json"
    cost_per_message.main(["--db", "sqlite", "-n", "5", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["n"] == 5
    for step in ("nlu_predict_ms[sparse+use]", "telegram_send_ms", "webhook_in_ms"):
        assert result[step] > 0
    assert result["bot_cpu_per_message_ms[sqlite]"] > result["nlu_predict_ms[sparse+use]"]


def test_the_load_uses_every_answerable_faq_question() -> None:
    """Hundreds of distinct questions, not a handful (a shadowed ``limit`` once gave 3)."""
    questions = faq_questions()
    assert len(questions) > 300 and len(set(questions)) == len(questions)
    assert faq_questions(5) == questions[:5]


def test_followups_benchmark_runs(tmp_path: Path) -> None:
    from bench.followups import VARIANTS
    from bench.followups import main as followups

    out = tmp_path / "followups.json"
    assert followups(["--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["rows"] == 38 and set(result["results"]) == set(VARIANTS)
    alone, shipped = result["results"]["alone"], result["results"]["category bonus 0.2"]
    assert alone["follow_ups"] == shipped["follow_ups"] == 30


def test_customer_styles_benchmark_runs(tmp_path: Path) -> None:
    from bench.customer_styles import VARIANTS, styles
    from bench.customer_styles import main as customer_styles

    out = tmp_path / "styles.json"
    # the three styles the options are for (the whole benchmark reads all 14: 4 × longer)
    asked, typos, glued = "подскажите пожалуйста …", "two typos", "one glued pair"
    assert {asked, typos, glued} <= set(styles())
    chosen = [arg for style in (asked, typos, glued) for arg in ("--style", style)]
    assert customer_styles(["--out", str(out), *chosen]) == 0
    result = json.loads(out.read_text())["results"]
    assert set(result) == set(VARIANTS)
    assert all(set(by_style) == {asked, typos, glued} for by_style in result.values())
    # each option does what it is for: the courtesy set aside, typos and glued words read right
    assert result["default"][asked]["accuracy"] > result["strip_courtesy=false"][asked]["accuracy"]
    assert (
        result["default"][typos]["accuracy"] > result["encoder_spelling=false"][typos]["accuracy"]
    )
    assert result["default"][glued]["accuracy"] > result["split_glued=false"][glued]["accuracy"]


def test_console_search_benchmark_runs(tmp_path: Path) -> None:
    from bench.console_search import main as console_search

    out = tmp_path / "console_search.json"
    small = ["--messages", "3000", "--customers", "200", "--repeat", "1"]
    console_search(["--db", "sqlite", *small, "--out", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))["sqlite"]["results"]
    # Each query finds what it was built to find, so the timings are of real work.
    assert report["find: order number in a message"]["found"] == 1
    assert report["find: phone with brackets"]["found"] == 1
    assert report["find: word nobody wrote"]["found"] == 0
    assert report["detail: 1000 messages"]["found"] == 1000


def test_statistics_benchmark_runs(tmp_path: Path) -> None:
    from bench.statistics import main as statistics_bench

    out = tmp_path / "statistics.json"
    statistics_bench(
        ["--db", "sqlite", "--days", "2", "--per-day", "50", "--repeat", "1", "--out", str(out)]
    )
    report = json.loads(out.read_text(encoding="utf-8"))["sqlite"]["results"]
    # The figures are of the rows filled: 100 handed over and answered, 200 still waiting.
    hours, wall = report["month, working hours"], report["month, wall clock"]
    assert hours["escalated"] == wall["escalated"] == 300
    assert report["now («Сейчас»)"]["waiting"] == 200
    # Night questions answered at opening wait no longer on the team's clock than on the wall.
    assert hours["p50_seconds"] <= wall["p50_seconds"]
    assert hours["within_goal_share"] >= wall["within_goal_share"]

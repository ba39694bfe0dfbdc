"""Rasa YAML round trip, knowledge-base loading, and ``zabota nlu evaluate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from nlu.api import Example
from nlu.cli import register
from nlu.datasets import read_training_data
from nlu.rasa_io import DataError, dump_rasa_nlu, read_rasa_nlu, write_rasa_nlu
from tests.test_nlu_model import DATA


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="zabota")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_rasa_round_trip(tmp_path: Path) -> None:
    examples = [
        Example("как вернуть товар", "return"),
        Example("привет: как дела?", "greet"),
        Example("верните деньги", "return"),
    ]
    path = tmp_path / "nlu.yml"
    write_rasa_nlu(path, examples)
    back = read_rasa_nlu(path)
    assert [(e.text, e.intent) for e in back] == [
        ("как вернуть товар", "return"),
        ("верните деньги", "return"),
        ("привет: как дела?", "greet"),
    ]
    assert back[0].source == f"{path}:5"  # the line of «- как вернуть товар»
    assert dump_rasa_nlu(back) == path.read_text(encoding="utf-8")


def test_rasa_annotations_stripped_and_errors_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: order\n  examples: |\n'
        "    - где заказ [12345](order_number)\n    oops no dash\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"nlu\.yml:6: пример должен начинаться с «- »"):
        read_rasa_nlu(path)
    path.write_text(
        "nlu:\n- intent: order\n  examples: |\n    - где заказ [12345](n)\n", encoding="utf-8"
    )
    assert read_rasa_nlu(path)[0].text == "где заказ 12345"
    path.write_text("nlu: [\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"nlu\.yml:\d+: YAML error"):
        read_rasa_nlu(path)


def test_kb_directory_becomes_examples(tmp_path: Path) -> None:
    kb = tmp_path / "faq"
    kb.mkdir()
    (kb / "returns.yml").write_text(
        'version: "1"\nentries:\n  - id: return_goods\n    title: Как вернуть товар\n'
        "    category: Возврат\n    questions:\n      - как вернуть товар\n"
        "      - хочу сдать обратно наушники\n    answer: |\n      В течение 14 дней.\n"
        "    human_only: false\n",
        encoding="utf-8",
    )
    exs = read_training_data(kb)
    assert [(e.text, e.intent) for e in exs] == [
        ("как вернуть товар", "return_goods"),
        ("хочу сдать обратно наушники", "return_goods"),
        ("В течение 14 дней.", "return_goods"),  # the answer's sentences teach its vocabulary
    ]  # the title duplicates the first question and is not repeated
    plain = read_training_data(kb, use_kb_answers=False)
    assert [e.text for e in plain] == ["как вернуть товар", "хочу сдать обратно наушники"]
    (kb / "bad.yml").write_text("version: 1\nentries:\n  - title: no id\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.yml:3: entry without"):
        read_training_data(kb)


def _write_tsvs(tmp_path: Path) -> tuple[Path, Path]:
    train = tmp_path / "train.tsv"
    train.write_text("".join(f"{t}\t{i}\n" for i, ts in DATA.items() for t in ts), encoding="utf-8")
    test = tmp_path / "test.tsv"
    test.write_text(
        "где мой заказ 123456\torder_status\nвернуть товр\treturn_goods\n"
        "сколько стоит дастака\tdelivery_cost\nинтернет пропал\tinternet_down\n"
        "какая погода в субботу\toos\n",
        encoding="utf-8",
    )
    return train, test


def test_cli_evaluate_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    train, test = _write_tsvs(tmp_path)
    cfg = tmp_path / "config.yml"
    cfg.write_text("bot: {name: x}\nnlu:\n  pipeline: sparse\n", encoding="utf-8")
    preds = tmp_path / "pred.tsv"
    monkeypatch.chdir(tmp_path)
    code = run_cli(
        [
            "nlu",
            "evaluate",
            "--train",
            str(train),
            "--test",
            str(test),
            "--json",
            "--predictions",
            str(preds),
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pipeline"] == "sparse"  # picked up ./config.yml
    for key in [
        "accuracy",
        "macro_f1",
        "answered_correct",
        "in_scope_answered",
        "oos_recall",
        "train_seconds",
        "model_bytes",
        "peak_rss_mb",
    ]:
        assert key in report
    assert report["accuracy"] == 1.0
    assert 0.5 <= report["answered_correct"] <= 1.0
    assert report["oos_recall"] == 1.0
    assert 0 < report["train_seconds"] < 30
    assert set(report["latency_ms"]) == {"p50", "p95", "p99"}
    assert report["model_bytes"] > 1000
    rows = [line.split("\t") for line in preds.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5
    assert rows[-1][1] == "oos" and rows[-1][4] == "reject"
    assert all(r[4] in {"answer", "clarify", "reject"} for r in rows)


def test_cli_table_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, test = _write_tsvs(tmp_path)
    cfg = tmp_path / "c.yml"
    cfg.write_text("nlu:\n  pipeline: sparse\n", encoding="utf-8")
    assert (
        run_cli(
            ["nlu", "evaluate", "--train", str(train), "--test", str(test), "--config", str(cfg)]
        )
        == 0
    )
    assert "accuracy (top-1, in scope)" in capsys.readouterr().out


def test_cli_malformed_tsv_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, test = _write_tsvs(tmp_path)
    test.write_text("хорошая строка\torder_status\nплохая строка без метки\n", encoding="utf-8")
    assert run_cli(["nlu", "evaluate", "--train", str(train), "--test", str(test)]) == 2
    assert f"{test}:2:" in capsys.readouterr().err


def test_cli_missing_file_and_bad_config_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, test = _write_tsvs(tmp_path)
    assert (
        run_cli(["nlu", "evaluate", "--train", str(tmp_path / "nope.tsv"), "--test", str(test)])
        == 2
    )
    assert "file not found" in capsys.readouterr().err
    cfg = tmp_path / "c.yml"
    cfg.write_text("nlu:\n  answer_treshold: 0.5\n", encoding="utf-8")
    assert (
        run_cli(
            ["nlu", "evaluate", "--train", str(train), "--test", str(test), "--config", str(cfg)]
        )
        == 2
    )
    assert "answer_treshold" in capsys.readouterr().err

"""``zabota customers export`` and ``forget`` as an administrator runs them, on the demo project
with its own SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import copy_demo_project
from tests.test_cli import zabota


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = copy_demo_project(tmp_path / "project", heldout=False, models=True)
    config = copy / "config.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("  working_hours:\n", "  working_hours:\n    always_open: true\n", 1),
        encoding="utf-8",
    )
    return copy


def run(project: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    done = zabota("--project", str(project), *args, stdin=stdin)
    return done.returncode, done.stdout, done.stderr


def test_an_administrator_hands_a_customer_everything_stored_about_them(
    project: Path, tmp_path: Path
) -> None:
    code, _, err = run(project, "chat", "--user", "olga", stdin="доставка на Мира 15?\n")
    assert code == 0, err

    code, out, err = run(project, "customers", "export", "--account", "terminal:olga")
    assert code == 0, err
    data = json.loads(out)
    assert "Мира 15" in out  # readable UTF-8, not \u escapes
    assert [a["user_id"] for a in data["accounts"]] == ["olga"]
    (dialogue,) = data["conversations"]
    texts = [(m["author"], m["text"]) for m in dialogue["messages"]]
    assert ("customer", "доставка на Мира 15?") in texts
    assert any(author == "bot" and text for author, text in texts)
    assert data["customers"][0]["id"] == 1 and data["ratings"] == [] and data["notes"] == []

    target = tmp_path / "olga.json"
    code, _, err = run(project, "customers", "export", "--id", "1", "--output", str(target))
    assert code == 0 and "written" in err
    assert json.loads(target.read_text(encoding="utf-8"))["conversations"][0]["id"] == 1
    # An existing file is never overwritten.
    code, _, err = run(project, "customers", "export", "--id", "1", "--output", str(target))
    assert code == 2 and "exists" in err

    code, _, err = run(project, "customers", "export", "--id", "99")
    assert code == 2 and "no such customer" in err
    code, _, err = run(project, "customers", "export", "--account", "olga")
    assert code == 2 and "CHANNEL:USER_ID" in err


def test_forget_shows_whose_data_it_is_about_to_erase(project: Path) -> None:
    code, _, err = run(project, "chat", "--user", "olga", stdin="привет\n")
    assert code == 0, err
    with sqlite3.connect(project / "var" / "zabota.sqlite3") as connection:
        connection.execute("UPDATE customers SET display_name = 'Алиса', phone = '79161234567'")
    code, out, err = run(project, "customers", "forget", "--id", "1", stdin="")
    assert code == 2 and "--yes" in err  # nothing erased without consent
    assert "customer 1: terminal:olga; 1 conversation(s)" in out
    assert "name: Алиса; phone: 79161234567" in out

    code, _, err = run(project, "customers", "forget", "--phone", "abc")
    assert code == 2 and "'abc' is not a phone number" in err

"""Taking a whole entry out of a knowledge-base file: its lines go, every other byte stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.editing import EditError, read_tree
from knowledge_base.remove_entry import (
    entry_data,
    fingerprint,
    remove_entry,
    remove_entry_in_file,
)

DEMO = Path(__file__).resolve().parents[1] / "data" / "faq"

FILE = """\
# Stores (a comment about the whole file)
version: "1"
entries:
  - id: first_one
    title: Первая
    questions:
      - первый вопрос   # a comment inside
    answer: |
      # not a comment: a line of the answer
      Ответ.

  # Section: the second one (stays: it may describe what follows)
  - id: second_one
    title: Вторая
    questions: [второй вопрос]
    answer: Ответ два.
    # the entry's own trailing comment goes with it

  - id: third_one
    title: Третья
    questions:
      - третий вопрос
    answer: Ответ три.
"""


def test_every_entry_of_the_demo_knowledge_base_can_be_taken_out() -> None:
    for path in sorted(DEMO.glob("*.yml")):
        source = path.read_text(encoding="utf-8")
        data, _ = read_tree(source, str(path))
        for index, entry in enumerate(data["entries"]):
            text = remove_entry(source, entry["id"], str(path))
            after, _ = read_tree(text, str(path))
            assert after["entries"] == data["entries"][:index] + data["entries"][index + 1 :]
            assert text.startswith(source.split("entries:")[0])  # the header stays


def test_the_entry_lines_go_with_the_blank_line_after_them() -> None:
    text = remove_entry(FILE, "first_one")
    assert text == FILE.replace(
        FILE[FILE.index("  - id: first_one") : FILE.index("  # Section")], ""
    )


def test_a_heading_comment_above_stays_and_the_entrys_own_trailing_comment_goes() -> None:
    text = remove_entry(FILE, "second_one")
    assert "# Section: the second one" in text
    assert "trailing comment" not in text and "second_one" not in text
    assert (
        "Ответ.\n\n  # Section: the second one (stays: it may describe what follows)\n"
        "  - id: third_one" in text
    )


def test_the_last_entry_takes_the_blank_lines_before_it_and_the_file_keeps_its_ending() -> None:
    assert remove_entry(FILE, "third_one").endswith(
        "# the entry's own trailing comment goes with it\n"
    )
    no_final_newline = FILE.rstrip("\n")
    text = remove_entry(no_final_newline, "third_one")
    assert text.endswith("with it") and not text.endswith("\n")


def test_crlf_stays_crlf() -> None:
    crlf = FILE.replace("\n", "\r\n")
    text = remove_entry(crlf, "second_one")
    assert text == remove_entry(FILE, "second_one").replace("\n", "\r\n")


def test_the_only_entry_leaves_an_empty_list() -> None:
    only = (
        'version: "1"\nentries:  # one\n'
        "  - id: only_one\n    title: Одна\n    questions: [a]\n    answer: b\n"
    )
    assert remove_entry(only, "only_one") == 'version: "1"\nentries: []  # one\n'


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("entries: [{id: a_b, title: T, questions: [q], answer: a}]\n", "verify_failed"),
        (
            "entries:\n  - id: other\n    title: T\n    questions: [q]\n    answer: a\n",
            "entry_not_found",
        ),
        ("entries: [\n", "invalid_yaml"),
    ],
)
def test_what_cannot_be_taken_out_is_refused(source: str, code: str) -> None:
    with pytest.raises(EditError) as refused:
        remove_entry(source, "a_b")
    assert refused.value.code == code


def test_a_changed_entry_is_not_removed_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "faq.yml"
    path.write_text(FILE, encoding="utf-8")
    seen = fingerprint(entry_data(FILE, "second_one"))
    path.write_text(FILE.replace("Ответ два.", "Ответ два, новый."), encoding="utf-8")
    changed = path.read_bytes()
    with pytest.raises(EditError) as refused:
        remove_entry_in_file(path, "second_one", seen)
    assert refused.value.code == "changed_meanwhile" and path.read_bytes() == changed
    # The other entries' changes do not count; the undo puts the bytes back.
    path.write_text(FILE.replace("Ответ три.", "Ответ три, новый."), encoding="utf-8")
    before = path.read_bytes()
    undo = remove_entry_in_file(path, "second_one", seen)
    assert b"second_one" not in path.read_bytes()
    undo()
    assert path.read_bytes() == before

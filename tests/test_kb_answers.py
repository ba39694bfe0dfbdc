"""Rewriting an FAQ entry's answer in the YAML text: that answer changes, nothing else does."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from bot.yamlio import parse_yaml
from knowledge_base.editing import (
    MAX_ANSWER_CHARS,
    EditError,
    clean_answer,
    replace_answer,
    replace_answer_in_file,
)
from knowledge_base.loader import load_kb, parse_kb_doc
from tests.handoff_kit import ROOT
from tests.test_kb_editing import SOURCE

NEW = "Вернуть товар можно за 14 дней: https://volt-shop.ru/returns\nДеньги придут за 3 дня."


def answers(text: str) -> list[str]:
    return [e["answer"] for e in parse_yaml(text, "t.yml").data["entries"]]


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    return (
        [line[2:] for line in diff if line.startswith("- ")],
        [line[2:] for line in diff if line.startswith("+ ")],
    )


def test_a_block_answer_is_replaced_in_place_and_the_rest_stays() -> None:
    text = replace_answer(SOURCE, "first", NEW)
    removed, added = changed_lines(SOURCE, text)
    assert removed == ["      Ответ в две строки.\n", "      Вторая строка.\n"]
    assert added == [
        "      Вернуть товар можно за 14 дней: https://volt-shop.ru/returns\n",
        "      Деньги придут за 3 дня.\n",
    ]
    assert answers(text) == [NEW + "\n", "Коротко."]
    assert "# - закомментированный вопрос" in text and "tags: [a, b]\n\n  - id: second" in text


def test_a_one_line_answer_becomes_a_block_and_its_comment_moves_to_the_header() -> None:
    source = SOURCE.replace("answer: Коротко.", 'answer: "Коротко."  # проверить цену')
    text = replace_answer(source, "second", "Одна строка.\nИ вторая.")
    assert "    answer: |  # проверить цену\n      Одна строка.\n      И вторая.\n" in text
    assert answers(text)[1] == "Одна строка.\nИ вторая.\n"
    assert text.startswith(source[: source.index('answer: "Коротко."')])


def test_the_last_answer_of_a_file_without_a_final_newline() -> None:
    source = SOURCE.rstrip("\n")
    text = replace_answer(source, "second", "Новое.")
    assert text.endswith("    answer: |\n      Новое.")
    assert answers(text)[1] == "Новое."


def test_crlf_files_keep_crlf() -> None:
    source = SOURCE.replace("\n", "\r\n")
    text = replace_answer(source, "first", NEW)
    assert "\n" not in text.replace("\r\n", "")
    assert answers(text)[0] == NEW + "\n"


def test_blank_lines_inside_and_indented_lines_are_kept_as_written() -> None:
    written = "Шаги:\n\n  1. Откройте заказ\n  2. Нажмите «Вернуть»\n\n# не комментарий"
    text = replace_answer(SOURCE, "first", written)
    assert answers(text)[0] == written + "\n"
    assert "tags: [a, b]\n\n  - id: second" in text


def test_text_is_cleaned_and_bad_text_is_refused() -> None:
    assert clean_answer("  \r\n  Ответ.  \r\n\r\n") == "Ответ."
    for bad, code in (
        ("   \n  ", "empty"),
        ("а" * (MAX_ANSWER_CHARS + 1), "too_long"),
        ("звонок\x07", "control_chars"),
    ):
        with pytest.raises(EditError) as error:
            replace_answer(SOURCE, "first", bad)
        assert error.value.code == code
    with pytest.raises(EditError) as error:
        replace_answer(SOURCE, "missing", NEW)
    assert error.value.code == "entry_not_found"
    with pytest.raises(EditError) as error:
        replace_answer(SOURCE.replace("answer: Коротко.", "answer: [a, b]"), "second", NEW)
    assert error.value.code == "no_answer"


def test_a_real_file_on_disk_edits_and_undoes_byte_for_byte(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "data" / "faq", faq)
    path = faq / "returns.yml"
    original = path.read_bytes()
    undo = replace_answer_in_file(path, "return_goods", NEW)
    kb = load_kb([faq])
    assert kb.entries["return_goods"].answer.strip() == NEW
    undo()
    assert path.read_bytes() == original


@pytest.mark.parametrize("path", sorted((ROOT / "data" / "faq").glob("*.yml")), ids=str)
def test_every_answer_of_the_demo_knowledge_base_can_be_rewritten(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for entry, _ in parse_kb_doc(parse_yaml(source, str(path))):
        text = replace_answer(source, entry.id, NEW)
        edited = {e.id: e for e, _ in parse_kb_doc(parse_yaml(text, "t.yml"))}
        assert edited[entry.id].answer.strip() == NEW
        assert edited[entry.id].answers == entry.answers  # channel variants untouched
        removed, added = changed_lines(source, text)
        assert len(added) == 2 and len(removed) == len(entry.answer.strip().splitlines())

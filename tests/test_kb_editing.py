"""Adding a question to an FAQ entry in the YAML text: one added line, nothing else touched."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from bot.yamlio import parse_yaml
from knowledge_base.editing import EditError, add_question, add_question_to_file, yaml_scalar
from knowledge_base.loader import load_kb, load_kb_text, parse_kb_doc
from tests.handoff_kit import ROOT

SOURCE = """\
# Комментарий в начале файла
version: "1"
entries:
  - id: first
    title: Первая запись   # комментарий после значения
    questions:
      - Как вернуть товар?
      - 'в одинарных кавычках'
      # - закомментированный вопрос
    answer: |
      Ответ в две строки.
      Вторая строка.
    tags: [a, b]

  - id: second
    title: Вторая
    questions:
    - без отступа у тире
    - "в двойных: кавычках"
    answer: Коротко.
"""

ODD = [
    "как вернуть: подарок",
    'он сказал "верните"',
    "заказ #12345 не пришёл",
    "- тире в начале",
    "? вопросительный знак в начале",
    "😀 а эмодзи можно? 🙏",
    "yes",
    "100500",
    "'кавычка в начале",
    "обратный \\ слеш",
    "{фигурные} [квадратные]",
    "&якорь *ссылка !тег %процент @собака `апостроф",
    "null",
]


def added_lines(before: str, after: str) -> list[str]:
    """Lines only in ``after``; fails if ``before`` lost or changed anything."""
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    removed = [line for line in diff if line.startswith("- ")]
    assert removed == [], removed
    return [line[2:] for line in diff if line.startswith("+ ")]


def questions(text: str, index: int) -> list[str]:
    return list(parse_yaml(text, "t.yml").data["entries"][index]["questions"])


def test_one_line_after_the_last_question_with_the_same_indentation() -> None:
    result = add_question(SOURCE, "first", "а можно вернуть без чека")
    assert added_lines(SOURCE, result.text) == ["      - а можно вернуть без чека\n"]
    lines = result.text.splitlines()
    assert lines[result.line - 1] == "      - а можно вернуть без чека"
    assert lines[result.line - 2] == "      - 'в одинарных кавычках'"  # before the comment
    assert questions(result.text, 0)[-1] == "а можно вернуть без чека"
    # Everything else is byte for byte the same: remove the line and get the original back.
    rest = result.text.splitlines(keepends=True)
    del rest[result.line - 1]
    assert "".join(rest) == SOURCE


def test_an_indentless_list_keeps_its_style() -> None:
    result = add_question(SOURCE, "second", "тоже без отступа")
    assert added_lines(SOURCE, result.text) == ["    - тоже без отступа\n"]
    assert questions(result.text, 1) == [
        "без отступа у тире",
        "в двойных: кавычках",
        "тоже без отступа",
    ]


@pytest.mark.parametrize("text", ODD)
def test_texts_yaml_would_misread_are_quoted_and_read_back_exactly(text: str) -> None:
    result = add_question(SOURCE, "first", text)
    [line] = added_lines(SOURCE, result.text)
    assert line.startswith("      - ")
    assert questions(result.text, 0)[-1] == text
    kb = load_kb_text(result.text)
    assert kb.entries["first"].questions[-1] == text


def test_plain_text_stays_plain_and_risky_text_is_double_quoted() -> None:
    assert yaml_scalar("как вернуть товар") == "как вернуть товар"
    assert yaml_scalar("😀 эмодзи") == "😀 эмодзи"
    assert yaml_scalar("да: нет") == '"да: нет"'
    assert yaml_scalar("вопрос # не комментарий") == '"вопрос # не комментарий"'
    assert yaml_scalar("- тире") == '"- тире"'
    assert yaml_scalar('сказал "да"') == '"сказал \\"да\\""'
    assert yaml_scalar("yes") == '"yes"'


def test_whitespace_is_collapsed_to_one_line() -> None:
    result = add_question(SOURCE, "first", "  две\nстроки\tи  пробелы ")
    assert questions(result.text, 0)[-1] == "две строки и пробелы"


def test_the_last_entry_of_the_file() -> None:
    result = add_question(SOURCE, "second", "в последней записи")
    assert result.text == SOURCE.replace(
        '"в двойных: кавычках"\n', '"в двойных: кавычках"\n    - в последней записи\n'
    )


LAST = "entries:\n  - id: only\n    title: T\n    answer: A\n    questions:\n      - один\n"


def test_the_last_question_is_the_last_line_of_the_file() -> None:
    result = add_question(LAST, "only", "два")
    assert result.text == LAST + "      - два\n"


def test_a_file_without_a_final_newline_keeps_having_none() -> None:
    source = LAST.rstrip("\n")
    result = add_question(source, "only", "два")
    assert result.text == source + "\n      - два"
    assert questions(result.text, 0) == ["один", "два"]


def test_crlf_files_keep_crlf() -> None:
    source = SOURCE.replace("\n", "\r\n")
    result = add_question(source, "first", "виндовс")
    assert "      - виндовс\r\n" in result.text
    assert result.text.replace("      - виндовс\r\n", "", 1) == source


def test_a_flow_style_list_gets_one_more_item_in_place() -> None:
    source = (
        "entries:\n  - id: flow\n    title: T  # c\n    questions: [один, 'два']  # комментарий\n"
        "    answer: A\n"
    )
    result = add_question(source, "flow", "три: с двоеточием")
    assert result.text == source.replace("'два']", "'два', \"три: с двоеточием\"]")
    assert questions(result.text, 0) == ["один", "два", "три: с двоеточием"]


def test_refusals_have_codes() -> None:
    with pytest.raises(EditError) as missing:
        add_question(SOURCE, "nope", "вопрос")
    assert missing.value.code == "entry_not_found"
    with pytest.raises(EditError) as duplicate:
        add_question(SOURCE, "first", "как ВЕРНУТЬ товар")  # case and punctuation ignored
    assert duplicate.value.code == "duplicate"
    with pytest.raises(EditError) as empty:
        add_question(SOURCE, "first", "   ")
    assert empty.value.code == "empty"
    with pytest.raises(EditError) as broken:
        add_question(SOURCE + "  - id: [oops\n", "first", "вопрос")
    assert broken.value.code == "invalid_yaml"


def test_a_real_file_on_disk_edits_and_undoes_byte_for_byte(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "data" / "faq", faq)
    path = faq / "returns.yml"
    original = path.read_bytes()
    undo = add_question_to_file(path, "return_goods", "верните: деньги # срочно")
    edited = path.read_bytes().decode()
    assert added_lines(original.decode(), edited) == ['      - "верните: деньги # срочно"\n']
    kb = load_kb([faq])
    assert "верните: деньги # срочно" in kb.entries["return_goods"].questions
    assert kb.entries["return_goods"].questions[0] == "Как вернуть товар?"  # canonical kept
    undo()
    assert path.read_bytes() == original


@pytest.mark.parametrize("path", sorted((ROOT / "data" / "faq").glob("*.yml")), ids=str)
def test_every_entry_of_the_demo_knowledge_base_can_be_taught(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for entry, _ in parse_kb_doc(parse_yaml(source, str(path))):
        result = add_question(source, entry.id, "новый: вопрос #1")
        assert len(added_lines(source, result.text)) == 1
        edited = parse_kb_doc(parse_yaml(result.text, "t.yml"))
        [after] = [e for e, _ in edited if e.id == entry.id]
        assert after.questions == [*entry.questions, "новый: вопрос #1"]


REMOVABLE = (
    "entries:\n"
    "  - id: a\n"
    "    title: A\n"
    "    questions:\n"
    "      - первый вопрос  # из «Научить»\n"
    '      - "второй, вопрос"\n'
    "      - третий\n"
    "    answer: Ответ.\n"
)


def test_a_wrongly_taught_question_is_taken_out_line_and_all() -> None:
    from knowledge_base.editing import remove_question

    assert remove_question(REMOVABLE, "a", "Второй вопрос") == REMOVABLE.replace(
        '      - "второй, вопрос"\n', ""
    )
    assert remove_question(REMOVABLE, "a", "первый вопрос") == REMOVABLE.replace(
        "      - первый вопрос  # из «Научить»\n", ""
    )
    flow = (
        'entries:\r\n  - id: a\r\n    title: A\r\n    questions: [раз, "два", три]\r\n'
        "    answer: О."
    )
    assert remove_question(flow, "a", "два").endswith("questions: [раз, три]\r\n    answer: О.")
    assert 'questions: [раз, "два"]' in remove_question(flow, "a", "три")
    assert 'questions: ["два", три]' in remove_question(flow, "a", "раз")


def test_the_last_question_and_a_missing_one_are_not_removed() -> None:
    from knowledge_base.editing import remove_question

    with pytest.raises(EditError) as missing:
        remove_question(REMOVABLE, "a", "такого нет")
    assert missing.value.code == "question_not_found"
    single = "entries:\n  - id: a\n    title: A\n    questions:\n      - один\n    answer: О.\n"
    with pytest.raises(EditError) as last:
        remove_question(single, "a", "один")
    assert last.value.code == "last_question"

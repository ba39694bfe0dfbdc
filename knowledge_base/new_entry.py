"""Append a new FAQ entry to a knowledge-base YAML file, surgically (the editor's «Новая запись»).

Like :mod:`knowledge_base.editing`, this edits the text, not the data: the new entry is written
after the file's last entry, indented like the others, with a blank line before it; comments,
the other entries and a trailing comment block stay byte for byte. The result is parsed again
and must equal the old data plus exactly that entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.yamlio import ContentError, parse_yaml
from knowledge_base.editing import (
    EditError,
    clean_answer,
    clean_question,
    double_quoted,
    first_newline,
    read_exact,
    read_tree,
    split_lines,
    write_bytes_atomic,
    yaml_scalar,
)
from knowledge_base.models import ENTRY_ID

MAX_TITLE_CHARS = 80
MAX_QUESTIONS = 20
_LATIN_LETTERS = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN_LETTERS.split(" "), strict=True))


@dataclass(frozen=True, slots=True)
class NewEntry:
    id: str
    title: str
    category: str
    questions: tuple[str, ...]
    answer: str

    def data(self) -> dict[str, Any]:
        """What the YAML written for it reads back as."""
        return {
            "id": self.id,
            "title": self.title,
            **({"category": self.category} if self.category else {}),
            "questions": list(self.questions),
            "answer": self.answer + "\n",
        }


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """One thing wrong with a new entry: ``field`` is ``title``, ``questions`` or ``answer``;
    ``code`` is stable (``no_title``, ``question_too_long``…); ``detail`` says it in words (for
    logs, or the caller's own text for a problem its ``check`` adds); ``question`` is the
    question it is about, if any."""

    field: str
    code: str
    detail: str
    question: str | None = None


@dataclass(frozen=True, slots=True)
class CheckedEntry:
    """What the editor typed, cleaned, and every problem of it in the form's order (title,
    questions, answer); ``answer`` is ``""`` when the answer is wrong."""

    title: str
    questions: tuple[str, ...]
    answer: str
    problems: tuple[EntryProblem, ...]


def check_entry(
    title: str,
    questions: Iterable[str],
    answer: str,
    check: Callable[[str], EntryProblem | None] = lambda _question: None,
) -> CheckedEntry:
    """Clean what the editor typed and collect every problem of it, not just the first.
    ``check`` sees each cleaned question once, in order, and may add a problem of its own
    (the editor's «уже есть в записи …»): it stands among the questions' problems where that
    question was typed."""
    problems: list[EntryProblem] = []
    title = " ".join(title.split())
    if not title:
        problems.append(EntryProblem("title", "no_title", "the title is empty"))
    elif len(title) > MAX_TITLE_CHARS:
        problems.append(
            EntryProblem(
                "title", "title_too_long", f"the title is longer than {MAX_TITLE_CHARS} chars"
            )
        )
    cleaned: list[str] = []
    question_problems = False
    for question in questions:
        if not question.strip():
            continue
        try:
            text = clean_question(question)
        except EditError as exc:
            problems.append(EntryProblem("questions", f"question_{exc.code}", exc.detail, question))
            question_problems = True
            continue
        if text in cleaned:
            continue
        cleaned.append(text)
        own = check(text)
        if own is not None:
            problems.append(own)
            question_problems = True
    if not cleaned and not question_problems:
        problems.append(EntryProblem("questions", "no_questions", "no question"))
    if len(cleaned) > MAX_QUESTIONS:
        problems.append(
            EntryProblem("questions", "too_many_questions", f"more than {MAX_QUESTIONS} questions")
        )
    try:
        answer = clean_answer(answer)
    except EditError as exc:
        problems.append(EntryProblem("answer", exc.code, exc.detail))
        answer = ""
    return CheckedEntry(title, tuple(cleaned), answer, tuple(problems))


def new_entry(
    title: str, category: str, questions: Collection[str], answer: str, taken: Collection[str]
) -> NewEntry:
    """Clean what the editor typed and give the entry an id not in ``taken``; the first
    problem of :func:`check_entry` is an :class:`EditError`."""
    checked = check_entry(title, questions, answer)
    if checked.problems:
        first = checked.problems[0]
        raise EditError(first.code, first.detail)
    return NewEntry(
        entry_id_for(checked.title, taken),
        checked.title,
        " ".join(category.split()),
        checked.questions,
        checked.answer,
    )


def entry_id_for(title: str, taken: Collection[str]) -> str:
    """«Работаете ли вы в праздники?» → ``rabotaete_li_vy_v_prazdniki`` (unique in ``taken``)."""
    latin = "".join(_LATIN.get(char, char) for char in title.lower()).replace("-", "")
    words = re.findall(r"[a-z0-9]+", latin)
    base = ""
    for word in words:
        if len(base) + len(word) + 1 > 40:
            break
        base = f"{base}_{word}" if base else word
    if not base or not base[0].isalpha():
        base = f"faq_{base}".rstrip("_") if base else "faq_entry"
    candidate, n = base, 2
    while candidate in taken or not ENTRY_ID.match(candidate):
        candidate = f"{base}_{n}"
        n += 1
    return candidate


def mapping_value(text: str) -> str:
    """``text`` as a mapping value: plain when YAML reads it back unchanged, else quoted."""
    try:
        if yaml.safe_load(f"k: {text}\n") == {"k": text} and text == text.strip():
            return text
    except yaml.YAMLError:
        pass
    return double_quoted(text)


def add_entry(source: str, entry: NewEntry, name: str = "<kb>") -> str:
    """Return ``source`` with ``entry`` appended to its ``entries`` list."""
    before, root = read_tree(source, name)
    entries = _entries(root)
    last = entries.value[-1]
    if entries.flow_style or not isinstance(last, yaml.MappingNode) or not last.value:
        raise EditError("not_kb_file", "the entries are not a block list of mappings")
    lines = split_lines(source)
    newline = first_newline(source) or "\n"
    item_line = lines[last.start_mark.line]
    dash = item_line.find("-")
    key_column = last.value[0][0].start_mark.column
    if dash < 0 or dash >= key_column:
        raise EditError("not_kb_file", "cannot tell how the entries are indented")
    first, rest = " " * dash + "-" + " " * (key_column - dash - 1), " " * key_column
    item = " " * (key_column + 2)
    block = [
        f"{first}id: {entry.id}",
        f"{rest}title: {mapping_value(entry.title)}",
        *([f"{rest}category: {mapping_value(entry.category)}"] if entry.category else []),
        f"{rest}questions:",
        *(f"{item}- {yaml_scalar(q)}" for q in entry.questions),
        f"{rest}answer: |",
        *(f"{item}{line}" if line else "" for line in entry.answer.split("\n")),
    ]
    # After the last entry's own lines (not after comments or blank lines that follow it).
    tail = _innermost_last(last)
    end = tail.end_mark.line if tail.end_mark.column > 0 else tail.end_mark.line - 1
    end = min(end, len(lines) - 1)
    while end > last.start_mark.line and not lines[end].strip():
        end -= 1
    head = "".join(lines[: end + 1])
    if head and not head.endswith(("\n", "\r")):
        head += newline
    text = head + newline + newline.join(block) + newline + "".join(lines[end + 1 :])
    _verify(before, text, name, entry.data())
    return text


def _innermost_last(node: yaml.Node) -> yaml.Node:
    """The node whose end is where ``node``'s text ends: a block collection's own end mark
    lies past the comments after it (PyYAML ends it at the next less indented token)."""
    while (
        isinstance(node, yaml.MappingNode | yaml.SequenceNode)
        and not node.flow_style
        and node.value
    ):
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    return node


def _entries(root: yaml.Node | None) -> yaml.SequenceNode:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value == "entries"
                and isinstance(value, yaml.SequenceNode)
                and value.value
            ):
                return value
    raise EditError("not_kb_file", "the file has no non-empty 'entries:' list")


def _verify(before: Any, text: str, name: str, data: dict[str, Any]) -> None:
    try:
        after = parse_yaml(text, name).data
        added = after["entries"].pop()
    except ContentError as exc:
        raise EditError("verify_failed", f"the edited file does not parse: {exc}") from None
    except (KeyError, IndexError, TypeError, AttributeError):
        raise EditError("verify_failed", "the edited file lost its entries") from None
    if added != data or after != before:
        raise EditError("verify_failed", "the edited file differs by more than the new entry")


def add_entry_to_file(path: Path, entry: NewEntry) -> Callable[[], None]:
    """Append ``entry`` to the file on disk (re-read now, under the caller's lock); returns the
    undo, which puts the previous bytes back exactly."""
    original, source = read_exact(path)
    write_bytes_atomic(path, add_entry(source, entry, str(path)).encode("utf-8"))
    return lambda: write_bytes_atomic(path, original)

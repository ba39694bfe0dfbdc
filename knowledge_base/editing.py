"""Add a customer's phrasing to an FAQ entry's ``questions`` in the YAML file, surgically.

The editor's «Научить» must not reformat a file people maintain by hand: comments, key order,
quoting and blank lines stay exactly as they were. :func:`add_question` therefore edits the text,
not the data: it finds the entry's ``questions`` sequence with PyYAML's node marks (the same
line numbers :mod:`bot.yamlio` reports), inserts one line after the last question with the same
indentation, quoted when YAML needs it, and then re-parses the result to prove that the only
change to the data is the new question at the end of that list.

Errors are :class:`EditError` with a stable ``code`` (the web layer turns codes into Russian).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.yamlio import ContentError, parse_yaml
from knowledge_base.loader import question_key

MAX_QUESTION_CHARS = 300
# The line breaks PyYAML counts (str.splitlines also splits on \x0b, \x0c, \x1c…, which would
# shift line numbers against the parser's marks).
_BREAK = r"\r\n\x85\u2028\u2029"
_LINE = re.compile(rf"[^{_BREAK}]*(?:\r\n|[{_BREAK}])|[^{_BREAK}]+$")
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f\x85\u2028\u2029\ufeff]')


class EditError(Exception):
    """The file cannot be edited as asked; ``code`` is stable, ``detail`` is for logs."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True, slots=True)
class Insertion:
    """Where the question went: the new text of the file and the (1-based) line it is on."""

    text: str
    line: int


def clean_question(text: str) -> str:
    """One line, single spaces, no surrounding blanks (how a question is stored)."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise EditError("empty", "the question is empty")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise EditError("too_long", f"the question is longer than {MAX_QUESTION_CHARS} chars")
    return cleaned


def double_quoted(text: str) -> str:
    """A YAML double-quoted scalar; non-ASCII (Cyrillic, emoji) stays readable."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in '\\"':
            return "\\" + char
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def yaml_scalar(text: str) -> str:
    """``text`` as a block-sequence item: plain when YAML reads it back unchanged, else quoted.

    Plain is what editors write (``- как вернуть товар``); anything YAML would read differently
    — ``да: нет``, ``вопрос # не комментарий``, ``- тире``, ``yes``, ``123``, a leading quote —
    is double-quoted.
    """
    if text == text.strip() and not _NEEDS_ESCAPE.search(text):
        try:
            if yaml.safe_load(f"- {text}\n") == [text]:
                return text
        except yaml.YAMLError:
            pass
    return double_quoted(text)


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)


def read_tree(source: str, name: str) -> tuple[Any, yaml.Node | None]:
    """The file's data (checked as the loader checks it) and its node tree, whose marks say
    where each value is written; :class:`EditError` ``invalid_yaml`` if it does not parse."""
    try:
        return parse_yaml(source, name).data, yaml.compose(source, Loader=yaml.SafeLoader)
    except ContentError as exc:
        raise EditError("invalid_yaml", str(exc)) from None


def entry_node(root: yaml.Node | None, entry_id: str) -> tuple[int, yaml.MappingNode]:
    if not isinstance(root, yaml.MappingNode):
        raise EditError("not_kb_file", "the file is not a mapping with 'entries:'")
    entries = next(
        (v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "entries"),
        None,
    )
    if not isinstance(entries, yaml.SequenceNode):
        raise EditError("not_kb_file", "the file has no 'entries:' list")
    for index, entry in enumerate(entries.value):
        if not isinstance(entry, yaml.MappingNode):
            continue
        for key, value in entry.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value == "id"
                and isinstance(value, yaml.ScalarNode)
                and value.value == entry_id
            ):
                return index, entry
    raise EditError("entry_not_found", f"no entry with id {entry_id!r} in this file")


def _questions_node(entry: yaml.MappingNode) -> yaml.SequenceNode:
    for key, value in entry.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "questions":
            if isinstance(value, yaml.SequenceNode) and value.value:
                return value
            break
    raise EditError("no_questions", "the entry has no non-empty 'questions:' list")


def add_question(source: str, entry_id: str, question: str, name: str = "<kb>") -> Insertion:
    """Return ``source`` with ``question`` appended to entry ``entry_id``'s ``questions``.

    Block lists get one new line after the last question, indented like it; a flow list
    (``questions: [a, b]``) gets ``, "question"`` after its last item. Raises
    :class:`EditError` if the entry is missing, the question is already there, or the result
    would not read back as exactly that one change.
    """
    question = clean_question(question)
    before, root = read_tree(source, name)
    index, entry = entry_node(root, entry_id)
    questions = _questions_node(entry)
    existing = [item.value for item in questions.value if isinstance(item, yaml.ScalarNode)]
    if any(question_key(q) == question_key(question) for q in existing):
        raise EditError("duplicate", "the entry already has this question")
    last = questions.value[-1]
    if questions.flow_style:
        at = last.end_mark.index
        text = source[:at] + ", " + double_quoted(question) + source[at:]
        line = last.end_mark.line + 1
    else:
        text, line = _insert_block_item(source, last, question)
    _verify(before, text, name, index, question)
    return Insertion(text, line)


def _insert_block_item(source: str, last: yaml.Node, question: str) -> tuple[str, int]:
    lines = split_lines(source)
    start = last.start_mark.line
    end = last.end_mark.line if last.end_mark.column > 0 else last.end_mark.line - 1
    end = min(max(end, start), len(lines) - 1)
    while end > start and not lines[end].strip():  # a block scalar's trailing blank lines
        end -= 1
    first = lines[start]
    prefix = first[: last.start_mark.column]
    if not re.fullmatch(r"[ \t]*-[ \t]+", prefix):  # e.g. a comment or anchor before the value
        dash = prefix.find("-")
        prefix = " " * max(dash, 0) + "- "
    newline = first_newline(first) or first_newline(source) or "\n"
    previous = lines[end]
    if previous.endswith(("\n", "\r", "\x85", "\u2028", "\u2029")):
        added = prefix + yaml_scalar(question) + newline
        lines.insert(end + 1, added)
    else:  # the last line of a file without a final newline: keep it without one
        lines[end] = previous + newline
        lines.insert(end + 1, prefix + yaml_scalar(question))
    return "".join(lines), end + 2


def first_newline(text: str) -> str | None:
    match = re.search(r"\r\n|[\r\n]", text)
    return match.group() if match else None


def _verify(before: Any, text: str, name: str, index: int, question: str) -> None:
    """The edited text must parse to the same data plus exactly the one new question."""
    try:
        after = parse_yaml(text, name).data
    except ContentError as exc:
        raise EditError("verify_failed", f"the edited file does not parse: {exc}") from None
    try:
        added = after["entries"][index]["questions"].pop()
    except (KeyError, IndexError, TypeError, AttributeError):
        raise EditError("verify_failed", "the edited file lost the questions list") from None
    if added != question or after != before:
        raise EditError("verify_failed", "the edited file differs by more than the new question")


def remove_question(source: str, entry_id: str, question: str, name: str = "<kb>") -> str:
    """Return ``source`` without ``question`` (compared as :func:`question_key` does) in entry
    ``entry_id``'s ``questions``: a block item's lines go, a flow item goes with its comma.
    An entry keeps at least one question; the result must read back as exactly that change."""
    before, root = read_tree(source, name)
    index, entry = entry_node(root, entry_id)
    questions = _questions_node(entry)
    items = questions.value
    position = next(
        (
            i
            for i, item in enumerate(items)
            if isinstance(item, yaml.ScalarNode)
            and question_key(item.value) == question_key(question)
        ),
        None,
    )
    if position is None:
        raise EditError("question_not_found", "the entry has no such question")
    if len(items) == 1:
        raise EditError("last_question", "an entry needs at least one question")
    item = items[position]
    if questions.flow_style:
        if position + 1 < len(items):
            start, end = item.start_mark.index, items[position + 1].start_mark.index
        else:
            start, end = items[position - 1].end_mark.index, item.end_mark.index
        text = source[:start] + source[end:]
    else:
        lines = split_lines(source)
        first = item.start_mark.line
        last = item.end_mark.line if item.end_mark.column > 0 else item.end_mark.line - 1
        last = min(max(last, first), len(lines) - 1)
        while last > first and not lines[last].strip():
            last -= 1
        if not re.fullmatch(r"[ \t]*-[ \t]+", lines[first][: item.start_mark.column]):
            raise EditError("verify_failed", "the question shares its line with something else")
        text = "".join(lines[:first] + lines[last + 1 :])
    try:
        after = parse_yaml(text, name).data
        removed = after["entries"][index]["questions"]
        expected = [q for i, q in enumerate(before["entries"][index]["questions"]) if i != position]
        after["entries"][index]["questions"] = before["entries"][index]["questions"]
    except ContentError as exc:
        raise EditError("verify_failed", f"the edited file does not parse: {exc}") from None
    except (KeyError, IndexError, TypeError):
        raise EditError("verify_failed", "the edited file lost the questions list") from None
    if removed != expected or after != before:
        raise EditError("verify_failed", "the edited file differs by more than the question")
    return text


# -- answers ---------------------------------------------------------------------------------

MAX_ANSWER_CHARS = 4000  # one Telegram message (4096) with room for the buttons' text
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]")


def clean_answer(text: str) -> str:
    """Lines without trailing blanks, no blank lines around, no control characters."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    cleaned = "\n".join(lines).strip("\n")
    if _CONTROL.search(cleaned):
        raise EditError("control_chars", "the answer contains control characters")
    cleaned = cleaned.strip()
    if not cleaned:
        raise EditError("empty", "the answer is empty")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise EditError("too_long", f"the answer is longer than {MAX_ANSWER_CHARS} chars")
    return cleaned


def _answer_node(entry: yaml.MappingNode) -> tuple[yaml.ScalarNode, yaml.ScalarNode]:
    for key, value in entry.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "answer":
            if isinstance(value, yaml.ScalarNode):
                return key, value
            break
    raise EditError("no_answer", "the entry has no 'answer:' text")


def replace_answer(source: str, entry_id: str, answer: str, name: str = "<kb>") -> str:
    """Return ``source`` with entry ``entry_id``'s ``answer`` replaced by ``answer``, written as
    a literal block (``|``) indented under its key. Everything else — comments, the other
    entries, blank lines, the answer's channel variants — stays byte for byte; the result must
    parse to the same data with only that answer changed, or :class:`EditError`."""
    answer = clean_answer(answer)
    before, root = read_tree(source, name)
    index, entry = entry_node(root, entry_id)
    key, value = _answer_node(entry)
    text = replace_scalar(source, key, value, answer)
    verify_field(before, text, name, index, "answer", answer)
    return text


def replace_scalar(
    source: str,
    key: yaml.ScalarNode,
    value: yaml.ScalarNode,
    replacement: str,
    header: str = "|",
) -> str:
    """``source`` with the scalar ``value`` (of mapping key ``key``) replaced by ``replacement``
    as a literal block (``header``: ``|``, or ``|-`` without the final newline) indented under
    the key; nothing else changes. A one-line value's comment moves to the block's header line.
    The caller verifies the result."""
    start, end = value.start_mark.index, value.end_mark.index
    newline = first_newline(source) or "\n"
    indent = " " * (key.start_mark.column + 2)
    body = newline.join(indent + line if line else "" for line in replacement.split("\n"))
    segment = source[start:end]
    content = len(segment.rstrip(" \t\r\n\x85\u2028\u2029"))
    if value.style in ("|", ">"):
        # A block scalar runs to the next key, over its trailing blank lines: keep those.
        line_end = first_newline(segment[content:])
        if line_end is not None:
            end = start + content + segment[content:].index(line_end) + len(line_end)
        return source[:start] + header + newline + body + newline + source[end:]
    # A plain or quoted scalar on the key's line; a comment after it goes on the header.
    rest = source[end:]
    line_end = first_newline(rest)
    tail = rest[: rest.index(line_end)] if line_end is not None else rest
    if tail.strip() and not tail.strip().startswith("#"):
        raise EditError("verify_failed", "something follows the value on its line")
    after = rest[len(tail) :]
    return source[:start] + header + tail + newline + body + (after or "")


def verify_field(before: Any, text: str, name: str, index: int, key: str, value: str) -> None:
    """The edited ``text`` must parse to ``before`` with only entry ``index``'s ``key`` now
    ``value`` (a block scalar's final newline aside); else :class:`EditError`."""
    try:
        after = parse_yaml(text, name).data
        written = after["entries"][index][key]
        after["entries"][index][key] = before["entries"][index][key]
    except ContentError as exc:
        raise EditError("verify_failed", f"the edited file does not parse: {exc}") from None
    except (KeyError, IndexError, TypeError):
        raise EditError("verify_failed", f"the edited file lost the {key}") from None
    if str(written).rstrip("\n") != value or after != before:
        raise EditError("verify_failed", f"the edited file differs by more than the {key}")


# -- files -----------------------------------------------------------------------------------


def read_exact(path: Path) -> tuple[bytes, str]:
    """The file's bytes and its text with line endings untouched (no newline translation)."""
    try:
        data = path.read_bytes()
        return data, data.decode("utf-8")
    except FileNotFoundError:
        raise EditError("file_not_found", f"{path} not found") from None
    except UnicodeDecodeError as exc:
        raise EditError("not_utf8", f"{path}: {exc.reason}") from None


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace the file in one step (a crash never leaves half a file), keeping its mode."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_question_to_file(path: Path, entry_id: str, question: str) -> Callable[[], None]:
    """Edit the file on disk (re-read now, under the caller's lock); returns the undo, which
    puts the previous bytes back exactly."""
    original, source = read_exact(path)
    insertion = add_question(source, entry_id, question, str(path))
    write_bytes_atomic(path, insertion.text.encode("utf-8"))
    return lambda: write_bytes_atomic(path, original)


def replace_answer_in_file(path: Path, entry_id: str, answer: str) -> Callable[[], None]:
    """Like :func:`add_question_to_file`, for an entry's answer."""
    original, source = read_exact(path)
    text = replace_answer(source, entry_id, answer, str(path))
    write_bytes_atomic(path, text.encode("utf-8"))
    return lambda: write_bytes_atomic(path, original)


def remove_question_in_file(path: Path, entry_id: str, question: str) -> Callable[[], None]:
    """Like :func:`add_question_to_file`, taking a question away."""
    original, source = read_exact(path)
    text = remove_question(source, entry_id, question, str(path))
    write_bytes_atomic(path, text.encode("utf-8"))
    return lambda: write_bytes_atomic(path, original)

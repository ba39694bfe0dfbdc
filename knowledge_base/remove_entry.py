"""Take a whole FAQ entry out of its YAML file, surgically (the editor's «Удалить запись»).

Like the other edits of :mod:`knowledge_base.editing`, this edits the text, not the data: the
entry's lines go — from its ``- id:`` line to its last value, with comments written inside it
and the blank lines that separated it from the next entry — and every other byte stays: the
other entries, comments between entries (a section's heading comment above the entry stays,
it may describe the entries after it), CRLF, a missing final newline. The last entry of a file
leaves ``entries: []``. The result is parsed again and must equal the old data without exactly
that entry, or :class:`EditError` and nothing is written.

:func:`fingerprint` names an entry's content as written, so that a deletion confirmed over one
version of the entry is refused when the file holds another (someone changed it meanwhile).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.editing import (
    EditError,
    entry_node,
    first_newline,
    read_exact,
    read_tree,
    split_lines,
    write_bytes_atomic,
)

_DASH = re.compile(r"[ \t]*-[ \t]+")
_LONE_DASH = re.compile(r"[ \t]*-[ \t]*(#.*)?\r?\n?")
_COMMENT = re.compile(r"([ \t]*)#")


def fingerprint(raw: Any) -> str:
    """A short digest of an entry's data as its file holds it (key order aside)."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def entry_data(source: str, entry_id: str, name: str = "<kb>") -> dict[str, Any]:
    """Entry ``entry_id``'s data as written in ``source``."""
    data, root = read_tree(source, name)
    index, _ = entry_node(root, entry_id)
    try:
        raw = data["entries"][index]
    except (KeyError, IndexError, TypeError):
        raise EditError("entry_not_found", f"no entry with id {entry_id!r}") from None
    if not isinstance(raw, dict):
        raise EditError("entry_not_found", f"entry {entry_id!r} is not a mapping")
    return raw


def _entries(root: yaml.Node | None) -> tuple[yaml.ScalarNode, yaml.SequenceNode]:
    assert isinstance(root, yaml.MappingNode)  # entry_node checked it
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "entries":
            assert isinstance(value, yaml.SequenceNode)
            return key, value
    raise EditError("not_kb_file", "the file has no 'entries:' list")


def _blank(line: str) -> bool:
    return not line.strip()


def _last_line(node: yaml.Node, lines: list[str], limit: int | None) -> int:
    """The last line holding ``node``'s content (a block scalar's trailing blanks aside), before
    line ``limit`` (the next entry's dash). A block collection ends where the next token starts
    (after any comments), so its last value is followed down to a scalar or a flow collection,
    whose end marks are exact."""
    first = node.start_mark.line
    while isinstance(node, yaml.CollectionNode) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    last = node.end_mark.line if node.end_mark.column > 0 else node.end_mark.line - 1
    last = min(max(last, first), len(lines) - 1, len(lines) if limit is None else limit - 1)
    while last > first and _blank(lines[last]):
        last -= 1
    return last


def _first_line(item: yaml.Node, lines: list[str]) -> tuple[int, int]:
    """The entry's dash line and the dash's column."""
    line = item.start_mark.line
    prefix = lines[line][: item.start_mark.column]
    if _DASH.fullmatch(prefix):
        return line, prefix.index("-")
    if not prefix.strip() and line > 0 and _LONE_DASH.fullmatch(lines[line - 1]):
        return line - 1, lines[line - 1].index("-")  # «-» alone, the mapping on the next line
    raise EditError("verify_failed", "the entry shares its first line with something else")


def remove_entry(source: str, entry_id: str, name: str = "<kb>") -> str:
    """Return ``source`` without entry ``entry_id`` (see the module's docstring)."""
    before, root = read_tree(source, name)
    index, item = entry_node(root, entry_id)
    key, entries = _entries(root)
    if entries.flow_style:
        raise EditError("verify_failed", "a flow-style 'entries: [...]' list")
    lines = split_lines(source)
    start, column = _first_line(item, lines)
    following = entries.value[index + 1 :]
    limit = _first_line(following[0], lines)[0] if following else None
    end = _last_line(item, lines, limit)
    # comments indented under the entry, right after its last value, are the entry's own
    probe = end + 1
    while probe < len(lines) and (limit is None or probe < limit):
        comment = _COMMENT.match(lines[probe])
        if comment and len(comment.group(1).expandtabs()) > column:
            end = probe
        elif not _blank(lines[probe]):
            break
        probe += 1
    after = end + 1
    while after < len(lines) and _blank(lines[after]):
        after += 1
    if after < len(lines):
        cut_from, cut_to = start, after  # the blank lines after it go with it
    else:  # nothing follows: the blank lines before it go, the file ends where it did
        cut_from, cut_to = start, after
        while cut_from > 0 and _blank(lines[cut_from - 1]):
            cut_from -= 1
    kept = lines[:cut_from] + lines[cut_to:]
    if cut_to == len(lines) and kept and not source.endswith(("\n", "\r")):
        kept[-1] = kept[-1].rstrip("\r\n")  # the file had no final newline: keep it so
    if len(entries.value) == 1:
        kept = _empty_list(kept, key)
    text = "".join(kept)
    _verify(before, text, name, index)
    return text


def _empty_list(lines: list[str], key: yaml.ScalarNode) -> list[str]:
    """``entries:`` with its only entry gone becomes ``entries: []`` (a comment stays)."""
    number = key.end_mark.line
    line = lines[number]
    colon = line.find(":", key.end_mark.column)
    if colon < 0:
        raise EditError("verify_failed", "no colon after 'entries'")
    newline = first_newline(line) or ""
    body = line[: len(line) - len(newline)]
    rest = body[colon + 1 :]
    lines[number] = body[: colon + 1] + " []" + (rest if rest.strip() else "") + newline
    return lines


def _verify(before: Any, text: str, name: str, index: int) -> None:
    """The edited text must parse to the old data without exactly entry ``index``."""
    try:
        after, _ = read_tree(text, name)
    except EditError:
        raise EditError("verify_failed", "the edited file does not parse") from None
    expected = copy.deepcopy(before)
    try:
        del expected["entries"][index]
    except (KeyError, IndexError, TypeError):
        raise EditError("verify_failed", "the old file has no such entry") from None
    if after != expected:
        raise EditError("verify_failed", "the edited file differs by more than the entry")


def remove_entry_in_file(
    path: Path, entry_id: str, version: str | None = None
) -> Callable[[], None]:
    """Take the entry out of the file on disk (re-read now, under the caller's lock); returns
    the undo. ``version``: the :func:`fingerprint` the editor confirmed — if the entry is
    written differently now, :class:`EditError` ``changed_meanwhile`` and nothing is written."""
    original, source = read_exact(path)
    if version is not None and fingerprint(entry_data(source, entry_id, str(path))) != version:
        raise EditError("changed_meanwhile", "the entry changed since it was shown")
    text = remove_entry(source, entry_id, str(path))
    write_bytes_atomic(path, text.encode("utf-8"))
    return lambda: write_bytes_atomic(path, original)

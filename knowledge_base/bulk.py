"""Many surgical edits to the knowledge base's files at once (an imported table).

Each change is one of :mod:`knowledge_base.editing`'s or :mod:`knowledge_base.new_entry`'s
text edits — comments and layout stay, every step is verified — applied in memory file by file;
only when every file took every change are they written. The undo puts every file's previous
bytes back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge_base.editing import (
    EditError,
    add_question,
    entry_node,
    read_exact,
    read_tree,
    remove_question,
    replace_answer,
    verify_field,
    write_bytes_atomic,
)
from knowledge_base.new_entry import NewEntry, add_entry, mapping_value


@dataclass(slots=True)
class EntryEdit:
    """What changes in one existing entry (``None``: that field stays)."""

    entry_id: str
    title: str | None = None
    answer: str | None = None
    add: Sequence[str] = ()
    remove: Sequence[str] = ()


@dataclass(slots=True)
class FileEdits:
    """Everything that changes in one file."""

    path: Path
    entries: list[EntryEdit] = field(default_factory=list)
    new: list[NewEntry] = field(default_factory=list)


def replace_title(source: str, entry_id: str, title: str, name: str = "<kb>") -> str:
    """``source`` with entry ``entry_id``'s one-line ``title`` replaced; nothing else changes."""
    before, root = read_tree(source, name)
    index, entry = entry_node(root, entry_id)
    value = next(
        (v for k, v in entry.value if isinstance(k, yaml.ScalarNode) and k.value == "title"), None
    )
    if not isinstance(value, yaml.ScalarNode) or value.style in ("|", ">"):
        raise EditError("verify_failed", "the title is not a one-line value")
    text = source[: value.start_mark.index] + mapping_value(title) + source[value.end_mark.index :]
    verify_field(before, text, name, index, "title", title)
    return text


def edit_source(source: str, edits: FileEdits) -> str:
    """Apply ``edits`` to one file's text: new wordings before removed ones (a list is never
    empty on the way), new entries last."""
    name = str(edits.path)
    for change in edits.entries:
        if change.title is not None:
            source = replace_title(source, change.entry_id, change.title, name)
        if change.answer is not None:
            source = replace_answer(source, change.entry_id, change.answer, name)
        for question in change.add:
            source = add_question(source, change.entry_id, question, name).text
        for question in change.remove:
            source = remove_question(source, change.entry_id, question, name)
    for entry in edits.new:
        source = add_entry(source, entry, name)
    return source


def apply_to_files(plan: Sequence[FileEdits]) -> Callable[[], None]:
    """Edit every file (re-read now, under the caller's lock) or none; returns the undo."""
    originals: list[tuple[Path, bytes]] = []
    texts: list[tuple[Path, str]] = []
    for edits in plan:
        original, source = read_exact(edits.path)
        originals.append((edits.path, original))
        texts.append((edits.path, edit_source(source, edits)))

    def undo() -> None:
        for path, original in originals:
            write_bytes_atomic(path, original)

    try:
        for path, text in texts:
            write_bytes_atomic(path, text.encode("utf-8"))
    except BaseException:
        undo()
        raise
    return undo

"""Turn knowledge-base YAML files (``data/faq/*.yml``) into training examples.

Parsed with PyYAML directly — the NLU must not depend on the runtime's ``knowledge_base``
package. Every question is an example of intent ``id``. The ``title`` is added as one more
example (it is a clean, canonical phrasing); the first sentence of the ``answer`` is NOT used
as an example because answers are written in the bot's voice («Вы можете…»), unlike customers.
"""

from __future__ import annotations

from pathlib import Path

from nlu.api import Example
from nlu.rasa_io import DataError, load_yaml_with_lines


def read_kb_file(path: Path, use_titles: bool = True) -> list[Example]:
    doc = load_yaml_with_lines(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise DataError(f"{path}:1: not a knowledge-base file (no 'entries' list)")
    out: list[Example] = []
    for entry in doc["entries"]:
        if not isinstance(entry, dict):
            raise DataError(f"{path}:{doc.get('__line__', 1)}: each entry must be a mapping")
        line = int(entry.get("__line__", 0))
        intent = entry.get("id")
        if not isinstance(intent, str) or not intent.strip():
            raise DataError(f"{path}:{line}: entry without a string 'id'")
        questions = entry.get("questions") or []
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            raise DataError(
                f"{path}:{line}: entry {intent!r}: 'questions' must be a list of strings"
            )
        seen: set[str] = set()
        for q in questions:
            if q.strip() and q.strip().lower() not in seen:
                seen.add(q.strip().lower())
                out.append(Example(q.strip(), intent, f"kb:{intent}"))
        title = entry.get("title")
        if use_titles and isinstance(title, str) and title.strip().lower() not in seen:
            out.append(Example(title.strip(), intent, f"kb:{intent}:title"))
    return out


def read_kb(path: Path, use_titles: bool = True) -> list[Example]:
    """A single ``.yml`` file or every ``*.yml``/``*.yaml`` in a directory (sorted)."""
    if path.is_dir():
        files = sorted([*path.glob("*.yml"), *path.glob("*.yaml")])
        if not files:
            raise DataError(f"{path}:0: no *.yml files in the knowledge-base directory")
        return [ex for f in files for ex in read_kb_file(f, use_titles)]
    return read_kb_file(path, use_titles)

"""Turn knowledge-base YAML files (``data/faq/*.yml``) into training examples.

Parsed with PyYAML directly — the NLU must not depend on the runtime's ``knowledge_base``
package. Every question is an example of intent ``id``. The ``title`` is added as one more
example (it is a clean, canonical phrasing), and so is every sentence of the ``answer`` of three
words or more: answers are in the bot's voice («Вы можете…»), but they carry the entry's own
vocabulary — on the demo held-out set, training on the canonical questions only, they raise
top-1 accuracy from 0.54 to 0.67 (and from 0.924 to 0.932 with all paraphrases).
"""

from __future__ import annotations

import re
from pathlib import Path

from nlu.api import Example
from nlu.rasa_io import DataError, load_yaml_with_lines

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def answer_sentences(answer: str) -> list[str]:
    """Sentences of an answer worth learning from (three words or more, bullets stripped)."""
    parts = (p.strip().strip("•-").strip() for p in _SENTENCE_END.split(answer))
    return [p for p in parts if len(p.split()) >= 3]


def entry_examples(
    intent: str,
    questions: list[str],
    title: str | None,
    answer: str | None,
    *,
    use_titles: bool = True,
    use_answers: bool = True,
) -> list[Example]:
    """The training examples of one knowledge-base entry (duplicates dropped)."""
    out: list[Example] = []
    seen: set[str] = set()

    def add(text: str, source: str) -> None:
        key = text.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(Example(text.strip(), intent, source))

    for q in questions:
        add(q, f"kb:{intent}")
    if use_titles and title:
        add(title, f"kb:{intent}:title")
    if use_answers and answer:
        for sentence in answer_sentences(answer):
            add(sentence, f"kb:{intent}:answer")
    return out


def read_kb_file(path: Path, use_titles: bool = True, use_answers: bool = True) -> list[Example]:
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
        title = entry.get("title")
        answer = entry.get("answer")
        out.extend(
            entry_examples(
                intent,
                questions,
                title if isinstance(title, str) else None,
                answer if isinstance(answer, str) else None,
                use_titles=use_titles,
                use_answers=use_answers,
            )
        )
    return out


def read_kb(path: Path, use_titles: bool = True, use_answers: bool = True) -> list[Example]:
    """A single ``.yml`` file or every ``*.yml``/``*.yaml`` in a directory (sorted)."""
    if path.is_dir():
        files = sorted([*path.glob("*.yml"), *path.glob("*.yaml")])
        if not files:
            raise DataError(f"{path}:0: no *.yml files in the knowledge-base directory")
        return [ex for f in files for ex in read_kb_file(f, use_titles, use_answers)]
    return read_kb_file(path, use_titles, use_answers)

"""Read and write Rasa 3 NLU training data (``version: "3.1"``, ``nlu: - intent: … examples: |``).

Why: teams migrating from Rasa bring their ``nlu.yml``; small-talk and handoff intents of the
project live in ``data/nlu.yml`` in that format. Errors carry ``file:line`` so an editor can jump
to the mistake. Entity annotations ``[text](entity)`` are reduced to their text: entities here
are rule-based. What Rasa would use and Zabota does not (``synonym``, ``regex`` and ``lookup``
blocks, entity annotations) is named by :func:`unused_rasa_parts`, so that nothing a migrated
file says is dropped without a word.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from nlu.api import Example


class DataError(ValueError):
    """Malformed training data; the message starts with ``file:line``."""


_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the 1-based line of every mapping as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "examples":
            # where the examples' text starts: a block scalar («examples: |») on the line after
            # its indicator, whatever came between «intent:» and it («metadata:», comments)
            block = isinstance(value, yaml.ScalarNode) and value.style in ("|", ">")
            mapping["__examples_line__"] = value.start_mark.line + 1 + int(block)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_with_lines(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise DataError(f"{path}:{line}: YAML error: {exc.problem}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}:0: cannot read ({exc})") from exc


def read_rasa_nlu(path: Path) -> list[Example]:
    """Examples of every ``intent`` block; ``synonym``/``regex``/``lookup`` blocks are skipped."""
    doc = load_yaml_with_lines(path)
    if not isinstance(doc, dict) or "nlu" not in doc:
        raise DataError(f"{path}:1: это не файл NLU в формате Rasa: нет раздела 'nlu:'")
    blocks = doc["nlu"]
    if not isinstance(blocks, list):
        raise DataError(
            f"{path}:{doc.get('__line__', 1)}: 'nlu:' должен быть списком (- intent: …)"
        )
    out: list[Example] = []
    for block in blocks:
        if not isinstance(block, dict):
            raise DataError(
                f"{path}:{doc.get('__line__', 1)}: каждый элемент 'nlu:' — словарь (- intent: …)"
            )
        line = int(block.get("__line__", 0))
        if "intent" not in block:
            continue
        intent = block["intent"]
        examples = block.get("examples")
        if not isinstance(intent, str) or not intent.strip():
            raise DataError(f"{path}:{line}: 'intent' — непустое имя интента")
        if not isinstance(examples, str):
            raise DataError(
                f"{path}:{line}: интент {intent!r}: 'examples' — блок '|' с примерами, "
                "по одному на строку"
            )
        first = int(block.get("__examples_line__", line + 2))
        for offset, raw in enumerate(examples.splitlines()):
            item = raw.strip()
            if not item:
                continue
            if not item.startswith("- "):
                raise DataError(
                    f"{path}:{first + offset}: пример должен начинаться с «- »: {item!r}"
                )
            text = _ANNOTATION.sub(r"\1", item[2:].strip())
            out.append(Example(text, intent.strip(), f"{path}:{first + offset}"))
    return out


_UNUSED_BLOCKS = {
    "synonym": "синонимы сущностей не используются: значения сущностей Zabota находит "
    "правилами (nlu/entities.py); нужное слово добавьте примером к интенту или вопросом к записи",
    "regex": "регулярные выражения Rasa не используются: номер заказа, телефон и т. п. "
    "сценарий берёт выражением pattern: своего шага (docs/flows.md)",
    "lookup": "таблицы поиска (lookup) не используются: значения сущностей Zabota находит "
    "правилами (nlu/entities.py)",
}


def unused_rasa_parts(path: Path) -> list[tuple[int, str]]:
    """``(line, message)`` for each part of a Rasa NLU file that Zabota reads past: a
    ``synonym``/``regex``/``lookup`` block, the first entity annotation of an intent (its
    text is kept as an example, the entity dropped) and an unknown block. Warnings, not
    errors: the examples themselves are all used. Call on a file :func:`read_rasa_nlu` read."""
    doc = load_yaml_with_lines(path)
    blocks = doc.get("nlu") if isinstance(doc, dict) else None
    found: list[tuple[int, str]] = []
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        line = int(block.get("__line__", 0))
        kinds = [k for k in block if k in _UNUSED_BLOCKS]
        if kinds:
            found.append((line, f"{kinds[0]} {block[kinds[0]]!r}: {_UNUSED_BLOCKS[kinds[0]]}"))
            continue
        if "intent" not in block:
            keys = ", ".join(str(k) for k in block if not str(k).startswith("__"))
            found.append((line, f"блок «{keys}» не используется: читаются только блоки intent"))
            continue
        examples = block.get("examples")
        first = int(block.get("__examples_line__", line + 2))
        for offset, raw in enumerate(examples.splitlines() if isinstance(examples, str) else []):
            annotation = _ANNOTATION.search(raw)
            if annotation is not None:
                found.append(
                    (
                        first + offset,
                        f"разметка сущности «{annotation.group(0)}» не используется: пример "
                        f"читается как текст «{annotation.group(1)}», а сущности Zabota находит "
                        "правилами (nlu/entities.py); так же и в остальных примерах интента "
                        f"{block['intent']!r}",
                    )
                )
                break
    return found


def _quote_if_needed(text: str) -> str:
    return text.replace("\n", " ").strip()


def dump_rasa_nlu(examples: list[Example]) -> str:
    """Rasa 3.1 YAML text; intents in first-seen order, examples in input order."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for ex in examples:
        by_intent[ex.intent].append(_quote_if_needed(ex.text))
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {t}" for t in texts)
    return "\n".join(lines) + "\n"


def write_rasa_nlu(path: Path, examples: list[Example]) -> None:
    path.write_text(dump_rasa_nlu(examples), encoding="utf-8")

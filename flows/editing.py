"""Rewriting what a flow says — a step's question, message, retry or hand-over text — in its
YAML file, the way :mod:`knowledge_base.editing` rewrites an FAQ answer.

Only the texts customers read are editable here (:data:`TEXT_FIELDS`); a flow's structure —
steps, slots, patterns, branches — stays in the file. Only the text's lines change: comments,
the other flows, CRLF and a missing final newline stay byte for byte, and the edited file must
parse to the same data with only that text changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.yamlio import ContentError, parse_yaml
from knowledge_base.editing import (
    EditError,
    clean_answer,
    read_exact,
    read_tree,
    replace_scalar,
    write_bytes_atomic,
)
from knowledge_base.loader import kb_files

TEXT_FIELDS = ("ask", "say", "retry", "invalid", "handoff")
"""What the customer reads: the question, the message, the «try again», the «this value does not
fit» and the hand-over."""


@dataclass(frozen=True, slots=True)
class StepText:
    """One editable text of a flow, with where it lives."""

    flow_id: str
    step_id: str
    field: str
    text: str
    file: str
    line: int  # 1-based


def _mapping_items(node: yaml.Node) -> Iterable[tuple[yaml.Node, yaml.Node]]:
    return node.value if isinstance(node, yaml.MappingNode) else ()


def _get(node: yaml.Node, key: str) -> yaml.Node | None:
    for k, v in _mapping_items(node):
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _flows(root: yaml.Node | None) -> list[yaml.Node]:
    flows = _get(root, "flows") if root is not None else None
    return list(flows.value) if isinstance(flows, yaml.SequenceNode) else []


def texts_in(source: str, name: str) -> list[StepText]:
    """Every editable text of every flow in one file."""
    _, root = read_tree(source, name)
    found: list[StepText] = []
    for flow in _flows(root):
        flow_id = _get(flow, "id")
        steps = _get(flow, "steps")
        if not isinstance(flow_id, yaml.ScalarNode) or not isinstance(steps, yaml.SequenceNode):
            continue
        for step in steps.value:
            step_id = _get(step, "id")
            if not isinstance(step_id, yaml.ScalarNode):
                continue
            for key, value in _mapping_items(step):
                if (
                    isinstance(key, yaml.ScalarNode)
                    and key.value in TEXT_FIELDS
                    and isinstance(value, yaml.ScalarNode)
                ):
                    found.append(
                        StepText(
                            flow_id.value,
                            step_id.value,
                            key.value,
                            value.value,
                            name,
                            key.start_mark.line + 1,
                        )
                    )
    return found


def find_text(paths: list[Path], flow_id: str, step_id: str, field: str) -> StepText:
    """Where a flow's text lives among the project's flow files."""
    for path in kb_files([p for p in paths if p.exists()]):
        _, source = read_exact(path)
        try:
            texts = texts_in(source, str(path))
        except EditError:
            continue  # a broken file: the reload reports it
        for text in texts:
            if (text.flow_id, text.step_id, text.field) == (flow_id, step_id, field):
                return text
    raise EditError("not_found", f"no {field!r} in step {step_id!r} of flow {flow_id!r}")


def replace_text(
    source: str, flow_id: str, step_id: str, field: str, text: str, name: str = "<flows>"
) -> str:
    """``source`` with that step's ``field`` replaced by ``text`` (a literal block)."""
    if field not in TEXT_FIELDS:
        raise EditError("bad_field", f"{field!r} is not a text customers read")
    text = clean_answer(text)
    before, root = read_tree(source, name)
    for f_index, flow in enumerate(_flows(root)):
        flow_node = _get(flow, "id")
        steps = _get(flow, "steps")
        if not isinstance(flow_node, yaml.ScalarNode) or flow_node.value != flow_id:
            continue
        if not isinstance(steps, yaml.SequenceNode):
            break
        for s_index, step in enumerate(steps.value):
            step_node = _get(step, "id")
            if not isinstance(step_node, yaml.ScalarNode) or step_node.value != step_id:
                continue
            for key, value in _mapping_items(step):
                if isinstance(key, yaml.ScalarNode) and key.value == field:
                    if not isinstance(value, yaml.ScalarNode):
                        break
                    # «|-»: a message has no trailing newline (a KB answer is stripped on load)
                    edited = replace_scalar(source, key, value, text, "|-")
                    _verify(before, edited, name, (f_index, s_index, field), text)
                    return edited
    raise EditError("not_found", f"no {field!r} in step {step_id!r} of flow {flow_id!r}")


def _verify(before: Any, edited: str, name: str, where: tuple[int, int, str], text: str) -> None:
    flow, step, field = where
    try:
        after = parse_yaml(edited, name).data
        written = after["flows"][flow]["steps"][step][field]
        after["flows"][flow]["steps"][step][field] = before["flows"][flow]["steps"][step][field]
    except ContentError as exc:
        raise EditError("verify_failed", f"the edited file does not parse: {exc}") from None
    except (KeyError, IndexError, TypeError):
        raise EditError("verify_failed", "the edited file lost the text") from None
    if written != text or after != before:
        raise EditError("verify_failed", "the edited file differs by more than the text")


def replace_text_in_file(
    path: Path, flow_id: str, step_id: str, field: str, text: str
) -> Callable[[], None]:
    """Edit the file on disk (re-read now, under the caller's lock); returns the undo."""
    original, source = read_exact(path)
    edited = replace_text(source, flow_id, step_id, field, text, str(path))
    write_bytes_atomic(path, edited.encode("utf-8"))
    return lambda: write_bytes_atomic(path, original)

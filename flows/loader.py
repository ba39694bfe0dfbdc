"""Load flows from YAML and check them against the knowledge base and the known intents."""

from __future__ import annotations

import string
from collections.abc import Collection
from pathlib import Path

from bot.yamlio import ContentError, Problem, load_yaml
from flows.models import Flow, FlowsFile
from knowledge_base.loader import kb_files
from knowledge_base.models import KnowledgeBase


def load_flows(paths: list[Path], kb: KnowledgeBase, intents: Collection[str]) -> dict[str, Flow]:
    """All flows by id; one :class:`ContentError` listing every problem with ``file:line``."""
    problems: list[Problem] = []
    flows: dict[str, Flow] = {}
    trigger_owner: dict[str, str] = {}
    existing = [p for p in paths if p.exists()]
    for file in kb_files(existing):
        try:
            doc = load_yaml(file)
            if doc.data is None:
                continue
            if not isinstance(doc.data, dict) or not isinstance(doc.data.get("flows", []), list):
                raise ContentError([doc.problem((), "expected a mapping with a 'flows:' list")])
            doc.validate(FlowsFile, data={**doc.data, "flows": []})
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        for index, raw in enumerate(doc.data.get("flows") or []):
            loc: tuple[str | int, ...] = ("flows", index)
            try:  # flow by flow, so that one broken flow does not hide the others' problems
                flow = doc.validate(Flow, loc, data=raw)
            except ContentError as exc:
                problems.extend(exc.problems)
                continue
            if flow.id in flows:
                problems.append(doc.problem(loc, f"duplicate flow id {flow.id!r}"))
                continue
            flows[flow.id] = flow
            for intent in flow.intents:
                if intent not in intents and intent not in kb:
                    problems.append(doc.problem((*loc, "intents"), f"unknown intent {intent!r}"))
                if intent in trigger_owner:
                    problems.append(
                        doc.problem(
                            (*loc, "intents"),
                            f"intent {intent!r} already starts flow {trigger_owner[intent]!r}",
                        )
                    )
                trigger_owner.setdefault(intent, flow.id)
            slots: set[str] = set()
            for s_index, step in enumerate(flow.steps):
                step_loc = (*loc, "steps", s_index)
                if step.answer is not None and step.answer not in kb:
                    problems.append(
                        doc.problem(step_loc, f"unknown knowledge-base entry {step.answer!r}")
                    )
                text = step.ask or step.say or step.handoff or ""
                for _, name, _, _ in string.Formatter().parse(text):
                    if name and name not in slots:
                        problems.append(
                            doc.problem(step_loc, f"{{{name}}} is not collected by an earlier step")
                        )
                if step.slot:
                    slots.add(step.slot)
    if problems:
        raise ContentError(problems)
    return flows

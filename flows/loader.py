"""Load flows from YAML and check them against the knowledge base and the known intents."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bot.config import placeholders
from bot.yamlio import ContentError, Problem, load_yaml
from flows.models import Flow, FlowsFile
from knowledge_base.loader import kb_files
from knowledge_base.models import KnowledgeBase


def load_flows(
    paths: list[Path],
    kb: KnowledgeBase,
    intents: Collection[str],
    *,
    check_references: bool = True,
) -> dict[str, Flow]:
    """All flows by id; one :class:`ContentError` listing every problem with ``file:line``.

    ``check_references=False``: part of the knowledge base did not load, so an intent or
    entry missing from it may be in the broken file — not reported (no false alarms)."""
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
                raise ContentError([doc.problem((), "ожидается словарь со списком 'flows:'")])
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
                problems.append(doc.problem(loc, f"повторяется id сценария {flow.id!r}"))
                continue
            flows[flow.id] = flow
            for intent in flow.intents:
                if check_references and intent not in intents and intent not in kb:
                    problems.append(
                        doc.problem((*loc, "intents"), f"неизвестный интент {intent!r}")
                    )
                if intent in trigger_owner:
                    problems.append(
                        doc.problem(
                            (*loc, "intents"),
                            f"интент {intent!r} уже запускает сценарий {trigger_owner[intent]!r}",
                        )
                    )
                trigger_owner.setdefault(intent, flow.id)
            slots: set[str] = set()
            for s_index, step in enumerate(flow.steps):
                step_loc = (*loc, "steps", s_index)
                if check_references and step.answer is not None and step.answer not in kb:
                    problems.append(
                        doc.problem(step_loc, f"нет такой записи базы знаний: {step.answer!r}")
                    )
                for field in ("ask", "retry", "invalid", "say", "handoff"):
                    text = getattr(step, field)
                    if not text:
                        continue
                    try:
                        names = placeholders(text)
                    except ValueError as exc:  # «{order_number» would reach the customer raw
                        problems.append(doc.problem((*step_loc, field), str(exc)))
                        continue
                    for name in dict.fromkeys(names):
                        if name not in slots and not (field == "invalid" and name == "value"):
                            problems.append(
                                doc.problem(
                                    (*step_loc, field),
                                    f"{{{name}}} не собирается ни одним из предыдущих шагов",
                                )
                            )
                for name in step.when:
                    if name not in slots:
                        problems.append(
                            doc.problem(
                                (*step_loc, "when", name),
                                f"условие when: слот {name!r} не собирается ни одним из "
                                f"предыдущих шагов{_known(slots)} — шаг никогда не выполнится",
                            )
                        )
                if step.collects:
                    slots.add(step.collects)
    if problems:
        raise ContentError(problems)
    return flows


def _known(slots: set[str]) -> str:
    return f" (собираются: {', '.join(sorted(slots))})" if slots else ""

"""«Сценарии» on the editor's page: what the bot says in its multi-step dialogues, rewritten
without opening a YAML file (:mod:`flows.editing`), through the same validated, gated reload as
an FAQ answer. A placeholder no earlier step collects (``{order_numbr}``) is refused by the
flows' validation with its ``file:line``, and the file is put back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.engine import Brain
from bot.reload import Edit
from bot.storage.db import Database
from flows.editing import TEXT_FIELDS, find_text, replace_text_in_file, texts_in
from handoff.editor_refusals import elsewhere
from handoff.errors import HandoffError, NotFound
from handoff.teaching import (
    ANSWER_MESSAGES,
    Reloader,
    TeachResult,
    journal_line,
    put_live,
    refused_result,
    unless_changed,
)
from knowledge_base.editing import EditError, clean_answer, read_exact
from knowledge_base.loader import kb_files

log = logging.getLogger(__name__)

LABELS = {
    "ask": "Вопрос клиенту",
    "say": "Сообщение",
    "retry": "Если ответ не подошёл",
    "invalid": "Если значение не подходит по формату",
    "handoff": "Перед передачей оператору",
}
FLOW_MESSAGES = {
    **ANSWER_MESSAGES,
    "empty": "Пустой текст: клиенту нечего будет прочитать.",
    "not_found": "Этого текста нет в файле сценария: его изменили вручную. Обновите страницу.",
    "bad_field": "Этот текст здесь не редактируется.",
    "verify_failed": "Не удалось аккуратно заменить текст в файле; файл не изменён.",
}


def flow_paths(brain: Brain, root: Path) -> list[Path]:
    return [root / p for p in brain.config.flows]


def flows_json(brain: Brain, root: Path) -> list[dict[str, Any]]:
    """The live flows, each step with the texts customers read and where they are written."""
    located: dict[tuple[str, str, str], tuple[str, int]] = {}
    for path in kb_files([p for p in flow_paths(brain, root) if p.exists()]):
        try:
            for text in texts_in(read_exact(path)[1], str(path)):
                relative = path.relative_to(root) if path.is_relative_to(root) else path
                located[(text.flow_id, text.step_id, text.field)] = (str(relative), text.line)
        except EditError:
            continue  # a broken file: the reload reports it
    flows = []
    for flow in brain.flows.values():
        steps = []
        for step in flow.steps:
            texts = []
            for field in TEXT_FIELDS:
                value = getattr(step, field)
                where = located.get((flow.id, step.id, field))
                if value is None or where is None or (field == "handoff" and not value):
                    continue
                texts.append(
                    {
                        "field": field,
                        "label": LABELS[field],
                        "text": value,
                        "source": f"{where[0]}:{where[1]}",
                    }
                )
            if texts:
                steps.append({"id": step.id, "kind": step.kind, "texts": texts})
        flows.append({"id": flow.id, "title": flow.title, "steps": steps})
    return flows


async def edit_flow_text(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    root: Path,
    *,
    flow_id: str,
    step_id: str,
    field: str,
    text: str,
    operator_id: int,
    base: str | None = None,
) -> TeachResult:
    """Rewrite one text of a flow on disk and put it live, or change nothing. ``base``: the
    text the editor's page loaded (409 ``changed_meanwhile`` if the file says otherwise now)."""
    if field not in TEXT_FIELDS:
        raise HandoffError(FLOW_MESSAGES["bad_field"], "bad_field")
    try:
        cleaned = clean_answer(text)
    except EditError as exc:
        raise HandoffError(FLOW_MESSAGES.get(exc.code, str(exc)), exc.code) from None
    current = brain()
    flow = current.flows.get(flow_id)
    step = next((s for s in flow.steps if s.id == step_id), None) if flow else None
    if flow is None or step is None or getattr(step, field) is None:
        raise NotFound("Такого текста в сценариях нет.", "not_found")
    if cleaned == (getattr(step, field) or "").strip():
        raise HandoffError("Текст не изменился.", "unchanged")
    try:
        path = Path(find_text(flow_paths(current, root), flow_id, step_id, field).file)
    except EditError as exc:
        raise HandoffError(FLOW_MESSAGES.get(exc.code, str(exc)), exc.code) from None
    key = f"{flow_id}/{step_id}/{field}"
    paths = flow_paths(current, root)
    edit = Edit(
        apply=unless_changed(
            base,
            lambda: find_text(paths, flow_id, step_id, field).text,
            lambda: replace_text_in_file(path, flow_id, step_id, field, cleaned),
        ),
        journal=journal_line(db, operator_id, "flow_edited", key, cleaned, flow_id, path),
    )
    report = await put_live(reloader, edit, FLOW_MESSAGES)
    if not report.ok:
        log.warning("text %s/%s/%s refused by the reload", flow_id, step_id, field)
        message = elsewhere(report, path) or (
            "Изменение не принято: в сценарии ошибка, файл возвращён как был."
        )
        return refused_result(current, report, flow_id, cleaned, message)
    log.info("editor %s rewrote %s/%s/%s (%s)", operator_id, flow_id, step_id, field, path)
    return TeachResult(
        ok=True,
        message=f"Готово: сценарий «{flow.title}» говорит новым текстом.",
        entry_id=flow_id,
        text=cleaned,
    )

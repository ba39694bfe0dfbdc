"""«Удалить запись»: a knowledge-base entry taken out of its file from the editor's page.

:func:`plan` says what deleting would change before anything is written — the questions the bot
stops recognising, how often it answered with the entry lately, the customers' questions taught
to it that go back to «Бот не понял», the regression set's rows that expect it (the gate skips
rows whose label the content no longer has, :func:`bot.reload.gate`) — and what still
refers to the entry: another entry's button («см. также»), a flow started by it or showing it,
a button of a bot phrase in ``domain.yml``. While anything refers to it, :func:`delete` refuses
(400 ``referenced``) with those references in Russian: removing the entry would leave a button
to nowhere or a flow the reload refuses.

:func:`delete` takes the entry's lines out of the file (:mod:`knowledge_base.remove_entry`)
under the reload lock, after checking that the entry is still what the editor confirmed
(``version``, else 409 ``changed_meanwhile``), then runs the validated, gated, journaled reload
of every edit (:mod:`handoff.teaching`); refused, the file gets its bytes back. The journal
line (``entry_deleted``) points at the revision, so «Отменить» writes the entry back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.engine import Brain
from bot.reload import Edit, read_regression_set
from bot.russian import plural
from bot.storage.db import Database
from bot.storage.models import Message, utcnow
from bot.yamlio import ContentError
from handoff.editor import taught_to
from handoff.errors import Conflict, HandoffError, NotFound
from handoff.phrase_titles import TITLES as PHRASE_TITLES
from handoff.teaching import (
    EDIT_MESSAGES,
    Reloader,
    TeachResult,
    journal_line,
    put_live,
    refused_result,
    shown_source,
)
from knowledge_base.editing import EditError, read_exact
from knowledge_base.remove_entry import entry_data, fingerprint, remove_entry_in_file

log = logging.getLogger(__name__)

RECENT_DAYS = 30  # «за 30 дней бот ответил этой записью N раз»

DELETE_MESSAGES = {
    **EDIT_MESSAGES,
    "changed_meanwhile": "Пока вы подтверждали удаление, запись изменили (новый вопрос, ответ "
    "или правка в файле). Посмотрите её ещё раз и удалите снова, если она всё так же не нужна.",
    "verify_failed": "Не удалось аккуратно убрать запись из файла; файл не изменён. "
    "Уберите её вручную.",
}


@dataclass(frozen=True, slots=True)
class Reference:
    """Something that points at the entry and would break without it."""

    kind: str  # entry_button | flow_trigger | flow_step | phrase_button
    text: str  # Russian, names the referrer

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(slots=True)
class DeletionPlan:
    """What deleting ``entry_id`` changes, as the confirmation shows it."""

    entry_id: str
    title: str
    source: str
    version: str  # the entry as its file holds it now (:func:`fingerprint`)
    questions: int  # the ways customers ask it: the bot stops recognising them
    answered: int  # the bot's answers with it in the last RECENT_DAYS days
    taught: list[str] = field(default_factory=list)  # back to «Бот не понял»
    regression_rows: int = 0  # rows of the regression set labelled with it
    references: list[Reference] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.references:
            return blocked(self.title, self.references)
        recent = _count(self.answered, "раз", "раза", "раз")
        parts = [
            f"Удалить запись «{self.title}» ({self.source})?",
            f"Бот перестанет узнавать {_count(self.questions, 'вопрос', 'вопроса', 'вопросов')} "
            "этой записи и отвечать ею"
            + (f" (за {RECENT_DAYS} дней он ответил ею {recent})." if self.answered else "."),
        ]
        if self.taught:
            taught = len(self.taught)
            parts.append(
                f"{_count(taught, 'вопрос', 'вопроса', 'вопросов')} клиентов, которым "
                f"бота научили этой записью, {plural(taught, 'вернётся', 'вернутся', 'вернутся')} "
                "в «Бот не понял»."
            )
        if self.regression_rows:
            rows = _count(self.regression_rows, "строка", "строки", "строк")
            parts.append(
                f"В проверочных вопросах (regression_set) её ждут {rows} — пока записи нет, "
                "проверка качества их пропускает."
            )
        parts.append("Операторы больше не увидят её ответ в подсказках и поиске по базе.")
        parts.append("Удаление можно отменить в «Журнале изменений».")
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "title": self.title,
            "source": self.source,
            "version": self.version,
            "questions": self.questions,
            "answered": self.answered,
            "taught": self.taught,
            "regression_rows": self.regression_rows,
            "references": [r.to_json() for r in self.references],
            "blocked": bool(self.references),
            "message": self.message,
        }


def blocked(title: str, found: list[Reference]) -> str:
    """Why an entry cannot be deleted yet, in Russian."""
    return (
        f"Запись «{title}» нельзя удалить: на неё ссылается "
        + "; ".join(r.text for r in found)
        + ". Сначала уберите или перенаправьте эти ссылки (в файлах контента) — иначе кнопка "
        "или сценарий вели бы в никуда."
    )


def _count(n: int, one: str, few: str, many: str) -> str:
    return f"{n} {plural(n, one, few, many)}"


def references(brain: Brain, entry_id: str) -> list[Reference]:
    """What refers to ``entry_id`` in the live content (buttons, flows, bot phrases)."""
    found: list[Reference] = []
    for other_id, other in brain.kb.entries.items():
        if other_id == entry_id:
            continue
        for button in other.buttons:
            if button.entry == entry_id:
                found.append(
                    Reference(
                        "entry_button",
                        f"кнопка «{button.title}» в записи «{other.title}» "
                        f"({shown_source(brain, other_id)})",
                    )
                )
    for flow in brain.flows.values():
        if entry_id in flow.intents:
            found.append(
                Reference("flow_trigger", f"сценарий «{flow.title}» — он отвечает на её вопросы")
            )
        for number, step in enumerate(flow.steps, start=1):
            if step.answer == entry_id:
                found.append(
                    Reference("flow_step", f"шаг {number} сценария «{flow.title}» показывает её")
                )
    for name, variants in brain.domain.responses.items():
        for variant in variants:
            for pressed in variant.buttons:
                if pressed.payload == f"faq:{entry_id}":
                    title = PHRASE_TITLES.get(name, name)
                    found.append(
                        Reference(
                            "phrase_button",
                            f"кнопка «{pressed.title}» во фразе бота «{title}» (domain.yml)",
                        )
                    )
    return list(dict.fromkeys(found))  # a phrase's variants share their buttons


def _regression_rows(brain: Brain, root: Path | None, entry_id: str) -> int:
    if root is None or not brain.config.regression_set:
        return 0
    try:
        rows = read_regression_set(root / brain.config.regression_set)
    except ContentError:
        return 0
    return sum(1 for _, label in rows if label == entry_id)


async def plan(db: Database, brain: Brain, root: Path | None, entry_id: str) -> DeletionPlan:
    """What deleting ``entry_id`` would change, and what refers to it."""
    entry = brain.kb.get(entry_id)
    source = brain.kb.sources.get(entry_id)
    if entry is None or source is None:
        raise NotFound("Запись базы знаний не найдена — возможно, её уже удалили.", "not_found")
    version = _version(Path(source.file), entry_id)
    faq = Message.data["faq"].as_string()
    async with db.read() as session:
        answered = await session.scalar(
            select(func.count(Message.id)).where(
                Message.author == "bot",
                Message.created_at >= utcnow() - timedelta(days=RECENT_DAYS),
                faq == entry_id,
            )
        )
        taught = await taught_to(session, entry_id)
    return DeletionPlan(
        entry_id=entry_id,
        title=entry.title,
        source=shown_source(brain, entry_id),
        version=version,
        questions=len(entry.questions),
        answered=int(answered or 0),
        taught=taught,
        regression_rows=_regression_rows(brain, root, entry_id),
        references=references(brain, entry_id),
    )


def _version(path: Path, entry_id: str) -> str:
    try:
        return fingerprint(entry_data(read_exact(path)[1], entry_id, str(path)))
    except EditError as exc:  # the file is broken, or the entry was moved by hand
        raise HandoffError(DELETE_MESSAGES.get(exc.code, str(exc)), exc.code) from None


async def delete(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    *,
    entry_id: str,
    version: str | None,
    operator_id: int,
) -> TeachResult:
    """Take ``entry_id`` out of its file and put that live, or change nothing. ``version``:
    the entry as the confirmation showed it (:attr:`DeletionPlan.version`); ``None`` (an API
    client that sent none): not checked."""
    current = brain()
    entry = current.kb.get(entry_id)
    source = current.kb.sources.get(entry_id)
    if entry is None or source is None:
        raise NotFound("Запись базы знаний не найдена — возможно, её уже удалили.", "not_found")
    found = references(current, entry_id)
    if found:
        raise HandoffError(blocked(entry.title, found), "referenced")
    path = Path(source.file)
    edit = Edit(
        apply=lambda: remove_entry_in_file(path, entry_id, version),
        journal=journal_line(
            db, operator_id, "entry_deleted", entry_id, entry.title, entry_id, path
        ),
    )
    try:
        report = await put_live(reloader, edit, DELETE_MESSAGES)
    except HandoffError as exc:
        if exc.code == "changed_meanwhile":
            raise Conflict(exc.message, exc.code) from None
        raise
    if not report.ok:
        log.warning("deleting %s refused by the reload", entry_id)
        message = (
            "Запись не удалена: без неё в контенте ошибки — файл возвращён как был."
            if report.problems
            else "Запись не удалена: без неё бот стал бы хуже отвечать на проверочные вопросы. "
            "Файл возвращён как был."
        )
        return refused_result(current, report, entry_id, entry.title, message)
    log.info("editor %s deleted entry %s (%s)", operator_id, entry_id, path)
    return TeachResult(
        ok=True,
        message=f"Готово: запись «{entry.title}» удалена, бот больше не отвечает ею. "
        "Вернуть её можно кнопкой «Отменить» в журнале.",
        entry_id=entry_id,
        text=entry.title,
    )

"""A new knowledge-base entry written from the editor's page or a table row: its category's
file, an id no entry or intent has, and the same validated, gated, journaled reload as any
change (:mod:`handoff.teaching`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.engine import Brain
from bot.reload import Edit, ReloadReport
from bot.storage.db import Database
from bot.storage.models import ContentRevision, EditorAction
from handoff.editor import prediction_json
from handoff.errors import Conflict, HandoffError
from handoff.new_entry_checks import EntryProblems, form_problems
from handoff.teaching import (
    ANSWER_MESSAGES,
    Reloader,
    TeachResult,
    audit_row,
    confident_elsewhere,
    entry_with_question,
    journal_lines,
    put_live,
    refusal,
    refused_result,
    shown_source,
)
from knowledge_base.editing import EditError
from knowledge_base.loader import question_key, title_key
from knowledge_base.models import FAQEntry
from knowledge_base.new_entry import NewEntry, add_entry_to_file, new_entry

log = logging.getLogger(__name__)


def taken_ids(brain: Brain) -> set[str]:
    """Ids a new entry cannot have: the entries' and every intent the NLU knows (``thanks`` of
    data/nlu.yml, flows' intents, ``oos``) — the reload refuses an entry named like one."""
    return {*brain.kb.entries, *brain.nlu.intents, "oos"}


def entry_titled(brain: Brain, title: str) -> FAQEntry | None:
    """The entry whose title reads as ``title`` — case, ё and spacing ignored: the content's
    validation refuses two such titles (the pickers and «Вы имели в виду…?» buttons could not
    tell them apart)."""
    key = title_key(title)
    return next((e for e in brain.kb.entries.values() if title_key(e.title) == key), None)


NEW_ENTRY_MESSAGES = {
    **ANSWER_MESSAGES,
    "no_questions": "Добавьте хотя бы один вопрос клиента.",
    "question_too_long": "Вопрос длиннее 300 символов — так клиенты не спрашивают.",
    "verify_failed": "Не удалось аккуратно дописать запись в файл; файл не изменён.",
}


def categories(brain: Brain) -> dict[str, str]:
    """Each category of the knowledge base → the file most of its entries live in (where a
    new entry of that category is written)."""
    counts: dict[str, dict[str, int]] = {}
    for entry_id, entry in brain.kb.entries.items():
        source = brain.kb.sources.get(entry_id)
        if entry.category and source is not None:
            files = counts.setdefault(entry.category, {})
            files[source.file] = files.get(source.file, 0) + 1
    return {c: max(files, key=lambda f: files[f]) for c, files in sorted(counts.items())}


class AnsweredElsewhere(Conflict):
    """409 ``answered_elsewhere``: the entry that already answers one of the new questions,
    so the page can offer to add the question to it instead (one click) or create anyway."""

    def __init__(self, question: str, entry_id: str, entry_title: str) -> None:
        super().__init__(
            f"На «{question}» бот уже уверенно отвечает записью «{entry_title}». Если клиенты "
            "спрашивают о том же, добавьте вопрос в эту запись. Новая запись нужна, только "
            "если ответ на этот вопрос должен быть другим.",
            "answered_elsewhere",
        )
        self.question = question
        self.entry_id = entry_id
        self.entry_title = entry_title

    def to_json(self) -> dict[str, str]:
        return {
            "error": self.code,
            "message": self.message,
            "question": self.question,
            "entry_id": self.entry_id,
            "entry_title": self.entry_title,
        }


async def create_entry(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    *,
    title: str,
    category: str,
    questions: list[str],
    answer: str,
    operator_id: int,
    force: bool = False,
) -> TeachResult:
    """Write a new entry (in its category's file) and put it live, or change nothing. The new
    model must answer every one of its questions with it; a question the bot already answers
    confidently with another entry is refused unless ``force``."""
    current = brain()
    files = categories(current)
    # Everything wrong at once, each by its field; a title or question another entry has
    # whatever ``force`` says: the reload would refuse it.
    problems = form_problems(
        current,
        files,
        NEW_ENTRY_MESSAGES,
        lambda brain, question: entry_with_question(brain, question, None),
        title=title,
        category=category,
        questions=questions,
        answer=answer,
    )
    if problems:
        raise EntryProblems(problems)
    try:
        entry = new_entry(title, category, questions, answer, taken=taken_ids(current))
    except EditError as exc:
        raise HandoffError(NEW_ENTRY_MESSAGES.get(exc.code, str(exc)), exc.code) from None
    for question in [] if force else entry.questions:
        other = confident_elsewhere(current, question, None)
        if other is not None:
            raise AnsweredElsewhere(question, other.id, other.title)
    path = Path(files[category])

    def lines(revision: ContentRevision | None) -> list[EditorAction]:
        return [
            *(
                audit_row(
                    "taught", question_key(q), q, entry.id, path, operator_id, revision=revision
                )
                for q in entry.questions
            ),
            audit_row(
                "entry_created", entry.id, entry.title, entry.id, path, operator_id, revision
            ),
        ]

    edit = Edit(
        apply=lambda: add_entry_to_file(path, entry),
        checks=[(q, entry.id) for q in entry.questions],
        journal=journal_lines(db, operator_id, lines),
    )
    report = await put_live(reloader, edit, NEW_ENTRY_MESSAGES)
    if not report.ok:
        log.warning("new entry %s refused by the reload", entry.id)
        return _new_entry_refused(current, report, entry)
    live = brain()
    log.info("editor %s created entry %s (%s)", operator_id, entry.id, path)
    return TeachResult(
        ok=True,
        message=f"Готово: новая запись «{entry.title}» в файле {path.name}, бот отвечает ею.",
        entry_id=entry.id,
        text=entry.questions[0],
        prediction=prediction_json(live, live.nlu.predict(entry.questions[0])),
        line=shown_source(live, entry.id),
    )


def _new_entry_refused(current: Brain, report: ReloadReport, entry: NewEntry) -> TeachResult:
    own = [f for f in report.failures if f.expected == entry.id]
    if not report.problems and own and len(own) == len(report.failures):
        message = (
            "Запись не создана: даже с ней бот не отвечает на эти вопросы новой записью. "
            "Добавьте ещё несколько вариантов вопроса, как их пишут клиенты. Файл не изменён."
        )
    else:
        message = refusal(report, "", entry.id)
    return refused_result(current, report, entry.id, entry.questions[0], message)

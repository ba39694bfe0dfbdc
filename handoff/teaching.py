"""The editor's changes to the knowledge base: teach a customer's question, rewrite an answer.

* :func:`teach` adds the customer's text to an entry's ``questions`` in the YAML file;
* :func:`edit_answer` replaces an entry's ``answer`` there;
* :func:`remove_question` takes a question out (a new entry: :mod:`handoff.new_entries`).

Both edit the text surgically (:mod:`knowledge_base.editing`: comments and layout stay) and run
the validated, gated hot reload (:mod:`bot.reload`; an answer's sentences are NLU training
examples too, so a new answer is checked by the regression gate like a new question); if
anything refuses the change, the file gets its previous bytes back and the result says why.
Every change that went live is recorded in ``editor_actions`` (:mod:`handoff.editor_audit`);
a save over a text someone changed meanwhile is refused (:mod:`handoff.editor_concurrency`).
User-facing messages are Russian and live here, apart from the exceptions' codes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine import Brain
from bot.reload import Edit, JournalError, ReloadReport
from bot.storage.db import Database
from handoff.editor import prediction_json
from handoff.editor_audit import audit_row as audit_row
from handoff.editor_audit import journal_line as journal_line
from handoff.editor_audit import journal_lines as journal_lines
from handoff.editor_concurrency import ChangedConflict as ChangedConflict
from handoff.editor_concurrency import ChangedMeanwhile as ChangedMeanwhile
from handoff.editor_concurrency import answer_in_file as answer_in_file
from handoff.editor_concurrency import normalised as normalised
from handoff.editor_concurrency import same_text as same_text
from handoff.editor_concurrency import unless_changed as unless_changed
from handoff.editor_refusals import elsewhere, entry_gone
from handoff.errors import Conflict, HandoffError, NotFound, Unavailable
from knowledge_base.editing import (
    MAX_ANSWER_CHARS,
    EditError,
    add_question_to_file,
    clean_answer,
    clean_question,
    remove_question_in_file,
    replace_answer_in_file,
)
from knowledge_base.loader import question_key
from knowledge_base.models import FAQEntry
from knowledge_base.new_entry import (
    MAX_QUESTIONS,
    MAX_TITLE_CHARS,
)
from nlu.api import Decision

log = logging.getLogger(__name__)

JOURNAL_FAILED = (
    "Правка не сохранена: не удалось записать её в журнал изменений (база данных не ответила). "
    "Файлы и ответы бота остались как были — попробуйте ещё раз."
)

EDIT_MESSAGES = {
    "empty": "Пустой текст: учить нечему.",
    "too_long": "Слишком длинный текст для вопроса (не больше 300 символов).",
    "duplicate": "Этот вопрос уже есть в выбранной записи.",
    "entry_not_found": "Запись не найдена в своём файле: его изменили вручную. "
    "Перезагрузите контент и попробуйте снова.",
    "no_questions": "У записи нет списка questions — поправьте файл вручную.",
    "not_kb_file": "Файл базы знаний не похож на список entries — поправьте его вручную.",
    "invalid_yaml": "Файл базы знаний сейчас с ошибкой YAML — сначала исправьте его.",
    "file_not_found": "Файл записи не найден на диске.",
    "not_utf8": "Файл записи не в кодировке UTF-8.",
    "verify_failed": "Не удалось аккуратно вставить строку в файл; файл не изменён.",
    "no_answer": "У записи нет текста answer — поправьте файл вручную.",
    "control_chars": "В ответе есть управляющие символы — уберите их.",
    "no_title": "Введите название записи — так её увидят клиенты в кнопках «Вы имели в виду…?».",
    "title_too_long": f"Название длиннее {MAX_TITLE_CHARS} символов.",
    "too_many_questions": f"Не больше {MAX_QUESTIONS} вопросов за раз.",
}
ANSWER_MESSAGES = {
    **EDIT_MESSAGES,
    "empty": "Пустой ответ: клиенту нечего будет прочитать.",
    "too_long": f"Ответ длиннее {MAX_ANSWER_CHARS} символов — клиент получит его несколькими "
    "сообщениями; сократите или разбейте на записи.",
    "verify_failed": "Не удалось аккуратно заменить ответ в файле; файл не изменён.",
}

Reloader = Callable[[Edit | None], Awaitable[ReloadReport]]


@dataclass(slots=True)
class TeachResult:
    ok: bool
    message: str
    entry_id: str
    text: str
    problems: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    prediction: dict[str, Any] | None = None
    line: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.message,
            "entry_id": self.entry_id,
            "text": self.text,
            "problems": self.problems,
            "failures": self.failures,
            "prediction": self.prediction,
            "source": self.line,
        }


def _failure_json(brain: Brain, failure: Any) -> dict[str, Any]:
    def title(intent: str | None) -> str | None:
        entry = brain.kb.get(intent or "")
        return entry.title if entry is not None else intent

    return {
        "text": failure.text,
        "expected": failure.expected,
        "expected_title": title(failure.expected),
        "got": failure.got,
        "got_title": title(failure.got),
        "message": failure.message,  # a loss of accuracy, explained (bot.regression)
    }


def refusal(report: ReloadReport, text: str, entry_id: str, written: Path | None = None) -> str:
    """Why the reload refused a change; ``written``: the file the change wrote (problems only in
    other files are not the editor's doing, and are said to be elsewhere)."""
    if report.problems:
        other = elsewhere(report, written) if written is not None else None
        return other or "Изменение не принято: в контенте ошибки, файл возвращён как был."
    own = [f for f in report.failures if f.text == text and f.expected == entry_id]
    if own and len(own) == len(report.failures):
        return (
            "Изменение не принято: даже после обучения бот не отвечает на этот текст выбранной "
            "записью (похож на другую запись?). Файл возвращён как был."
        )
    if report.failures and all(f.message for f in report.failures):  # accuracy alone
        return (
            "Изменение не принято: бот в целом стал бы хуже отвечать на проверочные вопросы. "
            "Файл возвращён как был."
        )
    return (
        "Изменение не принято: проверка качества нашла вопросы, на которые бот стал бы "
        "отвечать неправильно. Файл возвращён как был."
    )


def entry_with_question(current: Brain, question: str, entry_id: str | None) -> FAQEntry | None:
    """The other entry that already has ``question`` among its own (compared as the loader
    compares them, :func:`question_key`): the reload would refuse the same question in two
    entries, so it is said before anything is written, and no «do it anyway» can help."""
    key = question_key(question)
    for entry in current.kb.entries.values():
        if entry.id != entry_id and any(question_key(q) == key for q in entry.questions):
            return entry
    return None


class QuestionTaken(Conflict):
    """409 ``question_taken``: the question is already one of another entry's questions.
    Neither «Добавить вопрос в …» nor «Всё равно…» is offered (the page offers those for
    ``answered_elsewhere`` only): the editor removes the question or edits that entry."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "question_taken")


def confident_elsewhere(current: Brain, question: str, entry_id: str | None) -> FAQEntry | None:
    """The other entry the serving bot confidently answers ``question`` with, if any."""
    before = current.nlu.predict(question)
    other = current.kb.get(before.intent or "")
    if before.decision is Decision.ANSWER and other is not None and other.id != entry_id:
        return other
    return None


async def put_live(reloader: Reloader, edit: Edit, messages: dict[str, str]) -> ReloadReport:
    """Run the validated, gated reload with ``edit``; an edit the file cannot take is a
    :class:`HandoffError` in Russian (``messages`` by the edit's code)."""
    try:
        return await reloader(edit)
    except ChangedMeanwhile as exc:
        raise ChangedConflict(exc.current) from None
    except EditError as exc:
        log.warning("content edit refused before reload: %s", exc)
        raise HandoffError(messages.get(exc.code, str(exc)), exc.code) from None
    except JournalError as exc:
        raise Unavailable(JOURNAL_FAILED, "journal_failed") from exc


def refused_result(
    current: Brain, report: ReloadReport, entry_id: str, text: str, message: str
) -> TeachResult:
    return TeachResult(
        ok=False,
        message=message,
        entry_id=entry_id,
        text=text,
        problems=report.problems,
        failures=[_failure_json(current, f) for f in report.failures],
    )


async def teach(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    *,
    text: str,
    entry_id: str,
    operator_id: int,
    force: bool = False,
) -> TeachResult:
    """Add ``text`` to ``entry_id``'s questions on disk and put it live, or change nothing.

    A text the bot already answers confidently with *another* entry is refused unless
    ``force`` (moving a question between entries is a deliberate correction, not a click).
    """
    try:
        question = clean_question(text)
    except EditError as exc:
        raise HandoffError(EDIT_MESSAGES[exc.code], exc.code) from None
    current = brain()
    source = current.kb.sources.get(entry_id)
    if entry_id not in current.kb or source is None:
        raise await entry_gone(db, current, entry_id)
    key = question_key(question)
    if any(question_key(q) == key for q in current.kb.entries[entry_id].questions):
        # nothing to write; «Бот не понял» resolves its item instead (POST /editor/resolve)
        raise HandoffError(EDIT_MESSAGES["duplicate"], "duplicate")
    taken = entry_with_question(current, question, entry_id)
    if taken is not None:  # whatever ``force`` says: the reload would refuse it
        raise QuestionTaken(
            f"Этот вопрос уже есть в записи «{taken.title}» — добавлять его не нужно. Если "
            "ответ на него должен быть другим, сначала уберите его из той записи."
        )
    other = None if force else confident_elsewhere(current, question, entry_id)
    if other is not None:
        raise Conflict(
            f"Бот уже уверенно отвечает на этот текст записью «{other.title}». "
            "Если бот ошибается, перенесите вопрос в выбранную запись.",
            "answered_elsewhere",
        )
    path = Path(source.file)
    edit = Edit(
        apply=lambda: add_question_to_file(path, entry_id, question),
        checks=[(question, entry_id)],
        journal=journal_line(db, operator_id, "taught", key, question, entry_id, path),
    )
    report = await put_live(reloader, edit, EDIT_MESSAGES)
    if not report.ok:
        log.warning("teach %r -> %s refused by the reload", question, entry_id)
        message = refusal(report, question, entry_id, path)
        return refused_result(current, report, entry_id, question, message)
    live = brain()
    prediction = prediction_json(live, live.nlu.predict(question))
    log.info("editor %s taught %r -> %s (%s)", operator_id, question, entry_id, path)
    entry = live.kb.get(entry_id)
    return TeachResult(
        ok=True,
        message=f"Готово: бот теперь отвечает на «{question}» записью «"
        f"{entry.title if entry else entry_id}».",
        entry_id=entry_id,
        text=question,
        prediction=prediction,
        line=shown_source(live, entry_id),
    )


def shown_source(brain: Brain, entry_id: str) -> str:
    """Where an entry is, as editors read it: ``data/faq/stores.yml:12`` from the project's
    root (the nearest folder above the file with a ``config.yml``), not the server's path."""
    source = brain.kb.sources.get(entry_id)
    if source is None:
        return ""
    path = Path(source.file)
    for folder in path.parents:
        if (folder / "config.yml").is_file():
            return f"{path.relative_to(folder)}:{source.line}"
    return str(source)


def entry_json(brain: Brain, entry_id: str) -> dict[str, Any]:
    """One entry as the editor's answer form shows it."""
    entry = brain.kb.get(entry_id)
    if entry is None:
        raise NotFound("Запись базы знаний не найдена.", "entry_not_found")
    return {
        "id": entry.id,
        "title": entry.title,
        "category": entry.category,
        "answer": entry.answer.strip(),
        "channel_variants": sorted(entry.answers),
        "buttons": [{"title": b.title, "url": b.url, "entry": b.entry} for b in entry.buttons],
        "questions": list(entry.questions),
        "source": shown_source(brain, entry_id),
    }


async def edit_answer(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    *,
    entry_id: str,
    answer: str,
    operator_id: int,
    base: str | None = None,
) -> TeachResult:
    """Replace ``entry_id``'s answer on disk and put it live, or change nothing. ``base``: the
    answer the editor's page loaded — if the file says something else by now, 409
    ``changed_meanwhile`` (:class:`ChangedConflict`) and nothing is written."""
    try:
        text = clean_answer(answer)
    except EditError as exc:
        raise HandoffError(ANSWER_MESSAGES[exc.code], exc.code) from None
    current = brain()
    entry = current.kb.get(entry_id)
    source = current.kb.sources.get(entry_id)
    if entry is None or source is None:
        raise await entry_gone(db, current, entry_id)
    if text == entry.answer.strip():
        raise HandoffError("Ответ не изменился.", "unchanged")
    path = Path(source.file)
    edit = Edit(
        apply=unless_changed(
            base,
            lambda: answer_in_file(path, entry_id),
            lambda: replace_answer_in_file(path, entry_id, text),
        ),
        journal=journal_line(db, operator_id, "answer_edited", entry_id, text, entry_id, path),
    )
    report = await put_live(reloader, edit, ANSWER_MESSAGES)
    if not report.ok:
        log.warning("answer of %s refused by the reload", entry_id)
        message = refusal(report, "", entry_id, path)
        return refused_result(current, report, entry_id, text, message)
    log.info("editor %s rewrote the answer of %s (%s)", operator_id, entry_id, path)
    return TeachResult(
        ok=True,
        message=f"Готово: бот отвечает на вопросы «{entry.title}» новым текстом.",
        entry_id=entry_id,
        text=text,
        line=shown_source(brain(), entry_id),
    )


QUESTION_MESSAGES = {
    **EDIT_MESSAGES,
    "question_not_found": "Этого вопроса в записи нет — возможно, его уже убрали.",
    "last_question": "Это последний вопрос записи — без вопросов бот не узнает, когда её "
    "отвечать. Сначала добавьте другой.",
    "verify_failed": "Не удалось аккуратно убрать строку из файла; файл не изменён.",
}


async def remove_question(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    *,
    entry_id: str,
    question: str,
    operator_id: int,
) -> TeachResult:
    """Take a question (a wrong «Научить», say) out of an entry on disk and put it live."""
    current = brain()
    entry = current.kb.get(entry_id)
    source = current.kb.sources.get(entry_id)
    if entry is None or source is None:
        raise await entry_gone(db, current, entry_id)
    path = Path(source.file)
    edit = Edit(
        apply=lambda: remove_question_in_file(path, entry_id, question),
        journal=journal_line(
            db, operator_id, "question_removed", question_key(question), question, entry_id, path
        ),
    )
    report = await put_live(reloader, edit, QUESTION_MESSAGES)
    if not report.ok:
        log.warning("removing a question of %s refused by the reload", entry_id)
        message = refusal(report, "", entry_id, path)
        return refused_result(current, report, entry_id, question, message)
    log.info("editor %s removed a question of %s (%s)", operator_id, entry_id, path)
    return TeachResult(
        ok=True,
        message=f"Готово: вопрос убран из записи «{entry.title}».",
        entry_id=entry_id,
        text=question,
    )

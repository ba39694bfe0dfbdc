"""Everything wrong with a «Новая запись» at once, each problem by its field (and question):
the page shows them next to the title, the section, each question and the answer, instead of
one refusal after another (:func:`handoff.new_entries.create_entry`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.engine import Brain
from handoff.errors import HandoffError
from knowledge_base.loader import title_key
from knowledge_base.models import FAQEntry
from knowledge_base.new_entry import EntryProblem, check_entry


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem of the form: ``field`` is ``title``, ``category``, ``questions`` or
    ``answer``; ``question`` the question it is about, if any."""

    field: str
    code: str
    message: str
    question: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "question": self.question,
        }


class EntryProblems(HandoffError):
    """The form's problems, all of them. Code, status and message are the first problem's
    when it is the only one (``no_title``, ``question_taken`` 409…), as before."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        first = problems[0]
        if len(problems) == 1:
            message = first.message
        else:
            message = (
                f"Запись не создана: замечаний — {len(problems)}, каждое указано у своего поля."
            )
        super().__init__(message, first.code)
        self.problems = problems
        if all(p.code == "question_taken" for p in problems):
            self.status = 409

    def to_json(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "message": self.message,
            "fields": [p.as_json() for p in self.problems],
        }


def form_problems(
    current: Brain,
    files: dict[str, str],
    messages: dict[str, str],
    owner: Callable[[Brain, str], FAQEntry | None],
    *,
    title: str,
    category: str,
    questions: list[str],
    answer: str,
) -> list[FieldProblem]:
    """Every problem of the new entry's form, in the form's order; ``owner``: the other entry
    that already has a question (the reload would refuse it in two entries)."""
    problems: list[FieldProblem] = []

    def taken_elsewhere(text: str) -> EntryProblem | None:
        taken = owner(current, text)
        if taken is None:
            return None
        return EntryProblem(
            "questions",
            "question_taken",
            f"Вопрос «{text}» уже есть в записи «{taken.title}» — уберите его из списка.",
            text,
        )

    def add(problem: EntryProblem) -> None:
        own = problem.code == "question_taken"  # the only problem with a text of its own
        message = problem.detail if own else messages.get(problem.code, problem.code)
        problems.append(FieldProblem(problem.field, problem.code, message, problem.question))

    checked = check_entry(title, questions, answer, taken_elsewhere)
    for problem in checked.problems:
        if problem.field == "title":
            add(problem)
    if not problems:
        same = next(
            (
                e
                for e in current.kb.entries.values()
                if title_key(e.title) == title_key(checked.title)
            ),
            None,
        )
        if same is not None:
            problems.append(
                FieldProblem(
                    "title",
                    "title_taken",
                    f"Запись с названием «{same.title}» уже есть — в списках и в кнопках "
                    "«Вы имели в виду…?» их будет не различить. Дайте новой записи другое "
                    "название или добавьте вопросы в существующую.",
                )
            )
    if category not in files:
        problems.append(FieldProblem("category", "no_category", "Выберите раздел базы знаний."))
    for problem in checked.problems:
        if problem.field != "title":
            add(problem)
    return problems

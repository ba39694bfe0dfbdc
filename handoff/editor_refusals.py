"""Refusals that are not the editor's own fault, said so in Russian.

* :func:`entry_gone`: the entry the page still shows was deleted meanwhile (by a colleague, or
  by hand in its file): who deleted it and when, as the journal knows it, and that «Отменить»
  in «Журнал изменений» brings it back — not a bare «Запись не найдена».
* :func:`elsewhere`: a reload refused for problems in *other* files (a hand edit with a YAML
  mistake blocks every change until it is fixed): the editor's change was fine, the refusal
  names the file and line to fix.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.engine import Brain
from bot.reload import ReloadReport
from bot.storage.db import Database
from bot.storage.models import EditorAction, Operator
from handoff.editor_journal import SHELL_ACTOR
from handoff.errors import NotFound
from handoff.team_hours import format_back_at

_PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>\d+): ")


async def entry_gone(db: Database, brain: Brain, entry_id: str) -> NotFound:
    """The 404 for an entry the bot no longer has, with its deletion's journal line if any."""
    async with db.read() as session:
        found = (
            await session.execute(
                select(EditorAction, Operator.display_name, Operator.username)
                .outerjoin(Operator, Operator.id == EditorAction.operator_id)
                .where(EditorAction.action == "entry_deleted", EditorAction.entry_id == entry_id)
                .order_by(EditorAction.id.desc())
                .limit(1)
            )
        ).first()
    if found is None:
        return NotFound(
            "Запись базы знаний не найдена: в файлах её нет, а в журнале изменений о её "
            "удалении ничего — вероятно, её убрали из файла вручную. Список записей обновлён.",
            "entry_not_found",
        )
    action, name, username = found
    who = SHELL_ACTOR if action.operator_id is None else name or username
    at = action.created_at if action.created_at.tzinfo else action.created_at.replace(tzinfo=UTC)
    tz = ZoneInfo(brain.config.handoff.working_hours.timezone)
    moment = format_back_at(at.astimezone(tz), datetime.now(UTC))
    title = f"«{action.text}» " if action.text else ""
    return NotFound(
        f"Запись {title}удалена: её удалил(а) {who} {moment}, пока страница была открыта. "
        "Вернуть её можно кнопкой «Отменить» у этой строки в «Журнале изменений»; "
        "список записей обновлён.",
        "entry_not_found",
    )


def _same_file(problem_file: str, written: Path) -> bool:
    problem = Path(problem_file)
    if problem.is_absolute():
        return problem.resolve() == written.resolve()
    return written.resolve().as_posix().endswith("/" + problem.as_posix())


def elsewhere(report: ReloadReport, written: Path) -> str | None:
    """Why the reload refused the change, when every problem is in a file other than
    ``written`` (the one the change wrote): «ошибка не в вашей правке, а в …»; None otherwise."""
    places: dict[str, list[str]] = {}
    for problem in report.problems:
        match = _PROBLEM.match(problem)
        if match is None or _same_file(match["file"], written):
            return None
        places.setdefault(match["file"], []).append(match["line"])
    if not places:
        return None
    where = "; ".join(
        f"{file}, {'строка' if len(lines) == 1 else 'строки'} {', '.join(lines)}"
        for file, lines in places.items()
    )
    return (
        f"Изменение не принято, но ваша правка ни при чём: ошибка в другом файле — {where} "
        "(подробности ниже). Пока этот файл не исправят, бот не примет ни одной правки. "
        "Ваш текст остался в поле — сохраните его снова, когда файл исправят."
    )

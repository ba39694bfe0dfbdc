"""The table import's checks across rows and what its plan tells the editor besides changes
(:mod:`handoff.kb_import`): a question or a title the table gives to two entries, a row the
site changed since the export, characters a Windows-1251 file lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine import Brain
from handoff.kb_import_own import ImportedVersion
from knowledge_base.loader import question_key, title_key
from knowledge_base.table import ENCODING_NAMES, TableRow


@dataclass(slots=True)
class RowChange:
    """What one row changes (``kind``: ``new``, ``changed`` or ``same``)."""

    line: int
    entry_id: str
    title: str
    kind: str
    file: str
    title_changed: bool = False
    answer_changed: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # A changed row with a ``версия``: it and the version the import writes (journaled).
    versions: ImportedVersion | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "entry_id": self.entry_id,
            "title": self.title,
            "kind": self.kind,
            "file": Path(self.file).name,
            "title_changed": self.title_changed,
            "answer_changed": self.answer_changed,
            "added": self.added,
            "removed": self.removed,
        }


def conflict_message(title: str, change: RowChange) -> str:
    """A row the table changes whose entry (now ``title``) the site changed since the export
    (its ``версия`` is no longer the entry's): written, it would wipe out a colleague's edit."""
    differs = [
        what
        for what, yes in (
            ("другое название", change.title_changed),
            ("другие вопросы", bool(change.added or change.removed)),
            ("другой ответ", change.answer_changed),
        )
        if yes
    ]
    return (
        f"«{title}» изменено на сайте после выгрузки, а в таблице — {', '.join(differs)}, чем "
        "сейчас на сайте: строка не записана, чтобы не затереть ту правку; выгрузите таблицу "
        "заново и перенесите в неё свою правку или очистите в этой строке ячейку «версия», "
        "чтобы записать строку таблицы поверх"
    )


def version_notices(
    kept: list[tuple[int, str]], unchecked: list[tuple[int, str | None]]
) -> list[str]:
    notices: list[str] = []
    if kept:
        rows = ", ".join(f"строка {line} «{title}»" for line, title in kept)
        notices.append(
            "Изменены на сайте после выгрузки, в таблице их не правили — остаются как на "
            f"сайте: {rows}."
        )
    if any(version is None for _, version in unchecked):
        notices.append(
            "В таблице нет столбца «версия»: нельзя проверить, не изменили ли записи на сайте "
            "после выгрузки, — её строки запишутся поверх. Чтобы это проверялось, правьте "
            "свежую выгрузку («Скачать таблицу (CSV)» или «zabota kb export»)."
        )
    elif unchecked:
        rows = ", ".join(str(line) for line, _ in unchecked)
        notices.append(
            f"Строки {rows}: ячейка «версия» пуста — не проверено, не изменили ли эти записи на "
            "сайте после выгрузки; они запишутся поверх."
        )
    return notices


def _mostly_of(wordings: Sequence[str], others: Sequence[str]) -> bool:
    keys = {question_key(q) for q in others}
    return 2 * sum(question_key(q) in keys for q in wordings) >= len(wordings)


def created_notices(created: list[tuple[int, str, str]]) -> list[str]:
    """Rows without an id that an entry already is (the table imported before): not created a
    second time."""
    if not created:
        return []
    rows = ", ".join(f"строка {n} «{title}» (id {entry_id})" for n, title, entry_id in created)
    return [
        f"Уже есть в базе знаний — создано прежней загрузкой этой таблицы, второй раз не "
        f"создаётся: {rows}. Чтобы править такую запись в этой таблице дальше, впишите её id в "
        "ячейку «id» (или выгрузите таблицу заново)."
    ]


def encoding_notice(
    rows: list[TableRow], restored: set[str], cells: list[tuple[int, str, set[str]]]
) -> list[str]:
    encoding = next((r.encoding for r in rows if r.encoding != "utf-8"), None)
    if encoding is None:
        return []
    name = ENCODING_NAMES.get(encoding, encoding)
    if restored:
        chars = ", ".join(sorted(restored))
        where: dict[int, list[str]] = {}
        for line, column, lost in cells:
            where.setdefault(line, []).append(f"«{column}»: {', '.join(sorted(lost))}")
        listed = ", ".join(f"строка {line} ({'; '.join(c)})" for line, c in sorted(where.items()))
        changed = f" — в изменённых строках: {listed}" if listed else ""
        return [
            f"Файл сохранён в кодировке {name}: символы, которых в ней нет ({chars}), взяты из "
            f"базы знаний{changed}; сохраняйте таблицу как «CSV UTF-8»."
        ]
    return [
        f"Файл сохранён в кодировке {name}: символы, которых в ней нет (например, ₽ или "
        "эмодзи), Excel заменяет на «?» — проверьте новые тексты; сохраняйте таблицу как "
        "«CSV UTF-8»."
    ]


def lost_message(missing: list[str], encoding: str) -> str:
    """A row where the file's encoding lost a character in a text the editor changed: it
    cannot be taken from the knowledge base, and «?» would reach customers."""
    name = ENCODING_NAMES.get(encoding, encoding)
    return (
        f"в ячейке {'; '.join(missing)} вместо символа, которого нет в кодировке {name} "
        "(например, «₽»), Excel записал «?», а этот текст изменён, так что взять символ из базы "
        "знаний нельзя; сохраните таблицу как «CSV UTF-8» и загрузите снова"
    )


def shared_questions(
    brain: Brain, rows: Sequence[RowChange], questions: dict[str, tuple[int, list[str]]]
) -> list[tuple[int, str]]:
    """A question the table gives to an entry while another entry has it too (the content's
    own validation refuses it: the bot could not tell them apart), by the row that adds it;
    ``questions``: each row's entry → its row and the questions it ends with."""
    owners: dict[str, list[str]] = {}
    final = {entry_id: list(entry.questions) for entry_id, entry in brain.kb.entries.items()}
    final.update({entry_id: qs for entry_id, (_, qs) in questions.items()})
    for entry_id, wordings in final.items():
        for key in dict.fromkeys(question_key(q) for q in wordings):
            owners.setdefault(key, []).append(entry_id)
    added: dict[str, set[str]] = {}
    for change in rows:
        if change.kind == "new":
            added[change.entry_id] = {question_key(q) for q in final[change.entry_id]}
        else:
            added[change.entry_id] = {question_key(q) for q in change.added}
    titles = {entry_id: entry.title for entry_id, entry in brain.kb.entries.items()}
    titles.update({change.entry_id: change.title for change in rows})
    problems: list[tuple[int, str]] = []
    for key, entry_ids in owners.items():
        if len(entry_ids) < 2:
            continue
        for entry_id in entry_ids:
            if key not in added.get(entry_id, ()):
                continue  # the table did not give it this question: the other row is to blame
            line, wordings = questions[entry_id]
            question = next(q for q in wordings if question_key(q) == key)
            others = []
            for other in entry_ids:
                if other != entry_id:
                    row = questions.get(other)
                    where = f" (строка {row[0]})" if row else ""
                    others.append(f"«{titles[other]}»{where}")
            problems.append(
                (
                    line,
                    f"строка {line}: вопрос «{question}» есть и в записи {', '.join(others)} — "
                    "бот не сможет их различить; оставьте его в одной записи",
                )
            )
    return sorted(problems)


def shared_titles(
    brain: Brain, rows: Sequence[RowChange], questions: dict[str, tuple[int, list[str]]]
) -> list[tuple[int, str]]:
    """A title the table gives to an entry (a new one, or a renamed one) while another entry
    has it too — case, ё and spacing ignored: the content's validation refuses it (the
    pickers and «Вы имели в виду…?» buttons could not tell them apart), by the row that gives
    it."""
    titles = {entry_id: entry.title for entry_id, entry in brain.kb.entries.items()}
    titles.update({change.entry_id: change.title for change in rows})
    lines = {change.entry_id: change.line for change in rows}
    given = {c.entry_id for c in rows if c.kind == "new" or c.title_changed}
    new = {c.entry_id for c in rows if c.kind == "new"}
    owners: dict[str, list[str]] = {}
    for entry_id, title in titles.items():
        owners.setdefault(title_key(title), []).append(entry_id)
    problems: list[tuple[int, str]] = []
    for entry_ids in owners.values():
        for entry_id in entry_ids:
            if len(entry_ids) < 2 or entry_id not in given:
                continue
            others = [
                f"«{titles[o]}»" + (f" (строка {lines[o]})" if o in lines else "")
                for o in entry_ids
                if o != entry_id
            ]
            line = lines[entry_id]
            existing = [
                o
                for o in entry_ids
                if o != entry_id
                and o in brain.kb.entries
                and entry_id in new
                # most of the row's questions are the entry's: the same entry, its id not in
                # the row (an earlier import of this table created it)
                and _mostly_of(questions[entry_id][1], brain.kb.entries[o].questions)
            ]
            hint = (
                f" (если это запись, созданная прежней загрузкой этой таблицы, впишите в "
                f"ячейку «id» «{existing[0]}» — тогда строка изменит её)"
                if existing
                else ""
            )
            problems.append(
                (
                    line,
                    f"строка {line}: название «{titles[entry_id]}» уже есть у записи "
                    f"{', '.join(others)} — в списках и кнопках «Вы имели в виду…?» их не "
                    f"различить; дайте записи другое название{hint}",
                )
            )
    return sorted(problems)

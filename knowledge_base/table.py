"""The knowledge base as a spreadsheet: export to CSV, read an edited CSV back.

Content teams keep FAQs in Excel or Google Sheets; this is the format they exchange with the
editor's page («Таблица»). One row per entry, columns:

    id; раздел; название; вопросы; ответ; версия

``вопросы`` holds one wording per line of the cell (the first is the canonical one). A row with
an empty ``id`` is a new entry. ``версия`` is a hash of the row as exported
(:func:`row_version`), which the editor leaves alone: by it the import tells an entry the site
changed since the export from one the table changes (a table without the column — an older
export, a hand-made sheet — still reads). Exported as UTF-8 with a BOM and ``;`` between cells —
what a Russian Excel opens by double-click; read back with ``;``, ``,`` or a tab, with or
without the BOM, in UTF-8 or Windows-1251 (a Russian Excel's plain «CSV»), headers in Russian
or English.
Problems name the spreadsheet's row («строка 7»), as ``file:line`` does for YAML.

Only reading and writing the table is here; what an import changes is :mod:`handoff.kb_import`.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from knowledge_base.loader import question_key
from knowledge_base.models import FAQEntry

COLUMNS = ("id", "раздел", "название", "вопросы", "ответ", "версия")
_ALIASES = {
    "id": "id",
    "раздел": "раздел",
    "category": "раздел",
    "название": "название",
    "заголовок": "название",
    "title": "название",
    "вопросы": "вопросы",
    "questions": "вопросы",
    "ответ": "ответ",
    "answer": "ответ",
    "версия": "версия",
    "version": "версия",
}
REQUIRED = ("id", "название", "вопросы", "ответ")
MAX_BYTES = 2_000_000
MAX_ROWS = 2000
_END = "\ufdd0end of the table\ufdd0"  # a noncharacter: never in a real file


class TableError(Exception):
    """The file cannot be read as the knowledge-base table at all (Russian ``message``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row as the editor wrote it; ``line`` is its row number in the spreadsheet (the
    header is row 1; a cell of several lines does not add rows)."""

    line: int
    id: str
    category: str
    title: str
    questions: tuple[str, ...]
    answer: str
    encoding: str = "utf-8"  # the file's: "cp1251" when a Russian Excel saved a plain «CSV»
    # The ``версия`` cell: the row as exported (:func:`row_version`); ``None`` when the table
    # has no such column, ``""`` when the cell is empty (a new row, or cleared on purpose).
    version: str | None = None


def row_version(entry_id: str, title: str, questions: Iterable[str], answer: str) -> str:
    """A short hash of a row's content — ``v`` and 8 hex digits (a letter first: a
    spreadsheet leaves it text, never a number such as «1E+57»). Compared as the table reads
    it: spacing around and inside titles and questions, a repeated question, blanks at line
    ends and a ``\r\n`` do not count."""
    seen: set[str] = set()
    wordings: list[str] = []
    for question in questions:
        text = " ".join(question.split())
        if text and question_key(text) not in seen:
            seen.add(question_key(text))
            wordings.append(text)
    lines = answer.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\x1f".join(
        [
            entry_id.strip(),
            " ".join(title.split()),
            "\x1e".join(wordings),
            "\n".join(line.rstrip() for line in lines).strip(),
        ]
    )
    return "v" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def entry_version(entry: FAQEntry) -> str:
    """:func:`row_version` of ``entry`` as it is now."""
    return row_version(entry.id, entry.title, entry.questions, entry.answer)


ENCODING_NAMES = {"utf-8": "UTF-8", "cp1251": "Windows-1251"}


def _lost(char: str, encoding: str) -> bool:
    """``char`` is one that a file in ``encoding`` cannot hold (a spreadsheet writes «?»)."""
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return True
    return False


# A «?» right after a number in a text the editor changed: a currency sign («₽») the file's
# encoding lost, not a question (the fragment is quoted to the editor).
_MARK = re.compile(r"[^\s\d]{0,6}\s?\d[\d\s]{0,8}\s?\?(?!\?)")


# What a spreadsheet writes, saving in a legacy encoding, for a character it cannot hold when
# it does not write «?»: Windows' «best fit» (a dash-like minus as «-», «ā» as «a»).
_BEST_FIT = {
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2009": " ",
    "\u202f": " ",
}


def _best_fit(char: str, encoding: str) -> str:
    if char in _BEST_FIT:
        return _BEST_FIT[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and base != char and not any(_lost(c, encoding) for c in base) else "?"


@dataclass(frozen=True, slots=True)
class Restored:
    """A cell read from a legacy-encoded file, with the knowledge base's characters put back
    where the file lost them (``restored``), and where a character was lost in a text the
    editor changed, so that it cannot be put back (``missing``: the fragments, «от 500 ?»)."""

    text: str
    restored: frozenset[str] = frozenset()
    missing: frozenset[str] = frozenset()


def restore_lost(current: str, text: str, encoding: str) -> tuple[str, set[str]]:
    """``text`` (read from a file in ``encoding``) with the characters the encoding could not
    hold put back from ``current``, and those characters (:func:`restore_cell`)."""
    cell = restore_cell(current, text, encoding)
    return cell.text, set(cell.restored)


def restore_cell(current: str, text: str, encoding: str) -> Restored:
    """Saving a table as Windows-1251, Excel writes «?» (or a look-alike: «-» for «−») for
    «₽», «≈» or an emoji: ``current`` is saved the same way and compared with ``text``
    (:mod:`difflib`); where they agree, the current characters stay, every difference is the
    editor's."""
    if encoding == "utf-8" or current == text or not any(_lost(c, encoding) for c in current):
        return Restored(text)
    best: tuple[int, str, set[str], set[str]] | None = None
    astral = any(ord(c) > 0xFFFF and _lost(c, encoding) for c in current)
    variants = [(False, False), (False, True)] + ([(True, False)] if astral else [])
    for utf16, fit in variants:  # «?» per character, per UTF-16 unit, or Windows' best fit
        saved: list[str] = []
        origin: list[int] = []  # the character of ``current`` each one of ``saved`` stands for
        first: list[int] = []  # where in ``saved`` that character begins
        span: list[int] = []  # and how many of ``saved`` it takes
        for index, char in enumerate(current):
            if not _lost(char, encoding):
                shown = char
            elif fit:
                shown = _best_fit(char, encoding)
            else:
                shown = "??" if utf16 and ord(char) > 0xFFFF else "?"
            start = len(saved)
            saved.extend(shown)
            origin.extend([index] * len(shown))
            first.extend([start] * len(shown))
            span.extend([len(shown)] * len(shown))
        out: list[str] = []
        restored: set[str] = set()
        missing: set[str] = set()
        kept = 0
        matcher = difflib.SequenceMatcher(None, "".join(saved), text, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                out.append(text[j1:j2])
                for mark in _MARK.finditer(text, max(0, j1 - 12), j2):
                    if mark.end() > j1:  # a «?» the editor wrote after a number: a «₽» lost
                        missing.add(mark.group().strip())
                continue
            kept += i2 - i1
            position = i1
            while position < i2:
                index, start, width = origin[position], first[position], span[position]
                if start < i1 or start + width > i2:  # half of an emoji's «??»
                    out.append(text[j1 + position - i1])
                    position += 1
                    continue
                out.append(current[index])
                if saved[position] != current[index]:
                    restored.add(current[index])
                position += width
        if best is None or kept > best[0]:
            best = (kept, "".join(out), restored, missing)
    assert best is not None
    return Restored(best[1], frozenset(best[2]), frozenset(best[3]))


def lost_chars(texts: Iterable[str], encoding: str) -> frozenset[str]:
    """The characters of ``texts`` a file in ``encoding`` cannot hold."""
    if encoding == "utf-8":
        return frozenset()
    return frozenset(c for text in texts for c in set(text) if _lost(c, encoding))


def exported_as(
    version: str,
    entry_id: str,
    cells: tuple[str, list[str], str],
    encoding: str,
    chars: frozenset[str],
    limit: int = 4096,
) -> bool:
    """Whether a row read from a file in ``encoding`` (its title, questions and answer) is the
    row exported as ``version``, some of its «?» standing for characters of ``chars`` the file
    could not hold: the table left the row as exported, though the entry changed on the site
    since (so its characters cannot be taken from the knowledge base)."""
    title, questions, answer = cells
    marks = sum(text.count("?") for text in (title, answer, *questions))
    options = ["?", *sorted(chars)]
    if encoding == "utf-8" or not chars or not marks or len(options) ** marks > limit:
        return False
    for choice in itertools.product(options, repeat=marks):
        picks = iter(choice)

        def fill(text: str, picks: Iterator[str] = picks) -> str:
            return "".join(next(picks) if c == "?" else c for c in text)

        filled_title = fill(title)
        filled_questions = [fill(q) for q in questions]
        if row_version(entry_id, filled_title, filled_questions, fill(answer)) == version:
            return True
    return False


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run: a text starting like a formula («=HYPERLINK(…)»,
    taught from a customer's message) gets a leading apostrophe (OWASP's CSV injection
    advice); :func:`read_table` takes it off again."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def _unsafe_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def export_table(entries: Iterable[FAQEntry]) -> bytes:
    """The entries as CSV bytes for a spreadsheet (BOM, ``;``, CRLF, every cell quoted)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        cells = [
            entry.id,
            entry.category,
            entry.title,
            "\n".join(entry.questions),
            entry.answer.rstrip("\n"),
            entry_version(entry),
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def read_table(data: bytes) -> list[TableRow]:
    """Parse an edited table; :class:`TableError` when it is not one."""
    if len(data) > MAX_BYTES:
        raise TableError(f"Файл больше {MAX_BYTES // 1_000_000} МБ — это не таблица базы знаний.")
    encoding = "utf-8"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = "cp1251"
        # A Russian Excel's plain «CSV» is Windows-1251: read it as such; anything else is
        # not a table this page can read.
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise TableError(
                "Файл не в кодировке UTF-8. В Excel сохраните его как «CSV UTF-8 (разделитель "
                "— запятая)», в Google Таблицах — «Скачать → CSV»."
            ) from None
    if not text.strip():
        raise TableError("Файл пустой.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    # The end is marked by a row of its own, to tell a quote never closed from a closed one.
    marked = f"{text}\r\n{_END}\r\n"
    reader = csv.reader(io.StringIO(marked, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise TableError(f"строка 1: не читается как CSV ({exc}).") from None
    columns = [_ALIASES.get(h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise TableError(
            "строка 1: нет столбцов "
            + ", ".join(f"«{c}»" for c in missing)
            + f". Нужны столбцы: {'; '.join(COLUMNS)} — правьте выгруженную таблицу: "
            "«Скачать таблицу (CSV)» на странице редактора или «zabota kb export»."
        )
    rows: list[TableRow] = []
    line = 1  # the spreadsheet's row number (a cell of several lines is still one row)
    try:
        for cells in reader:
            line += 1
            if cells == [_END]:
                break
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise TableError(f"Больше {MAX_ROWS} строк — разбейте таблицу на части.")
            values = {
                c: _unsafe_cell(cells[i]) if i < len(cells) else ""
                for i, c in enumerate(columns)
                if c
            }
            rows.append(
                TableRow(
                    line=line,
                    id=values.get("id", "").strip(),
                    category=" ".join(values.get("раздел", "").split()),
                    title=" ".join(values.get("название", "").split()),
                    questions=tuple(
                        q.strip() for q in values.get("вопросы", "").splitlines() if q.strip()
                    ),
                    answer=values.get("ответ", "").replace("\r\n", "\n").strip(),
                    encoding=encoding,
                    version=values["версия"].strip() if "версия" in values else None,
                )
            )
        else:
            # The end mark never came as a row of its own: a quote opened in the last row was
            # never closed and the rest of the file went into that one cell (which would be
            # reported as, say, «пустой ответ»).
            raise TableError(
                f'строка {line}: не закрыта кавычка «"», открытая в этой строке, — всё, что '
                "после неё, попало в одну ячейку. Закройте кавычку или уберите её."
            )
    except csv.Error as exc:
        raise TableError(f"строка {line}: не читается как CSV ({exc}).") from None
    return rows

"""YAML loading that remembers where every value came from.

Editors fix content by reading ``data/faq/returns.yml:42: questions must not be empty``, so
every loader in Zabota goes through :func:`load_yaml` and reports problems with
:class:`ContentError` pointing at a ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.russian import plural

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a content file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def relative_problems(problems: Iterable[Problem], root: Path) -> list[Problem]:
    """``problems`` with the project's files named from its root (``data/faq/delivery.yml:12``,
    not the server's ``/srv/bot/data/faq/…``): what editors see, on the page and in a shell."""
    base = str(root.resolve())
    out = []
    for problem in problems:
        file = problem.file
        path = Path(file)
        if path.is_absolute() and path.resolve().is_relative_to(base):
            file = str(path.resolve().relative_to(base))
        out.append(Problem(file, problem.line, problem.message.replace(base + "/", "")))
    return out


class ContentError(Exception):
    """One or more problems in content/config files, each with ``file:line``."""

    def __init__(
        self, problems: Sequence[Problem], *, partial: Any = None, complete: bool = False
    ) -> None:
        self.problems = list(problems)
        self.partial = partial  # what did load (so that later checks need not cry wolf) …
        self.complete = complete  # … and whether that is everything (the problems are others)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(slots=True)
class YamlDoc:
    """Parsed YAML plus the line (1-based) of every mapping key and sequence item."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, loc: Iterable[str | int]) -> int:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        key = tuple(loc)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)

    def problem(self, loc: Iterable[str | int], message: str) -> Problem:
        return Problem(self.name, self.line_of(loc), message)

    def validate(self, model: type[M], loc: Loc = (), data: Any = None) -> M:
        """Validate ``data`` (default: the node at ``loc``) into ``model``, or raise with lines."""
        node = self.data if data is None else data
        if data is None:
            for part in loc:
                node = node[part]
        try:
            return model.model_validate(node)
        except ValidationError as exc:
            raise ContentError(
                [self.problem(loc + tuple(err["loc"]), _describe(err)) for err in exc.errors()]
            ) from None


_ERRORS_RU = {  # pydantic's error types, as editors read them (docs/editor.md)
    "missing": "обязательное поле не заполнено",
    "extra_forbidden": "неизвестный ключ (проверьте написание)",
    "string_type": "ожидается текст",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "bool_type": "ожидается true или false",
    "bool_parsing": "ожидается true или false",
    "list_type": "ожидается список",
    "dict_type": "ожидается словарь (ключ: значение)",
    "model_type": "ожидается словарь (ключ: значение)",
    "model_attributes_type": "ожидается словарь (ключ: значение)",
    "string_too_short": "не может быть пустым",
    "too_short": "слишком мало элементов",
    "string_too_long": "слишком длинный текст",
    "too_long": "слишком много элементов",
    "enum": "недопустимое значение",
    "literal_error": "недопустимое значение",
    "greater_than": "слишком маленькое значение",
    "greater_than_equal": "слишком маленькое значение",
    "less_than": "слишком большое значение",
    "less_than_equal": "слишком большое значение",
    "time_parsing": "ожидается время ЧЧ:ММ",
    "date_parsing": "ожидается дата ГГГГ-ММ-ДД",
    "date_from_datetime_parsing": "ожидается дата ГГГГ-ММ-ДД",
    "date_type": "ожидается дата ГГГГ-ММ-ДД",
}


# Keys of a Rasa 3 response that Zabota does not take: a migrated domain.yml gets what to do
# instead, not «неизвестный ключ».
_RASA_RESPONSE_KEYS = {
    "condition": "условные ответы Rasa (condition) не поддерживаются: вариант ответа "
    "выбирается только по каналу (channel:); ответ, зависящий от данных клиента, — это "
    "сценарий (docs/flows.md)",
    "custom": "ответы custom не поддерживаются: напишите text, а кнопки — buttons",
    "button_type": "button_type не поддерживается: как показать кнопки, решает канал; уберите ключ",
    "id": "id варианта ответа не используется; уберите ключ",
    "metadata": "metadata ответа не используется; уберите ключ",
    "attachment": "attachment не поддерживается: картинка — image: <адрес>",
    "elements": "elements не поддерживаются: напишите text, а кнопки — buttons",
    "quick_replies": "quick_replies не поддерживаются: кнопки — buttons",
}


def _rasa_key(err: Any) -> str | None:
    loc = err["loc"]
    if err["type"] == "extra_forbidden" and loc and loc[0] == "responses":
        return _RASA_RESPONSE_KEYS.get(str(loc[-1]))
    return None


def _colon_in_text(err: Any) -> str | None:
    """A text YAML read as «key: value» — a question ``- гарантия: сколько лет`` has «: » in
    it — explained as the cause it is, instead of «entries.0.questions.4: ожидается текст»."""
    given = err.get("input")
    if err["type"] != "string_type" or not isinstance(given, dict) or len(given) != 1:
        return None
    ((key, value),) = given.items()
    if isinstance(value, dict | list):
        return None
    text = f"{key}:" if value is None else f"{key}: {value}"
    noun = "вопрос" if "questions" in err["loc"] else "текст"
    cases = {"вопрос": "вопроса", "текст": "текста"}
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"{noun} «{text}» прочитан как «ключ: значение», а не как текст: двоеточие с пробелом "
        f'внутри {cases[noun]} — возьмите {noun} в кавычки: "{quoted}"'
    )


def _describe(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"] if p != "[key]")
    kind = str(err["type"])
    if (colon := _colon_in_text(err)) is not None:
        return colon[0].upper() + colon[1:]
    if (rasa := _rasa_key(err)) is not None:
        msg = rasa
    elif kind == "value_error":  # our own validators' messages, already in Russian
        msg = str(err.get("ctx", {}).get("error") or err["msg"])
    else:
        msg = _ERRORS_RU.get(kind, str(err["msg"]))
        expected = (err.get("ctx") or {}).get("expected")
        if kind in ("enum", "literal_error") and expected:
            msg = f"{msg}; допустимо: {expected}"
        limit = next(
            (v for k, v in (err.get("ctx") or {}).items() if k in ("ge", "gt", "le", "lt")), None
        )
        if limit is not None:
            msg = f"{msg} (граница: {limit})"
    return f"{where}: {msg}" if where else msg


def _record(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], duplicates: list[tuple[int, str, int]]
) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                duplicates.append((line, key, seen[key]))
            seen.setdefault(key, line)
            lines[(*loc, key)] = line
            _record(value_node, (*loc, key), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _record(item, (*loc, index), lines, duplicates)


# PyYAML's problems as an editor would put them (the original follows in brackets, so that
# it can still be searched for).
_SYNTAX_RU: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed",
        "неожиданное двоеточие — если в тексте есть «: », возьмите весь текст в кавычки",
    ),
    ("could not find expected ':'", "после ключа не хватает двоеточия «:»"),
    ("cannot start any token", "табуляция или недопустимый символ: отступы — только пробелами"),
    ("did not find expected key", "неверный отступ: ожидался ключ на этом уровне"),
    ("did not find expected '-' indicator", "неверный отступ: ожидался элемент списка «- »"),
    ("did not find expected node content", "пустое или неполное значение"),
    ("expected <block end>", "неверный отступ: строка сдвинута не так, как соседние"),
    ("found unknown escape character", "неизвестный символ после «\\» в двойных кавычках"),
    ("found undefined alias", "ссылка «*» на неизвестную метку «&»"),
    ("found unexpected end of stream", "файл закончился раньше времени"),
    ("found unexpected ':'", "неожиданное двоеточие"),
    ("expected ',' or ']'", "не закрыт список «[…]»"),
    ("expected ',' or '}'", "не закрыт словарь «{…}»"),
)


def _runaway_quote(source: str, at: yaml.Mark) -> yaml.ScalarToken | None:
    """The quoted text that ran on over several lines and ended on the error's line: a quote
    left open (``- "доставка платная?``) takes everything up to the next quote in the file as
    one text, and the error shows up only where that text ends."""
    found = None
    try:
        for token in yaml.scan(source, Loader=_Loader):
            if token.start_mark.index >= at.index:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'"):
                found = token
    except yaml.YAMLError:
        pass
    if found is None or found.start_mark.line == found.end_mark.line:
        return None
    return found if found.end_mark.line == at.line else None


def _indent(line: str) -> int | None:
    """A line's indentation, or None for a blank line or a comment."""
    stripped = line.lstrip(" ")
    return None if not stripped.strip() or stripped.startswith("#") else len(line) - len(stripped)


def _misaligned(source: str, exc: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """Two lines of one level indented differently («expected <block end>»): the odd one out
    (the one fewer lines of that level share) and why, as (0-based line, Russian text)."""
    first, other = exc.context_mark, exc.problem_mark
    if first is None or other is None or first.column == other.column:
        return None
    lines = source.splitlines()
    low = min(first.column, other.column)
    counts = {first.column: 0, other.column: 0}
    for line in lines[first.line :]:
        indent = _indent(line)
        if indent is None:
            continue
        if indent < low:
            break
        if indent in counts:
            counts[indent] += 1
    odd, usual = (first, other) if counts[first.column] < counts[other.column] else (other, first)

    def spaces(n: int) -> str:
        return f"{n} {plural(n, 'пробел', 'пробела', 'пробелов')}"

    return odd.line, (
        f"неверный отступ: строка сдвинута на {spaces(odd.column)}, а строки того же уровня "
        f"(например, строка {usual.line + 1}) — на {spaces(usual.column)}; выровняйте их "
        f"(позиция {odd.column + 1})"
    )


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError, source: str = "") -> Problem:
    problem = exc.problem or str(exc)
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    runaway = _runaway_quote(source, exc.problem_mark) if exc.problem_mark else None
    misaligned = _misaligned(source, exc) if problem.startswith("expected <block end>") else None
    if "quoted scalar" in context and exc.context_mark is not None:
        # An unclosed quote: the error is found at the end of the file, the cause is here.
        mark = exc.context_mark
        text = "не закрыта кавычка, открытая в этой строке"
    elif runaway is not None:
        quote, start = runaway.style, runaway.start_mark
        return Problem(
            name,
            start.line + 1,
            f"ошибка синтаксиса YAML: не закрыта кавычка «{quote}», открытая в этой строке "
            f"(позиция {start.column + 1}): YAML читает всё дальше как один текст до следующей "
            f"кавычки (строка {runaway.end_mark.line + 1}) и там сбивается. Закройте кавычку "
            f"или уберите её [{problem}]",
        )
    elif misaligned is not None:
        line, text = misaligned
        return Problem(name, line + 1, f"ошибка синтаксиса YAML: {text} [{problem}]")
    else:
        text = next((ru for en, ru in _SYNTAX_RU if en in problem), "")
    line = mark.line + 1 if mark is not None else 1
    where = f" (позиция {mark.column + 1})" if mark is not None else ""
    message = f"{text}{where} [{problem}]" if text else f"{problem}{where}"
    return Problem(name, line, f"ошибка синтаксиса YAML: {message}")


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps ``2027-01-01`` as text: content and config models parse dates
    themselves, and a date that stays text keeps its place in an error's ``file:line``."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, name: str) -> YamlDoc:
    """Parse YAML text; syntax errors and repeated keys (which YAML would silently resolve to
    the last one, losing the first) become a :class:`ContentError` with the line."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise ContentError([_syntax_problem(name, exc, text)]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(name, 1, f"ошибка YAML: {exc}")]) from None
    lines: dict[Loc, int] = {}
    duplicates: list[tuple[int, str, int]] = []
    if node is not None:
        _record(node, (), lines, duplicates)
    if duplicates:
        raise ContentError(
            [
                Problem(
                    name,
                    line,
                    f"ключ «{key}» повторяется (первый раз в строке {first}): "
                    "YAML оставил бы только последний",
                )
                for line, key, first in duplicates
            ]
        )
    return YamlDoc(Path(name), data, lines)


def load_yaml(path: Path) -> YamlDoc:
    """Read and parse a YAML file (UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(str(path), 1, "файл не найден")]) from None
    except UnicodeDecodeError as exc:
        raise ContentError(
            [Problem(str(path), 1, f"файл не в кодировке UTF-8: {exc.reason}")]
        ) from None
    doc = parse_yaml(text, str(path))
    doc.path = path
    return doc

"""Load and validate the knowledge base from YAML files, reporting ``file:line`` problems."""

from __future__ import annotations

import re
from pathlib import Path

from bot.yamlio import ContentError, Problem, YamlDoc, load_yaml, parse_yaml
from knowledge_base.models import FAQEntry, KBFile, KnowledgeBase, SourceRef
from knowledge_base.quality import broken_link_problems, vague_referral
from nlu.api import Example
from nlu.kb_examples import entry_examples

_PUNCT = re.compile(r"[^\w\s]+")


def question_key(text: str) -> str:
    """How two questions are compared for duplicates: case, ё and punctuation ignored."""
    return " ".join(_PUNCT.sub(" ", text.lower().replace("ё", "е")).split())


def title_key(title: str) -> str:
    """How two entries' titles are compared for duplicates: case, ё and spacing ignored (the
    pickers and «Вы имели в виду…?» buttons show titles: two alike cannot be told apart)."""
    return " ".join(title.lower().replace("ё", "е").split())


def kb_files(paths: list[Path]) -> list[Path]:
    """Every ``*.yml``/``*.yaml`` under the given files or directories, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml")))
        elif path.exists():
            files.append(path)
        else:
            raise ContentError([Problem(str(path), 1, "путь к базе знаний не найден")])
    return files


def missing_paths(config_file: Path, listed: list[str]) -> list[Problem]:
    """``knowledge_base:`` paths of ``config_file`` that are not on disk, each at its line of
    the config (the mistake is there, not in a file that does not exist)."""
    root = config_file.parent
    gone = [(index, path) for index, path in enumerate(listed) if not (root / path).exists()]
    if not gone:
        return []
    if not config_file.exists():  # the default path, named by no line
        return [Problem(str(root / path), 1, "путь к базе знаний не найден") for _, path in gone]
    try:
        doc: YamlDoc | None = load_yaml(config_file)
    except ContentError:
        doc = None  # reported by the config's own loading

    def line(index: int) -> int:
        return 1 if doc is None else doc.line_of(("knowledge_base", index))

    return [
        Problem(
            str(config_file),
            line(index),
            f"knowledge_base: путь «{path}» не найден (пути считаются от папки config.yml)",
        )
        for index, path in gone
    ]


def parse_kb_doc(doc: YamlDoc) -> list[tuple[FAQEntry, int]]:
    """Entries of one parsed file with their lines. An empty file (nothing, only comments,
    ``null`` or ``{}``) is refused, as an empty config.yml is: far more often a save that went
    wrong than a choice, and read as «no entries» it would silently drop every answer it had
    (a file kept on purpose with none says ``entries: []``)."""
    if doc.data is None or doc.data == {}:
        raise ContentError(
            [
                doc.problem(
                    (),
                    "файл пуст — ни одной записи. Верните записи (entries:) или удалите файл, "
                    "если он больше не нужен",
                )
            ]
        )
    if not isinstance(doc.data, dict):
        raise ContentError([doc.problem((), "ожидается словарь с ключом 'entries:'")])
    parsed = doc.validate(KBFile)
    return [(entry, doc.line_of(("entries", i))) for i, entry in enumerate(parsed.entries)]


def load_kb(paths: list[Path], *, docs: list[YamlDoc] | None = None) -> KnowledgeBase:
    """Load every file, then validate across files; raise one error listing all problems."""
    problems: list[Problem] = []
    kb = KnowledgeBase()
    loaded = docs if docs is not None else []
    if docs is None:
        for file in kb_files(paths):
            try:
                loaded.append(load_yaml(file))
            except ContentError as exc:
                problems.extend(exc.problems)
    broken = bool(problems)  # a file that did not load: its entries are unknown here
    # question key → the entry that has it first: its id, its title (what editors know it by)
    seen_questions: dict[str, tuple[str, str, SourceRef]] = {}
    seen_titles: dict[str, tuple[str, SourceRef]] = {}  # title key → the first entry with it
    links: list[tuple[str, str, SourceRef]] = []  # (entry, the entry its button opens, where)
    for doc in loaded:
        try:
            entries = parse_kb_doc(doc)
        except ContentError as exc:
            problems.extend(exc.problems)
            broken = True
            continue
        kb.files.append(doc.name)
        for index, (entry, line) in enumerate(entries):
            ref = SourceRef(doc.name, line)
            if entry.id in kb.entries:
                problems.append(
                    Problem(
                        doc.name,
                        line,
                        f"повторяется id {entry.id!r} (впервые: {kb.sources[entry.id]})",
                    )
                )
                continue
            kb.entries[entry.id] = entry
            kb.sources[entry.id] = ref
            t_line = doc.line_of(("entries", index, "title"))
            same_title = seen_titles.get(title_key(entry.title))
            if same_title is not None:
                problems.append(
                    Problem(
                        doc.name,
                        t_line,
                        f"{entry.id}: название «{entry.title}» уже есть у записи "
                        f"{same_title[0]} ({same_title[1]}) — в списках и кнопках «Вы имели в "
                        "виду…?» их не различить; переименуйте одну из них",
                    )
                )
            seen_titles.setdefault(title_key(entry.title), (entry.id, SourceRef(doc.name, t_line)))
            for b_index, button in enumerate(entry.buttons):
                if button.entry is not None:
                    b_line = doc.line_of(("entries", index, "buttons", b_index))
                    links.append((entry.id, button.entry, SourceRef(doc.name, b_line)))
            for q_index, question in enumerate(entry.questions):
                key = question_key(question)
                q_line = doc.line_of(("entries", index, "questions", q_index))
                other = seen_questions.get(key)
                if other is not None and other[0] != entry.id:
                    problems.append(
                        Problem(
                            doc.name,
                            q_line,
                            f"вопрос «{question}» есть и в записи «{other[1]}» ({other[2]}) — "
                            "бот не сможет их различить; оставьте его в одной записи",
                        )
                    )
                seen_questions.setdefault(key, (entry.id, entry.title, SourceRef(doc.name, q_line)))
            has_url_button = any(b.url for b in entry.buttons)
            texts: list[tuple[tuple[str | int, ...], str]] = [(("answer",), entry.answer)]
            texts += [(("answers", channel), text) for channel, text in entry.answers.items()]
            for path, text in texts:
                for link in broken_link_problems(text):
                    problems.append(
                        Problem(
                            doc.name,
                            doc.line_of(("entries", index, *path)),
                            f"{entry.id}: {link}",
                        )
                    )
                words = vague_referral(text, has_url_button=has_url_button)
                if words is not None:
                    problems.append(
                        Problem(
                            doc.name,
                            doc.line_of(("entries", index, *path)),
                            f"{entry.id}: ответ отсылает клиента искать самому («{words}») — "
                            "дайте точную ссылку (https://…) в тексте или кнопку с url",
                        )
                    )
    if not broken:  # else the entry may well be in the file that did not load: no false alarm
        for entry_id, target, ref in links:
            if target not in kb.entries:
                problems.append(
                    Problem(
                        ref.file,
                        ref.line,
                        f"{entry_id}: кнопка ведёт на несуществующую запись {target!r}",
                    )
                )
    if problems:
        raise ContentError(problems, partial=kb, complete=not broken)
    return kb


def load_kb_text(text: str, name: str = "<editor>") -> KnowledgeBase:
    """Validate one file's text (the editor's «check before save»)."""
    return load_kb([], docs=[parse_yaml(text, name)])


def kb_examples(
    kb: KnowledgeBase, *, use_titles: bool = True, use_answers: bool = True
) -> list[Example]:
    """NLU training examples from the entries (intent = entry id): the questions, and — as the
    NLU configuration says — the title and the answer's sentences."""
    return [
        example
        for entry_id, entry in kb.entries.items()
        for example in entry_examples(
            entry_id,
            entry.questions,
            entry.title,
            entry.answer,
            use_titles=use_titles,
            use_answers=use_answers,
        )
    ]

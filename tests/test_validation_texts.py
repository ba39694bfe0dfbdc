"""Content problems an editor can make in texts and references, each a ``file:line`` with the
path from the project's root (never the server's own directories)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import _fill, placeholders
from bot.project import load_project
from bot.yamlio import ContentError
from tests.conftest import copy_demo_project


def _problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as refused:
        load_project(root)
    return [str(p) for p in refused.value.problems]


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (once) in the file; the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


# -- paths ------------------------------------------------------------------------------------


def test_problems_name_files_from_the_project_root(tmp_path: Path) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    faq = root / "data" / "faq" / "delivery.yml"
    question = "Сколько стоит доставка?"
    line = _line_of(faq, question)
    stores = root / "data" / "faq" / "stores.yml"
    taken = _line_of(stores, "    questions:\n") + 1
    _edit(stores, stores.read_text(encoding="utf-8").splitlines()[taken - 1], f"      - {question}")
    problems = _problems(root)
    assert problems and all(str(tmp_path) not in p for p in problems), problems
    [duplicate] = [p for p in problems if "есть и в записи" in p]
    assert duplicate.startswith("data/faq/stores.yml:")
    assert f"(data/faq/delivery.yml:{line})" in duplicate


# -- placeholders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("через {wait_minutes", "не закрыта фигурная скобка в «{wait_minutes»"),
        ("ответим {back_at} :-{", "не закрыта фигурная скобка"),
        ("ответим {back_at} }", "лишняя «}» без парной «{»"),
        ("ответим {}", "«{}» — не подстановка"),
        ("ответим {0}", "«{0}» — не подстановка"),
        ("ответим {back_at.day}", "«{back_at.day}» — не подстановка"),
        ("ответим {сроки!r}", "«{сроки!r}» — не подстановка"),
        ("Статус заказа { № {order_number}: …", "лишняя «{» в «{ № {order_number}»"),
    ],
)
def test_a_text_the_bot_cannot_fill_is_refused(text: str, says: str) -> None:
    with pytest.raises(ValueError) as refused:
        placeholders(text)
    assert says in str(refused.value)
    assert "«{{» или «}}»" in str(refused.value)


def test_a_text_the_bot_can_fill() -> None:
    assert placeholders("через {wait_minutes}, {{не подстановка}}, {back_at}") == [
        "wait_minutes",
        "back_at",
    ]
    assert _fill("через {wait_minutes}, {{x}}", {"wait_minutes": "5 минут"}) == "через 5 минут, {x}"


def test_a_phrase_with_an_unclosed_brace_is_refused_at_its_line(tmp_path: Path) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    domain = root / "domain.yml"
    old = "он подключится примерно через {wait_minutes}."
    line = _edit(domain, old, "он подключится примерно через {wait_minutes}. Ждите {wait_minutes")
    [problem] = _problems(root)
    assert problem.startswith("domain.yml:"), problem
    assert int(problem.split(":")[1]) in (line - 1, line)  # the text's first line
    assert "utter_handoff: не закрыта фигурная скобка в «{wait_minutes»" in problem


def test_a_flow_text_with_an_unclosed_brace_is_a_content_error_not_a_crash(
    tmp_path: Path,
) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    flows = root / "data" / "flows" / "orders.yml"
    line = _edit(
        flows, "номер заказа {order_number} — он проверит", "номер заказа {order_number — он"
    )
    [problem] = _problems(root)
    assert problem.startswith(f"data/flows/orders.yml:{line}: не закрыта фигурная скобка"), problem


def test_a_stray_brace_in_a_flow_or_a_phrase_is_explained_in_russian(tmp_path: Path) -> None:
    """QA8: «unexpected '{' in field name», Python's own words, reached the editor."""
    root = copy_demo_project(tmp_path / "project", heldout=False)
    flows = root / "data" / "flows" / "orders.yml"
    line = _edit(flows, "Статус заказа № {order_number}", "Статус заказа { № {order_number}")
    domain = root / "domain.yml"
    old = "он подключится примерно через {wait_minutes}."
    phrase = _edit(domain, old, "он подключится { примерно через {wait_minutes}.")
    problems = _problems(root)
    assert len(problems) == 2, problems
    [flow] = [p for p in problems if p.startswith("data/flows/orders.yml:")]
    assert flow.startswith(f"data/flows/orders.yml:{line}: лишняя «{{» в «{{ № {{order_number}}»")
    [said] = [p for p in problems if p.startswith("domain.yml:")]
    assert int(said.split(":")[1]) in (phrase - 1, phrase)
    assert "utter_handoff: лишняя «{»" in said
    assert not any("field name" in p for p in problems)


# -- references -------------------------------------------------------------------------------


def test_a_when_on_a_slot_nothing_collects_is_refused(tmp_path: Path) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    flows = root / "data" / "flows" / "orders.yml"
    line = _edit(flows, 'when: {resolved: "yes"}', 'when: {resolvd: "yes"}')
    [problem] = _problems(root)
    assert problem.startswith(f"data/flows/orders.yml:{line}: условие when: слот 'resolvd'")
    assert "resolved" in problem  # what is collected, to spot the typo


# -- links ------------------------------------------------------------------------------------


def _kb(answer: str) -> str:
    return f"entries:\n  - id: a_entry\n    title: A\n    questions: [q]\n    answer: {answer!r}\n"


@pytest.mark.parametrize(
    "answer",
    [
        "Подробнее смотрите на сайте: https://",
        "Подробнее смотрите на сайте: https://volt-shop",
        "Условия — на https:// в разделе акций.",
    ],
)
def test_a_link_with_no_site_is_refused(answer: str) -> None:
    from knowledge_base.loader import load_kb_text

    with pytest.raises(ContentError) as refused:
        load_kb_text(_kb(answer), "kb.yml")
    assert any(p.line == 5 and "нет адреса сайта" in p.message for p in refused.value.problems), (
        refused.value.problems
    )


def test_a_link_with_a_site_is_fine() -> None:
    from knowledge_base.loader import load_kb_text

    load_kb_text(_kb("Подробнее смотрите на сайте: https://volt-shop.ru/delivery."), "kb.yml")
    load_kb_text(_kb("Адреса — на https://вольт.рф, (https://volt-shop.ru)"), "kb.yml")


# -- data/nlu.yml -----------------------------------------------------------------------------


def test_an_intent_nothing_answers_is_refused_at_its_line(tmp_path: Path) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    nlu = root / "data" / "nlu.yml"
    text = nlu.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    nlu.write_text(text + "  - intent: brand_new\n    examples: |\n      - новый интент\n")
    [problem] = _problems(root)
    assert problem.startswith(f"data/nlu.yml:{line}: на интент 'brand_new' бот ничем не отвечает")
    assert "utter_brand_new" in problem
    # Answered by a phrase: fine. (handoff_request and complaint, answered by the code, and
    # oos are in the demo's nlu.yml without a phrase of their own.)
    domain = root / "domain.yml"
    _edit(domain, "  utter_rated:", '  utter_brand_new:\n    - text: "Новое!"\n\n  utter_rated:')
    load_project(root)


def test_nlu_yml_errors_read_like_the_other_files(tmp_path: Path) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    nlu = root / "data" / "nlu.yml"
    line = _edit(nlu, "  - intent: thanks\n", "  - intent: thanks: x\n")
    [problem] = _problems(root)
    assert problem.startswith(f"data/nlu.yml:{line}: ошибка синтаксиса YAML: неожиданное двоеточие")
    nlu.unlink()
    [problem] = _problems(root)
    assert problem == "data/nlu.yml:1: файл не найден"
    nlu.write_text('version: "3.1"\nnlu:\n  - intent: greet\n    examples: [привет]\n')
    [problem] = _problems(root)
    assert (
        problem
        == "data/nlu.yml:3: интент 'greet': 'examples' — блок '|' с примерами, по одному на строку"
    )


# -- YAML syntax: where the cause is, not where YAML stumbled ---------------------------------


def test_a_quote_left_open_is_reported_where_it_opened(tmp_path: Path) -> None:
    """QA8: «delivery.yml:25: … неверный отступ … (позиция 76)» for a quote opened on line 11:
    YAML read on to the next quote in the file (an answer's «65"») and stumbled there."""
    root = copy_demo_project(tmp_path / "project", heldout=False)
    faq = root / "data" / "faq" / "delivery.yml"
    line = _edit(faq, "      - доставка платная?\n", '      - "доставка платная?\n')
    [problem] = _problems(root)
    assert problem.startswith(
        f'data/faq/delivery.yml:{line}: ошибка синтаксиса YAML: не закрыта кавычка «"», '
        "открытая в этой строке"
    ), problem
    assert "неверный отступ" not in problem


@pytest.mark.parametrize("wrong", ["first", "later"])
def test_a_key_indented_unlike_its_siblings_is_the_one_reported(tmp_path: Path, wrong: str) -> None:
    """QA8: «utter_greet:» one space short on line 21 was reported at line 42 (the next key)."""
    root = copy_demo_project(tmp_path / "project", heldout=False)
    domain = root / "domain.yml"
    if wrong == "first":
        line = _edit(domain, "\n  utter_greet:\n", "\n utter_greet:\n") + 1
        says = "сдвинута на 1 пробел, а строки того же уровня (например, строка"
    else:
        line = _edit(domain, "\n  utter_thanks:\n", "\n   utter_thanks:\n") + 1
        says = "сдвинута на 3 пробела, а строки того же уровня (например, строка"
    [problem] = _problems(root)
    assert problem.startswith(f"domain.yml:{line}: ошибка синтаксиса YAML: неверный отступ"), (
        problem
    )
    assert says in problem


# -- the knowledge base's files and paths ------------------------------------------------------


def test_a_knowledge_base_path_not_found_is_reported_at_its_line_of_config(
    tmp_path: Path,
) -> None:
    """QA8: «data/faqs:1: путь к базе знаний не найден» pointed into a file that is not there."""
    root = copy_demo_project(tmp_path / "project", heldout=False)
    line = _edit(root / "config.yml", "knowledge_base: [data/faq]", "knowledge_base: [data/faqs]")
    problems = _problems(root)
    assert problems[0] == (
        f"config.yml:{line}: knowledge_base: путь «data/faqs» не найден (пути считаются от папки "
        "config.yml)"
    ), problems
    assert not any(p.startswith("data/faqs") for p in problems)


@pytest.mark.parametrize("text", ["", "# пока пусто\n", "{}\n", "null\n"])
def test_an_empty_knowledge_base_file_is_refused(tmp_path: Path, text: str) -> None:
    """QA8: an emptied data/faq/*.yml passed validation silently (its answers gone)."""
    root = copy_demo_project(tmp_path / "project", heldout=False)
    (root / "data" / "faq" / "bonus.yml").write_text(text, encoding="utf-8")
    problems = _problems(root)
    assert [p for p in problems if p.startswith("data/faq/bonus.yml:1: файл пуст — ни одной")]


def test_the_last_entry_deleted_leaves_a_file_that_loads(tmp_path: Path) -> None:
    """Deleting a file's last entry in the editor leaves ``entries: []`` — kept on purpose,
    with its comments — not the empty file the loader refuses."""
    from knowledge_base.loader import load_kb
    from knowledge_base.remove_entry import remove_entry_in_file

    root = copy_demo_project(tmp_path / "project", heldout=False)
    only = root / "data" / "faq" / "only.yml"
    only.write_text(
        '# Одна запись\nversion: "1"\nentries:\n  - id: only_one\n    title: Одна\n'
        "    category: Разное\n    questions: [один вопрос]\n"
        '    answer: "Ответ: https://volt-shop.ru/one"\n',
        encoding="utf-8",
    )
    remove_entry_in_file(only, "only_one")
    assert only.read_text(encoding="utf-8") == '# Одна запись\nversion: "1"\nentries: []\n'
    load_kb([only])

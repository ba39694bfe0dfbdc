"""Content and config validation: every problem is reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config, load_domain
from bot.yamlio import ContentError, parse_yaml
from knowledge_base.loader import load_kb, load_kb_text

ROOT = Path(__file__).resolve().parent.parent


def test_demo_content_is_valid() -> None:
    kb = load_kb([ROOT / "data" / "faq"])
    assert len(kb) >= 40
    assert all(len(entry.questions) >= 9 for entry in kb.entries.values())
    domain = load_domain(ROOT / "domain.yml")
    assert "utter_handoff" in domain.responses
    load_config(ROOT / "config.yml")


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ContentError) as info:
        parse_yaml("entries:\n  - id: a\n   title: b\n", "faq.yml")
    assert str(info.value).startswith("faq.yml:3:")


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        # An answer with «: » in it, not quoted: the most common editor's mistake.
        ("entries:\n  - id: a\n    answer: Адрес: ул. Ленина, 1\n", 3, "в кавычки"),
        ("entries:\n\t- id: a\n", 2, "только пробелами"),
        ("entries:\n  - id: a\n    title: b\n   answer: c\n", 4, "отступ"),
        # The quote opened on line 2 is found open only at the end of the file.
        ('entries:\n  - title: "Доставка\n    answer: c\n    id: a\n', 2, "не закрыта кавычка"),
    ],
)
def test_yaml_syntax_errors_are_explained_in_russian(text: str, line: int, says: str) -> None:
    with pytest.raises(ContentError) as info:
        parse_yaml(text, "faq.yml")
    [problem] = info.value.problems
    assert problem.line == line, problem
    assert says in problem.message and "позиция" in problem.message, problem.message


def test_a_repeated_key_is_an_error_not_a_silent_overwrite() -> None:
    text = "entries:\n  - id: a\n    answer: первый ответ\n    title: b\n    answer: второй\n"
    with pytest.raises(ContentError) as info:
        parse_yaml(text, "faq.yml")
    [problem] = info.value.problems
    assert (problem.line, problem.file) == (5, "faq.yml")
    assert "«answer» повторяется (первый раз в строке 3)" in problem.message
    # The same key in two different entries is fine.
    doc = parse_yaml("entries:\n  - id: a\n  - id: b\n", "faq.yml")
    assert [e["id"] for e in doc.data["entries"]] == ["a", "b"]


def test_missing_field_points_at_the_entry(tmp_path: Path) -> None:
    text = (
        'version: "1"\nentries:\n'
        "  - id: ok_entry\n    title: Хорошо\n    questions: [один]\n    answer: Ответ\n"
        "  - id: broken\n    title: Без ответа\n    questions: [два]\n"
    )
    with pytest.raises(ContentError) as info:
        load_kb_text(text, "returns.yml")
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == ("returns.yml", 7)
    assert "answer" in problem.message


def test_duplicate_ids_and_questions_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "entries:\n  - id: same\n    title: A\n"
        '    questions: ["Как вернуть товар?"]\n    answer: x\n',
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text(
        "entries:\n"
        "  - id: same\n    title: B\n    questions: [другой]\n    answer: y\n"
        "  - id: other\n    title: C\n    questions: [как вернуть  ТОВАР]\n    answer: z\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_kb([tmp_path])
    messages = [str(p) for p in info.value.problems]
    assert any("b.yml:2:" in m and "повторяется id 'same'" in m for m in messages)
    assert any("b.yml:8:" in m and "есть и в записи «A»" in m for m in messages)


def test_two_entries_with_the_same_title_are_an_error_at_both_lines(tmp_path: Path) -> None:
    # Every picker would list two «Сроки доставки», and «Вы имели в виду…?» buttons alike.
    (tmp_path / "a.yml").write_text(
        "entries:\n  - id: delivery_time\n    title: Сроки доставки\n"
        "    questions: [сколько ехать заказ]\n    answer: x\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text(
        "entries:\n  - id: other\n    title: Другое\n    questions: [другое]\n    answer: y\n"
        "  - id: sroki\n    title: '  сроки   ДОСТАВКИ '\n    questions: [когда привезут]\n"
        "    answer: z\n  - id: yozh\n    title: Ёж\n    questions: [ёж]\n    answer: y\n"
        "  - id: ezh\n    title: еж\n    questions: [еж ли]\n    answer: y\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_kb([tmp_path])
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'b.yml'}:7: sroki: название «  сроки   ДОСТАВКИ » уже есть у записи "
        f"delivery_time ({tmp_path / 'a.yml'}:3) — в списках и кнопках «Вы имели в виду…?» их "
        "не различить; переименуйте одну из них",
        f"{tmp_path / 'b.yml'}:15: ezh: название «еж» уже есть у записи yozh "
        f"({tmp_path / 'b.yml'}:11) — в списках и кнопках «Вы имели в виду…?» их не различить; "
        "переименуйте одну из них",
    ]


def test_button_to_unknown_entry_and_bad_url() -> None:
    text = (
        "entries:\n  - id: a_entry\n    title: A\n    questions: [q]\n    answer: x\n"
        "    buttons:\n      - title: Дальше\n        entry: nowhere\n"
        "  - id: b_entry\n    title: B\n    questions: [w]\n    answer: y\n"
        "    buttons:\n      - title: Сайт\n        url: volt-shop.ru\n"
    )
    with pytest.raises(ContentError) as info:
        load_kb_text(text, "kb.yml")
    messages = " | ".join(str(p) for p in info.value.problems)
    assert "kb.yml:14:" in messages and "url должен начинаться с" in messages


def _entry(answer: str, extra: str = "") -> str:
    return (
        "entries:\n  - id: a_entry\n    title: A\n    questions: [q]\n"
        f"    answer: {answer}\n{extra}"
    )


@pytest.mark.parametrize(
    "answer",
    [
        "Подробнее смотрите на нашем сайте.",
        "Условия акции описаны на официальном сайте",
        "Все адреса вы найдёте в разделе «Магазины».",
        "Сроки — см. в разделе Доставка",
    ],
)
def test_an_answer_that_sends_the_customer_to_search_the_site_is_refused(answer: str) -> None:
    with pytest.raises(ContentError) as info:
        load_kb_text(_entry(answer), "kb.yml")
    [problem] = info.value.problems
    assert problem.line == 5 and "точную ссылку" in problem.message, problem


@pytest.mark.parametrize(
    ("answer", "extra"),
    [
        ('"Подробнее на сайте: https://volt-shop.ru/promo"', ""),
        ("Подробнее смотрите на сайте volt-shop.ru/promo", ""),
        (
            "Подробнее смотрите на нашем сайте.",
            "    buttons:\n      - title: Акции\n        url: https://volt-shop.ru/promo\n",
        ),
        ("Цены на сайте и в магазинах одинаковые.", ""),  # a fact, not a referral
    ],
)
def test_an_exact_link_or_a_plain_fact_is_fine(answer: str, extra: str) -> None:
    load_kb_text(_entry(answer, extra), "kb.yml")


def test_a_vague_channel_variant_is_reported_at_its_own_line() -> None:
    text = _entry(
        "'Акции: https://volt-shop.ru/promo'", "    answers:\n      viber: Смотрите на сайте\n"
    )
    with pytest.raises(ContentError) as info:
        load_kb_text(text, "kb.yml")
    [problem] = info.value.problems
    assert problem.line == 7, problem


def test_a_button_to_an_unknown_entry_is_reported_at_the_button(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "entries:\n  - id: a_entry\n    title: A\n    questions: [q]\n    answer: x\n"
        "    buttons:\n      - title: Сайт\n        url: https://volt-shop.ru\n"
        "      - title: Дальше\n        entry: nowhere\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_kb([tmp_path])
    [problem] = info.value.problems
    assert (Path(problem.file).name, problem.line) == ("a.yml", 9)  # the button, not the entry
    assert "кнопка ведёт на несуществующую запись 'nowhere'" in problem.message


def test_one_broken_file_does_not_make_other_files_look_broken(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(  # an entry without its answer: the file does not load
        "entries:\n  - id: bonus\n    title: Бонусы\n    questions: [бонусы]\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text(  # fine, with a button to the entry of the broken file
        "entries:\n  - id: price\n    title: Цена\n    questions: [цена]\n    answer: x\n"
        "    buttons:\n      - title: Бонусы\n        entry: bonus\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_kb([tmp_path])
    [problem] = info.value.problems  # only the real one
    assert Path(problem.file).name == "a.yml"
    assert "answer: обязательное поле не заполнено" in problem.message


def test_unknown_config_key_is_a_typo(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("language: ru\nhandoff:\n  not_understod_limit: 3\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_config(path)
    assert str(info.value.problems[0]).startswith(f"{path}:3:")
    assert "неизвестный ключ" in str(info.value)


@pytest.mark.parametrize(
    ("text", "line"),
    [("", 1), ("# настройки\n# потом\n", 1), ("null\n", 1), ("# пусто\n\n{}\n", 3)],
)
def test_an_empty_config_is_refused_not_taken_for_defaults(
    tmp_path: Path, text: str, line: int
) -> None:
    """A save that went wrong must not silently drop every setting (hours, retention, …)."""
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_config(path)
    [problem] = info.value.problems
    assert str(problem).startswith(f"{path}:{line}: config.yml пуст")
    assert "удалите файл" in problem.message  # the way to really mean «all defaults»


def test_a_missing_config_still_means_all_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "config.yml").company == "Zabota"


def test_a_label_needs_a_latin_id_and_a_title(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text(
        "language: ru\nhandoff:\n  labels:\n    return: Возврат\n    Брак: Брак\n    defect: ''\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_config(path)
    # Each mistake on its own line, in the editor's words.
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5: handoff.labels.Брак: id метки — латиница в snake_case до 32 знаков "
        "(return, defect)",
        f"{path}:6: handoff.labels.defect: нужно название метки, например «Возврат и обмен»",
    ]


def test_domain_must_have_the_responses_the_runtime_uses(tmp_path: Path) -> None:
    path = tmp_path / "domain.yml"
    path.write_text(
        'version: "3.1"\nresponses:\n  utter_greet:\n    - text: Привет\n', encoding="utf-8"
    )
    with pytest.raises(ContentError) as info:
        load_domain(path)
    assert "нет обязательного ответа utter_handoff" in str(info.value)


def test_domain_channel_variant_and_placeholders() -> None:
    domain = load_domain(ROOT / "domain.yml")
    generic = domain.render("utter_handoff", None, wait_minutes="3 минуты")
    assert "3 минуты" in generic.text
    assert "{" not in generic.text


def test_a_broken_faq_file_does_not_make_the_flows_look_broken(tmp_path: Path) -> None:
    from bot.project import load_project
    from tests.conftest import copy_demo_project

    root = copy_demo_project(tmp_path / "p")
    orders = root / "data" / "faq" / "orders.yml"  # holds order_status, which a flow starts on
    orders.write_text(orders.read_text(encoding="utf-8") + "  - id: broken\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_project(root)
    files = {p.file for p in info.value.problems}  # named from the project's root
    assert files == {"data/faq/orders.yml"}, [str(p) for p in info.value.problems]


def test_a_faq_problem_in_files_that_all_loaded_still_lets_the_flows_be_checked(
    tmp_path: Path,
) -> None:
    from bot.project import load_project
    from tests.conftest import copy_demo_project

    root = copy_demo_project(tmp_path / "p")
    faq = root / "data" / "faq" / "extra.yml"  # loads, but repeats a question of another entry
    faq.write_text(
        "entries:\n  - id: extra\n    title: Ещё\n    questions: [как вернуть товар]\n"
        "    answer: x\n",
        encoding="utf-8",
    )
    flows = root / "data" / "flows" / "orders.yml"
    text = flows.read_text(encoding="utf-8")
    flows.write_text(text.replace("intents: [order_status]", "intents: [no_such_intent]"))
    with pytest.raises(ContentError) as info:
        load_project(root)
    messages = [str(p) for p in info.value.problems]
    assert any("есть и в записи" in m for m in messages)
    assert any("неизвестный интент 'no_such_intent'" in m for m in messages), messages

"""Appending a new FAQ entry to a YAML file: the old text stays, the new entry reads back."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.yamlio import parse_yaml
from knowledge_base.editing import EditError
from knowledge_base.loader import load_kb_text, parse_kb_doc
from knowledge_base.new_entry import EntryProblem, add_entry, check_entry, entry_id_for, new_entry
from tests.handoff_kit import ROOT
from tests.test_kb_editing import SOURCE

ANSWER = "Да, с животными можно во все магазины: https://volt-shop.ru/stores"


def pets(title: str = "Можно ли в магазин с животными", taken: set[str] | None = None) -> object:
    return new_entry(
        title,
        "Магазины",
        ["можно с собакой?", "  пускают   с животными  ", "можно с собакой?"],
        ANSWER,
        taken=taken or set(),
    )


def test_ids_are_latin_snake_case_and_unique() -> None:
    assert entry_id_for("Работаете ли вы в праздники?", set()) == "rabotaete_li_vy_v_prazdniki"
    assert entry_id_for("Щётка «Вольт-Эко»", set()) == "shchetka_volteko"
    assert entry_id_for("Счёт-фактура", {"schetfaktura"}) == "schetfaktura_2"
    assert entry_id_for("24/7 поддержка", set()) == "faq_24_7_podderzhka"
    long_id = entry_id_for(
        "Очень длинное название записи про доставку крупногабаритной техники", set()
    )
    assert len(long_id) <= 40 and long_id.startswith("ochen_dlinnoe")


def test_the_entry_is_cleaned() -> None:
    entry = new_entry(
        " Можно  ли\nс животными ", "", ["можно с собакой?", "можно с собакой?"], "  Да.  ", set()
    )
    assert (entry.title, entry.questions, entry.answer) == (
        "Можно ли с животными",
        ("можно с собакой?",),
        "Да.",
    )
    for args, code in (
        (("", "", ["q"], "a"), "no_title"),
        (("T", "", [" "], "a"), "no_questions"),
        (("T", "", ["q"], " "), "empty"),
        (("T", "", ["в" * 301], "a"), "question_too_long"),
    ):
        with pytest.raises(EditError) as error:
            new_entry(*args, taken=set())  # type: ignore[arg-type]
        assert error.value.code == code


def test_a_form_with_everything_wrong_is_told_every_problem_in_the_forms_order() -> None:
    # The editor types no title, a question that is too long, one another entry has and an
    # empty answer: each is said at once, in the order of the form; new_entry refuses the first.
    def taken(question: str) -> EntryProblem | None:
        if question != "можно с собакой?":
            return None
        return EntryProblem("questions", "question_taken", "in «Животные»", question)

    typed = (" ", ["в" * 301, "можно  с собакой?", "можно с собакой?"], " ")
    checked = check_entry(*typed, taken)
    assert [(p.field, p.code, p.question) for p in checked.problems] == [
        ("title", "no_title", None),
        ("questions", "question_too_long", "в" * 301),
        ("questions", "question_taken", "можно с собакой?"),
        ("answer", "empty", None),
    ]
    assert checked.questions == ("можно с собакой?",)
    with pytest.raises(EditError) as error:
        new_entry(typed[0], "", typed[1], typed[2], taken=set())
    assert error.value.code == "no_title"


def test_appended_after_the_last_entry_and_the_old_text_is_untouched() -> None:
    entry = new_entry(
        "Доставка: сроки # и цены",
        "Доставка",
        ["yes", "сколько ждать: день?"],
        "Строка 1\n\nСтрока 3",
        {"first", "second"},
    )
    text = add_entry(SOURCE, entry)
    assert text.startswith(SOURCE)
    added = text[len(SOURCE) :]
    assert added == (
        "\n"
        "  - id: dostavka_sroki_i_tseny\n"
        '    title: "Доставка: сроки # и цены"\n'
        "    category: Доставка\n"
        "    questions:\n"
        '      - "yes"\n'
        '      - "сколько ждать: день?"\n'
        "    answer: |\n"
        "      Строка 1\n"
        "\n"
        "      Строка 3\n"
    )
    kb = load_kb_text(text, "t.yml")
    assert kb.entries[entry.id].questions == ["yes", "сколько ждать: день?"]


def test_a_comment_after_the_last_entry_stays_last_and_crlf_stays_crlf() -> None:
    source = (SOURCE + "\n# конец файла\n").replace("\n", "\r\n")
    text = add_entry(source, pets())  # type: ignore[arg-type]
    assert text.endswith("\r\n\r\n# конец файла\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert [e["id"] for e in parse_yaml(text, "t.yml").data["entries"]][-1] == (
        "mozhno_li_v_magazin_s_zhivotnymi"
    )


def test_a_file_without_a_final_newline() -> None:
    text = add_entry(SOURCE.rstrip("\n"), pets())  # type: ignore[arg-type]
    assert text.startswith(SOURCE.rstrip("\n") + "\n\n  - id: mozhno")
    assert parse_yaml(text, "t.yml").data["entries"][-1]["answer"] == ANSWER + "\n"


def test_a_flow_style_entries_list_is_left_alone() -> None:
    with pytest.raises(EditError) as error:
        add_entry("entries: [{id: a, title: A, questions: [q], answer: x}]\n", pets())  # type: ignore[arg-type]
    assert error.value.code == "not_kb_file"


@pytest.mark.parametrize("path", sorted((ROOT / "data" / "faq").glob("*.yml")), ids=str)
def test_every_file_of_the_demo_knowledge_base_takes_a_new_entry(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    taken = {e.id for e, _ in parse_kb_doc(parse_yaml(source, str(path)))}
    text = add_entry(source, pets(taken=taken))  # type: ignore[arg-type]
    assert text.startswith(source.rstrip("\n")) or text.startswith(source)
    entries = parse_kb_doc(parse_yaml(text, "t.yml"))
    assert entries[-1][0].id == "mozhno_li_v_magazin_s_zhivotnymi"
    assert entries[-1][0].questions == ["можно с собакой?", "пускают с животными"]


async def test_a_new_entry_with_a_title_another_entry_has_is_refused() -> None:
    from handoff.errors import HandoffError
    from handoff.new_entries import create_entry
    from tests.handoff_kit import make_brain

    brain = make_brain()
    taken = brain.kb.entries["delivery_time"]
    with pytest.raises(HandoffError) as refused:
        await create_entry(
            None,  # type: ignore[arg-type]  # refused before the database or a reload
            lambda: brain,
            None,  # type: ignore[arg-type]
            title=f" {taken.title.upper().replace('Е', 'Ё')}  ",
            category=taken.category,
            questions=["совсем новый вопрос про сроки"],
            answer="Ответ.",
            operator_id=1,
            force=True,
        )
    assert refused.value.code == "title_taken"
    assert refused.value.message == (
        f"Запись с названием «{taken.title}» уже есть — в списках и в кнопках «Вы имели в "
        "виду…?» их будет не различить. Дайте новой записи другое название или добавьте "
        "вопросы в существующую."
    )

"""Several questions as a numbered or dashed list (QA 3 Q6, QA19): «1) … 2) … 3) …» was one
message — «не понял», or a clarify with two options and the payment dropped. Each item is a
question now (nlu/segments.py); a number with a dot inside a question is no list."""

from __future__ import annotations

from bot.ownership import Owner
from nlu.segments import question_of, split_questions
from tests.dialogue import TestBot

QA19 = (
    "Здравствуйте! подскажите пожалуйста 1) сколько стоит доставка в Казань 2) можно ли "
    "оплатить при получении 3) есть ли рассрочка"
)


async def test_each_item_of_a_numbered_list_is_answered(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(QA19)
    texts = [r.text for r in replies]
    assert len(texts) == 3, [t[:40] for t in texts]
    assert "в пункт выдачи «Вольт» — бесплатно" in texts[0]
    assert "при получении — картой" in texts[1]
    assert "рассрочка «0-0-6»" in texts[2]
    assert alice.last_outcome.owner is Owner.BOT


def test_where_a_list_splits() -> None:
    parts = split_questions(QA19)
    assert [question_of(p) for p in parts] == [
        "Здравствуйте! подскажите пожалуйста сколько стоит доставка в Казань",
        "можно ли оплатить при получении",
        "есть ли рассрочка",
    ]
    listed = split_questions("1. доставка в Казань\n2. оплата при получении\n3. рассрочка")
    assert [question_of(p) for p in listed] == [
        "доставка в Казань",
        "оплата при получении",
        "рассрочка",
    ]
    dashed = split_questions("- доставка в казань\n- рассрочка есть?")
    assert [question_of(p) for p in dashed] == ["доставка в казань", "рассрочка есть?"]
    # a number with a dot or a bracket that lists nothing
    assert split_questions("доставка 1.5 кг в казань") == []
    assert split_questions("заказ на 2 телевизора, доставка 2) дня") == []

"""Several questions in one message without a «?» or «и ещё» between them (QA D69, D63): a
comma, «а», a «?» glued to the next word. Each is answered instead of all but one dropped in
silence (nlu/segments.py split_loosely, nlu/model.py confirmed_pieces); one question with «и»
or a comma in it stays one."""

from __future__ import annotations

from typing import Any

import pytest

from bot.ownership import Owner
from nlu.segments import split_loosely, split_questions
from tests.dialogue import TestBot

DELIVERY_COST = "в пункт выдачи «Вольт» — бесплатно"
PAYMENT = "при получении — картой"
RETURN = "https://volt-shop.ru/returns"
REFUND = "Деньги отправляем в день, когда товар принят на возврат"
INSTALLMENT = "рассрочка «0-0-6»"
STORES = "85 магазинов"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # a comma before the second question: the payment, then the returns, were all one got
        (
            "сколько стоит доставка в казань, можно ли оплатить картой при получении",
            [DELIVERY_COST, PAYMENT],
        ),
        ("как вернуть товар, когда вернут деньги", [RETURN, REFUND]),
        # «а» before it: was «Уточните…» with the two as options
        (
            "сколько стоит доставка в казань а оплатить картой при получении можно?",
            [DELIVERY_COST, PAYMENT],
        ),
        # a «?» glued to the next word
        ("как вернуть товар?и когда вернут деньги?", [RETURN, REFUND]),
        # three, the first two joined by a comma: the installment was dropped
        (
            "есть ли у вас рассрочка, где ближайший магазин в самаре и сколько стоит доставка",
            [INSTALLMENT, STORES, DELIVERY_COST],
        ),
    ],
)
async def test_each_question_is_answered_in_order(
    bot: TestBot, message: str, expected: list[str]
) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(message)
    assert len(replies) == len(expected), [r.text[:40] for r in replies]
    for reply, text in zip(replies, expected, strict=True):
        assert text in reply.text
    assert alice.last_outcome.owner is Owner.BOT


@pytest.mark.parametrize(
    "message",
    [
        "обмен и возврат товара",
        "Здравствуйте, подскажите, как вернуть товар",
        "прошла неделя а заказа всё нет",
        "я оформил заказ а подтверждения нет",
        "С какого возраста рассрочка и кредит",
    ],
)
def test_one_question_with_and_or_a_comma_stays_one(demo_model: Any, message: str) -> None:
    assert demo_model.predict(message).parts == ()


def test_where_a_question_may_end_without_a_mark() -> None:
    assert split_questions("как вернуть товар?и когда вернут деньги?") == [
        "как вернуть товар?",
        "и когда вернут деньги?",
    ]
    assert split_loosely("как вернуть товар, когда вернут деньги") == [
        "как вернуть товар",
        "когда вернут деньги",
    ]
    assert split_loosely("сколько стоит доставка в казань а оплатить картой можно?") == [
        "сколько стоит доставка в казань",
        "а оплатить картой можно?",
    ]
    # a piece that asks nothing joins the one before; with the first asking nothing, no split
    assert split_loosely("что делать, если курьер не приехал") == []
    assert split_loosely("прошла неделя а заказа всё нет") == []
    assert split_loosely("обмен и возврат товара") == []
    assert split_loosely("как связаться с человеком, а не ботом") == []

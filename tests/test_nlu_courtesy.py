"""A question wrapped in greetings and «пожалуйста» is read as the question itself."""

from __future__ import annotations

import pytest

from nlu import Decision, NLUConfig
from nlu.courtesy import strip_courtesy
from nlu.model import IntentModel
from tests.test_nlu_model import examples


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("подскажите пожалуйста сколько идет доставка", "сколько идет доставка"),
        ("Здравствуйте! Добрый день, подскажите, где мой заказ?", "где мой заказ?"),
        ("привет. у меня вопрос: как вернуть товар", "как вернуть товар"),
        ("Добрый вечер, хотела бы узнать, можно ли оплатить картой", "можно ли оплатить картой"),
        ("извините, а у вас есть самовывоз", "у вас есть самовывоз"),
        ("где мой заказ, заранее спасибо!", "где мой заказ"),
        ("как вернуть, пожалуйста, товар", "как вернуть, товар"),
        ("пожалуйста позовите оператора", "позовите оператора"),
        ("Вопрос: сколько стоит доставка?", "сколько стоит доставка?"),
        ("дд, как оплатить рассрочкой", "как оплатить рассрочкой"),  # chat shorthand
        ("где мой заказ пжлст", "где мой заказ"),
        ("Уважаемая поддержка, где мой заказ", "где мой заказ"),  # whom it addresses
        ("Девушка, как вернуть товар", "как вернуть товар"),
        ("Извините за беспокойство. Где мой заказ?", "Где мой заказ?"),
    ],
)
def test_the_courtesy_around_a_question_is_set_aside(typed: str, read: str) -> None:
    assert strip_courtesy(typed) == read


@pytest.mark.parametrize(
    "kept",
    [
        "привет",  # a greeting alone is a greeting
        "здравствуйте, оператор",  # one word would be left: too little to read alone
        "спасибо, всё понятно",  # thanks at the start is what the customer says
        "скажите пожалуйста",
        "а у вас есть самовывоз",  # «а …» without a courtesy before it: a follow-up's shape
        "уберите из заказа мышку пожалуйста остальное оставьте",
        "подсказка к заказу не пришла",  # «подсказка» is not «подскажите»
        "привезите пожалуйста",
        "поддержка работает в выходные?",  # no comma: the support is what it asks about
    ],
)
def test_what_is_not_only_courtesy_stays_as_typed(kept: str) -> None:
    assert strip_courtesy(kept) == kept


@pytest.fixture(scope="module")
def polite_model() -> IntentModel:
    m = IntentModel(NLUConfig(pipeline="sparse"))
    m.fit(examples())
    return m


@pytest.mark.parametrize(
    "wrapped",
    [
        "подскажите пожалуйста сколько стоит доставка",
        "Здравствуйте! Скажите, сколько стоит доставка? Заранее спасибо",
        "добрый день, у меня вопрос: сколько стоит доставка",
    ],
)
def test_a_polite_customer_gets_the_answer_a_terse_one_gets(
    polite_model: IntentModel, wrapped: str
) -> None:
    terse, polite = polite_model.predict("сколько стоит доставка"), polite_model.predict(wrapped)
    assert polite.intent == terse.intent == "delivery_cost"
    assert polite.decision == terse.decision == Decision.ANSWER
    assert polite.confidence == pytest.approx(terse.confidence, abs=1e-6)
    assert polite.text == wrapped  # what was sent is kept; only the reading changes


def test_without_the_option_the_courtesy_is_read_too() -> None:
    plain = IntentModel(NLUConfig(pipeline="sparse", strip_courtesy=False))
    plain.fit(examples())
    terse = plain.predict("сколько стоит доставка")
    polite = plain.predict("добрый день, у меня вопрос: сколько стоит доставка")
    assert polite.confidence != pytest.approx(terse.confidence, abs=1e-3)

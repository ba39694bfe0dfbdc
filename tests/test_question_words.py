"""Is this a question? One list of Russian question words for every reader that asks without
the classifier (nlu/question_words.py): the escalation's question beside a call, the queue's
question that is never met with silence, the question beside a flow step's answer, the «и»
before a second question, and a follow-up's question of its own."""

from __future__ import annotations

import pytest

from nlu.question_words import (
    has_question,
    has_question_word,
    opens_as_request,
    starts_with_question,
)


@pytest.mark.parametrize(
    "text",
    [
        "как вернуть товар и позовите оператора",
        "А где мой заказ",
        "ну так можно или нет",  # «так» leads in every reader now, not only in the queue
        "подскажите нужно ли регистрироваться",
        "есть ли у вас магазин в Казани",
        "будет ли скидка на телевизор",
        "кто установит телевизор на стену",  # «кто», «чем», «скока» were in some lists only
        "чем можно оплатить покупку",
        "скока стоит доставка",
        "какую гарантию дают на ноутбук",
        "  какое время доставки",
    ],
)
def test_a_message_that_opens_with_a_question(text: str) -> None:
    assert starts_with_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "заказ 12345678 до сих пор не доставлен",  # names a topic, asks nothing
        "нужно вернуть товар",  # a bare «нужно» asks nothing
        "что-то пошло не так",  # an indefinite pronoun is no question word
        "оператора, вопрос по оплате",
        "12345678 где заказ",  # the question word must open the message
    ],
)
def test_a_message_that_does_not_open_with_a_question(text: str) -> None:
    assert not starts_with_question(text)


def test_a_question_anywhere_and_what_is_not_one() -> None:
    assert has_question("12345678 и еще доставка сколько стоит")
    assert has_question("12345678 а кто установит телевизор на стену")
    assert has_question("12345678, картой можно")
    assert has_question("ДОСТАВКА КУДА ВОЗИТЕ")
    assert not has_question("12345678 заказывал вчера")
    assert not has_question("курьер где-то потерялся")  # «где-то», «что-нибудь»: no question
    # The «чем» of a comparison asks nothing; the «чем» of a question does.
    assert not has_question("купил дороже, чем сейчас продается")
    assert not has_question("ваша правка ни при чём")
    assert has_question("купил телевизор, а чем его почистить")


def test_a_question_word_is_not_a_modal_question() -> None:
    # A follow-up's own question needs a question word: «а на год можно?» asks the same one.
    assert not has_question_word("а на год можно?")
    assert has_question_word("а на каком этаже?")
    assert has_question("а на год можно?")


def test_the_rating_comment_reads_its_new_request_with_the_same_words() -> None:
    """bot/rating_words.py had a list of its own; its words are the one list's now: «кому»,
    «отчего», «чей», «каков», «могу ли», «можете ли» are question words for every reader, and
    the rating's reading (:func:`opens_as_request`) adds courtesy before them and a request to
    tell by itself. Spoken «чего», «скока» open an exclamation as often: not a request there."""
    for text in [
        "кому написать по поводу возврата",
        "отчего так дорого доставка",
        "чей курьер привезёт",
        "каковы сроки возврата",
        "можете ли вы перезвонить",
        "могу ли я вернуть товар",
    ]:
        assert starts_with_question(text), text
        assert opens_as_request(text), text
    for text in [
        "Извините, как вернуть товар",
        "здравствуйте! где мой заказ",
        "подскажите пожалуйста",
        "расскажите про рассрочку",
        "а, можно ли картой",
    ]:
        assert opens_as_request(text), text
    for text in ["чего так долго", "скока можно ждать", "где-то потерялся", "12345678 где"]:
        assert not opens_as_request(text), text

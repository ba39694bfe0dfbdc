"""Which messages only name a topic («возврат», «вопрос по оплате») — bot/topics.py."""

from __future__ import annotations

import pytest

from bot.topics import is_bare_topic


@pytest.mark.parametrize(
    "text",
    ["возврат", "Оплата?", "  доставка. ", "вопрос по доставке", "насчёт гарантии", "про кредит"],
)
def test_a_word_or_a_named_topic_is_a_bare_topic(text: str) -> None:
    assert is_bare_topic(text)


@pytest.mark.parametrize(
    "text",
    [
        "как вернуть товар",
        "возврат денег",
        "где мой заказ?",
        "12345678",
        "ок",  # too short to name a topic
        "вопрос",  # «вопрос» alone names none — it is the word itself, not a topic
        "",
    ],
)
def test_a_question_or_a_number_is_not(text: str) -> None:
    assert not is_bare_topic(text)

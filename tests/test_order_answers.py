"""«а можно его отменить?» right after the bot told an order's status is about THAT order: the
conversation knows its number, so the cancel answer names it and links its own page
(``utter_faq_order_cancel_order_known``, bot/order_answers.py). Without a number the entry's
general answer, which stays right for anyone; the editor lets the phrase have
``{order_number}``."""

from __future__ import annotations

from bot.domain_editing import filled, replace_text
from tests.dialogue import TestBot
from tests.handoff_kit import ROOT


async def test_cancelling_the_order_just_looked_up_names_it(bot: TestBot) -> None:
    alice = bot.customer("alice")
    status = await alice.say("где мой заказ 12345678")
    assert status[0].text.startswith("Статус заказа № 12345678")
    [answer] = await alice.say("а можно его отменить?")
    assert answer.text.startswith(
        "Заказ № 12345678 можно отменить на его странице https://volt-shop.ru/orders/12345678"
    )
    assert "{order_number}" not in answer.text
    assert [b.title for b in answer.buttons][:2] == ["Отменить на сайте", "Когда вернутся деньги"]


async def test_a_number_in_the_question_itself_is_named(bot: TestBot) -> None:
    bob = bot.customer("bob")
    [answer] = await bob.say("отмените пожалуйста мой заказ 87654321")
    assert answer.text.startswith("Заказ № 87654321 можно отменить")


async def test_without_a_number_the_general_answer_is_right_for_anyone(bot: TestBot) -> None:
    carl = bot.customer("carl")
    [answer] = await carl.say("как отменить заказ?")
    assert answer.text.startswith("Отменить заказ можно на странице https://volt-shop.ru/orders ")
    assert "№" not in answer.text and "{" not in answer.text


def test_the_editor_lets_such_a_phrase_have_the_order_number() -> None:
    assert filled("utter_faq_order_cancel_order_known") == {"order_number"}
    assert filled("utter_faq_refund_time_order_known") == {"order_number"}  # any entry
    assert filled("utter_faq_order_cancel") == set()
    source = (ROOT / "domain.yml").read_text(encoding="utf-8")
    edited = replace_text(
        source, "utter_faq_order_cancel_order_known", 0, "Заказ № {order_number} отменяется так…"
    )
    assert "Заказ № {order_number} отменяется так…" in edited


async def test_asked_again_it_is_the_same_answer_and_the_bot_says_so(bot: TestBot) -> None:
    dana = bot.customer("dana")
    await dana.say("где мой заказ 12345678")
    [answer] = await dana.say("а можно его отменить?")
    assert answer.text.startswith("Заказ № 12345678 можно отменить")
    [again] = await dana.say("а можно его отменить?")
    assert again.text.startswith("Я ответил на этот вопрос в сообщении выше")

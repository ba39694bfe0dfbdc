"""A hand-over does not ask a customer who has just described the problem to describe it again
(QA 3 Q10: QA12, QA13, QA39, QA62 got «Опишите вопрос подробно и укажите номер заказа» after
a long description). The colleague sees the conversation; only the order number is asked for."""

from __future__ import annotations

from tests.dialogue import TestBot

DESCRIBE = "Опишите вопрос подробно"
SEEN = "Коллега увидит всю переписку — повторять ничего не нужно."


async def test_a_call_after_a_description_out_of_hours(night_bot: TestBot) -> None:
    alice = night_bot.customer("alice")
    await alice.say("у меня пропали бонусы было 3000 а сейчас 0")
    await alice.say("оператор")
    said = " ".join(m.text for m in alice.sent[-2:])
    assert DESCRIBE not in said  # was «Опишите вопрос подробно и укажите номер заказа»
    assert SEEN in said
    assert "номер" in said  # the order number is still asked for, the only thing missing


async def test_a_bare_call_still_asks_for_the_question(night_bot: TestBot) -> None:
    bob = night_bot.customer("bob")
    await bob.say("оператор")
    assert DESCRIBE in bob.last_text


async def test_a_call_after_a_description_in_working_hours(bot: TestBot) -> None:
    carol = bot.customer("carol")
    await carol.say("курьер разбил экран телевизора при доставке, что делать дальше")
    await carol.say("позовите оператора")
    said = " ".join(m.text for m in carol.sent[-2:])
    assert "можете описать ситуацию подробнее" not in said
    assert SEEN in said


async def test_the_known_order_number_comes_first(night_bot: TestBot) -> None:
    dan = night_bot.customer("dan")
    await dan.say("мой заказ 12345678 пришёл без зарядки в коробке")
    await dan.say("оператор")
    assert any("№ 12345678 сохранены" in m.text for m in dan.sent[-2:])

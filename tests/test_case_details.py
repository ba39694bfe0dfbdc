"""What the customer writes for the case goes on the case (bot/case_details.py, QA 2d D38):
after «…напишите номер заказа и что нужно поменять» the number with an address, the address
before the number, or the address written while waiting in the queue are kept on the
escalation the operator reads («Подробности от клиента»), and the customer is told so — not
«Уточните: Где мой заказ», not «Я ответил на этот вопрос выше», not the stores' answer."""

from __future__ import annotations

import pytest

from bot.case_details import gives_address
from bot.ownership import Owner
from bot.storage.models import Conversation
from tests.dialogue import TestBot

ASK = "хочу поменять адрес доставки"
ADDRESS = "новый адрес ул. Ленина 5 кв 12"
TAKEN = "Спасибо, заказ № 34567890 и ваши подробности записал в обращение — передаю коллеге"


async def _conversation(bot: TestBot, customer: object) -> Conversation:
    async with bot.runtime.db.write() as session:
        found = await session.get(Conversation, customer.last_outcome.conversation_id)  # type: ignore[attr-defined]
        assert found is not None
        return found


async def test_the_number_with_the_address_goes_to_a_person_with_both(bot: TestBot) -> None:
    alice = bot.customer("alice")
    [answer] = await alice.say(ASK)
    assert "напишите номер заказа и что нужно поменять" in answer.text
    told = [m.text for m in await alice.say(f"заказ 34567890, {ADDRESS}")]
    assert told[0].startswith(TAKEN), told
    assert "Уточните" not in " ".join(told)
    conversation = await _conversation(bot, alice)
    assert conversation.owner == Owner.QUEUED.value
    escalation = (conversation.context or {})["escalation"]
    assert escalation["detail"] == "order_change"
    assert escalation["details"] == [f"заказ 34567890, {ADDRESS}"]


async def test_the_address_before_the_number_is_kept_for_the_case(bot: TestBot) -> None:
    bob = bot.customer("bob")
    await bob.say(ASK)
    [kept] = await bob.say("нужно поменять адрес на ул. Ленина 5 кв 12")
    assert kept.text.startswith("Записал адрес в обращение. Напишите, пожалуйста, ещё номер")
    told = [m.text for m in await bob.say("34567890")]
    assert told[0].startswith(TAKEN), told
    escalation = ((await _conversation(bot, bob)).context or {})["escalation"]
    assert escalation["details"] == ["нужно поменять адрес на ул. Ленина 5 кв 12"]
    assert "case_details" not in ((await _conversation(bot, bob)).context or {})


async def test_an_address_written_in_the_queue_goes_on_the_case(bot: TestBot) -> None:
    carl = bot.customer("carl")
    await carl.say(ASK)
    await carl.say("34567890")
    told = [m.text for m in await carl.say(ADDRESS)]
    assert told == ["Записал адрес в обращение — оператор увидит его сразу, повторять не нужно."]
    await carl.say("подъезд со двора, домофон не работает")
    conversation = await _conversation(bot, carl)
    assert conversation.owner == Owner.QUEUED.value
    details = (conversation.context or {})["escalation"]["details"]
    assert details == [ADDRESS, "подъезд со двора, домофон не работает"]


async def test_a_question_with_the_number_is_not_taken_for_details(bot: TestBot) -> None:
    dana = bot.customer("dana")
    await dana.say("сколько ждать возврат денег")
    told = [m.text for m in await dana.say("заказ 12345678 где он?")]
    assert told[0].startswith("Статус заказа № 12345678")


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("новый адрес ул. Ленина 5 кв 12", True),
        ("улица Ленина, 5", True),
        ("привезите на Тверскую дом 7", True),
        ("адрес доставки проспект Мира 10", True),
        ("адрес магазина на Ленина 5?", False),
        ("где дом 5", False),
        ("возврат оформляли 20 ноября", False),
        ("доставка к 5 числу", False),
    ],
)
def test_an_address_is_a_place_word_with_a_number_asking_nothing(text: str, address: bool) -> None:
    assert gives_address(text) is address


async def test_the_address_after_a_first_message_with_the_number_goes_at_once(
    bot: TestBot,
) -> None:
    """QA7: the number was in the first message — the address with it goes to a person at
    once, not «напишите ещё номер заказа»."""
    erin = bot.customer("erin")
    await erin.say("нужно поменять адрес доставки заказ 87654321")
    told = [m.text for m in await erin.say("новый адрес ул. Пушкина 10 кв 5")]
    assert told[0].startswith(TAKEN.replace("34567890", "87654321")), told
    conversation = await _conversation(bot, erin)
    assert conversation.owner == Owner.QUEUED.value
    escalation = (conversation.context or {})["escalation"]
    assert escalation["details"] == ["новый адрес ул. Пушкина 10 кв 5"]


async def test_and_after_the_address_asks_for_the_number_again(bot: TestBot) -> None:
    """QA7: «и?» right after «Записал адрес… напишите номер заказа» — the number is what is
    missing, said briefly; not «Жаль, что ответ не помог», not «не понял»."""
    fred = bot.customer("fred")
    await fred.say(ASK)
    await fred.say("нужно поменять адрес на ул. Ленина 5 кв 12")
    [again] = await fred.say("и?")
    assert "номер заказа" in again.text, again.text
    assert "Жаль" not in again.text and "не совсем понял" not in again.text
    told = [m.text for m in await fred.say("34567890")]
    assert told[0].startswith(TAKEN), told

"""Two order numbers in one message: the flow takes the first and keeps the others — it plays
again for the next when it ends, and «а второй?» asks for it at once (flows/more.py)."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from bot.storage.models import Conversation
from flows.more import asks_next
from tests.dialogue import TestBot

LINK = "https://volt-shop.ru/orders/{}"
SEVERAL = "Вижу несколько номеров — начну с первого, потом покажу следующий."


async def test_the_second_order_follows_the_first(bot: TestBot) -> None:
    alice = bot.customer("alice")
    told = [m.text for m in await alice.say("у меня два заказа 12345678 и 87654321")]
    assert told[0] == SEVERAL
    assert LINK.format("12345678") in told[1]
    told = [m.text for m in await alice.say("да")]  # was only «Отлично! …», 87654321 lost
    assert told[0].startswith("Отлично!")
    assert LINK.format("87654321") in told[1]
    assert told[2] == "Всё понятно со статусом?"
    told = [m.text for m in await alice.say("да")]
    assert told == ["Отлично! Если появятся вопросы — пишите, я на связи."]  # nothing more


@pytest.mark.parametrize("asked", ["а второй?", "а по второму заказу"])
async def test_a_second_asks_for_the_other_number_at_once(bot: TestBot, asked: str) -> None:
    bob = bot.customer("bob")
    await bob.say("где мои заказы 12345678, 87654321")
    told = [m.text for m in await bob.say(asked)]  # was «Не уверен…» / «не понял»
    assert LINK.format("87654321") in told[0]
    assert told[1] == "Всё понятно со статусом?"
    assert bob.last_outcome.owner is Owner.BOT


async def test_both_numbers_as_the_answer_to_the_question(bot: TestBot) -> None:
    carol = bot.customer("carol")
    await carol.say("где мой заказ")
    told = [m.text for m in await carol.say("12345678 и 87654321")]
    assert told[0] == SEVERAL
    assert LINK.format("12345678") in told[1]
    told = [m.text for m in await carol.say("да")]
    assert LINK.format("87654321") in told[1]


async def test_a_person_for_the_first_keeps_the_second_for_later(bot: TestBot) -> None:
    erik = bot.customer("erik")
    await erik.say("у меня два заказа 12345678 и 87654321")
    told = [m.text for m in await erik.say("нет")]  # the first is late: a person
    assert told[0].startswith("Передаю коллеге номер заказа 12345678")
    assert not any(LINK.format("87654321") in t for t in told)
    assert erik.last_outcome.owner is Owner.QUEUED


async def test_one_number_leaves_nothing_waiting(bot: TestBot) -> None:
    dana = bot.customer("dana")
    assert SEVERAL not in [m.text for m in await dana.say("где мой заказ 12345678")]
    told = [m.text for m in await dana.say("да")]
    assert told == ["Отлично! Если появятся вопросы — пишите, я на связи."]
    told = [m.text for m in await dana.say("а второй?")]
    assert not any(LINK.format("") in t for t in told)


def test_only_asking_about_the_next_one() -> None:
    for text in ["а второй?", "А по второму заказу?", "и другой", "а второй заказ где?"]:
        assert asks_next(text), text
    for text in ["второй раз пишу", "а где второй курьер был вчера в обед"]:
        assert not asks_next(text), text


async def test_the_second_number_goes_to_the_person_who_takes_the_first(bot: TestBot) -> None:
    """The first order went to a person («Нет, заказ задерживается»): the second is passed
    on too and the customer is told so — it did not wait unannounced for a flow that would
    never play again."""
    rita = bot.customer("rita")
    await rita.say("где мой заказ")
    await rita.say("12345678 и 87654321")
    told = [m.text for m in await rita.press("Нет, заказ задерживается")]
    assert told[0].startswith("Передаю коллеге номер заказа 12345678")
    assert told[1].startswith("Номер 87654321 тоже передаю коллеге"), told
    async with bot.runtime.db.write() as session:
        conversation = await session.get(Conversation, rita.last_outcome.conversation_id)
        assert conversation is not None
        context = conversation.context or {}
    assert "flow_more" not in context
    assert any("87654321" in d for d in context["escalation"]["details"])


async def test_two_numbers_after_the_refund_answer_go_to_a_person_both(bot: TestBot) -> None:
    sasha = bot.customer("sasha")
    await sasha.say("сколько ждать возврат денег")
    told = [m.text for m in await sasha.say("заказы 34567890 и 87654321")]
    assert told[0].startswith("Спасибо, заказ № 34567890 — передаю коллеге ваш вопрос «Когда")
    assert told[1].startswith("Номер 87654321 тоже передаю коллеге"), told

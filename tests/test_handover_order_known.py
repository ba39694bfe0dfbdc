"""A customer who already wrote their order number — in the request or earlier in the
conversation — is not asked for it again at the handoff (bot/handover.py): nobody repeats
themselves. (Nobody of the team is online here, so the handoff promises no minutes; the number
is passed on all the same.)"""

from __future__ import annotations

from tests.dialogue import TestBot


async def test_the_order_number_in_the_request_is_passed_on(bot: TestBot) -> None:
    alice = bot.customer("alice")
    [handoff] = await alice.say("заказ 1234 5678 так и не пришёл, позовите оператора")
    assert handoff.text.startswith("Передаю ваш вопрос по заказу № 12345678 ")
    assert "повторять ничего не нужно" in handoff.text
    assert "номер заказа —" not in handoff.text and "укажите номер" not in handoff.text
    assert [b.title for b in handoff.buttons] == ["Отменить вызов оператора"]


async def test_a_number_given_earlier_in_the_conversation_is_passed_on(bot: TestBot) -> None:
    erik = bot.customer("erik")
    await erik.say("Здравствуйте, у меня заказ 87654321 пришел с разбитым экраном")
    await erik.say("спасибо")
    [handoff] = await erik.say("позовите оператора")
    assert handoff.text.startswith("Передаю ваш вопрос по заказу № 87654321 ")
    assert "укажите номер" not in handoff.text and "номер заказа —" not in handoff.text


async def test_a_number_from_an_earlier_conversation_is_not_taken_for_this_one(
    bot: TestBot,
) -> None:
    from bot.storage.models import Conversation

    fedor = bot.customer("fedor")
    await fedor.say("заказ 11223344 пришел с разбитым экраном")
    async with bot.runtime.db.write() as session:
        conversation = await session.get(Conversation, fedor.last_outcome.conversation_id)
        assert conversation is not None
        conversation.owner = "closed"  # that conversation is over; a new one starts
    [handoff] = await fedor.say("позовите оператора")
    assert handoff.text.startswith("Передаю ваш вопрос") and "по заказу" not in handoff.text


async def test_without_a_number_the_customer_is_asked_for_it(bot: TestBot) -> None:
    bob = bot.customer("bob")
    [handoff] = await bob.say("позовите оператора")
    assert handoff.text.startswith("Передаю ваш вопрос") and "по заказу" not in handoff.text
    assert "номер заказа" in handoff.text  # «укажите номер заказа — так мы ответим быстрее»


async def test_a_phone_number_is_no_order_number(bot: TestBot) -> None:
    carl = bot.customer("carl")
    [handoff] = await carl.say("позовите оператора, мой телефон 89161234567")
    assert handoff.text.startswith("Передаю ваш вопрос") and "по заказу" not in handoff.text


async def test_out_of_hours_the_number_is_kept_too(night_bot: TestBot) -> None:
    dana = night_bot.customer("dana")
    [handoff] = await dana.say("позовите оператора, заказ 87654321")
    assert "номер заказа № 87654321 сохранены" in handoff.text
    assert "завтра в 9:00" in handoff.text


async def test_out_of_hours_a_customer_without_the_number_is_not_asked_for_it(
    night_bot: TestBot,
) -> None:
    """«не помню номер» at «Подскажите номер заказа»: the flow's own words say a colleague finds
    the order by the account; the night's message must not then ask for the number."""
    erik = night_bot.customer("erik")
    await erik.say("где мой заказ")
    told, offline = await erik.say("не помню номер")
    assert told.text.startswith("Ничего страшного — найдём заказ по телефону или e-mail")
    assert "завтра в 9:00" in offline.text
    assert "номер заказа" not in offline.text  # was «…укажите номер заказа…»

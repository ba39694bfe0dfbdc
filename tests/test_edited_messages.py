"""A customer corrects a message in Telegram (edited_message).

The corrected wording is kept and shown to the operator as «✏️ исправлено». After a message the
bot did not understand, or a «Уточните…», the bot reads the correction as the question; after
one it answered, it stays quiet rather than answer the same question twice — unless the
correction clearly asks about another entry. Inside a flow, a corrected order number replays
the flow with the right one. A person who holds the conversation gets it like any message."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Message
from handoff.views import message_json
from tests.dialogue import TestBot


async def customer_messages(bot: TestBot) -> list[tuple[str, bool]]:
    async with bot.runtime.db.read() as session:
        rows = (
            await session.scalars(
                select(Message).where(Message.author == "customer").order_by(Message.id)
            )
        ).all()
        return [(m.text, message_json(m, {})["edited"]) for m in rows]


async def test_a_corrected_question_the_bot_missed_is_answered(bot: TestBot) -> None:
    alice = bot.customer("alice")
    [missed] = await alice.say("ывапролдж")
    assert "не понял" in missed.text.lower() or "переформулир" in missed.text.lower()
    answered = await alice.say("как вернуть товар?", edited=True)
    assert answered and "вернуть" in answered[0].text.lower()
    assert await customer_messages(bot) == [("ывапролдж", False), ("как вернуть товар?", True)]


async def test_a_correction_after_an_answer_is_kept_without_a_second_answer(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    [answer, *_] = await alice.say("как вернуть тавар")
    assert "вернуть" in answer.text.lower()
    assert await alice.say("как вернуть товар", edited=True) == []
    assert ("как вернуть товар", True) in await customer_messages(bot)


async def test_a_correction_that_asks_about_something_else_gets_its_answer(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    [answer, *_] = await alice.say("как вернуть тавар")
    assert "вернуть" in answer.text.lower()
    # She meant the money, not the goods: a question of its own.
    [refund, *_] = await alice.say("когда вернут деньги за возврат", edited=True)
    assert refund.text != answer.text
    assert "дн" in refund.text.lower()  # the refund's timing, in days
    # Corrected again to the same question: answered once is enough.
    assert await alice.say("когда вернут деньги", edited=True) == []


async def test_an_operator_gets_the_correction_like_any_message(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("позовите оператора")
    await alice.say("заказ 1234")
    assert await alice.say("заказ 12345", edited=True) == []  # the bot keeps out of it
    assert alice.last_outcome.status.value == "forwarded"
    assert (await customer_messages(bot))[-1] == ("заказ 12345", True)


async def test_a_corrected_order_number_gets_the_link_for_the_right_order(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    [link, question] = await alice.say("12345677")
    assert "orders/12345677" in link.text and question.text == "Всё понятно со статусом?"
    # She notices the typo and corrects the message in Telegram.
    corrected = await alice.say("12345678", edited=True)
    assert corrected[0].text == "Исправил: Номер заказа — 12345678."
    assert "https://volt-shop.ru/orders/12345678" in corrected[1].text
    assert corrected[2].text == "Всё понятно со статусом?"
    assert alice.buttons() == ["Да, спасибо", "Нет, заказ задерживается"]
    # The person she is handed to gets the corrected number.
    [handed, *_] = await alice.press("Нет, заказ задерживается")
    assert handed.text.startswith("Передаю коллеге номер заказа 12345678")


async def test_a_number_in_the_first_message_can_be_corrected_too(bot: TestBot) -> None:
    alice = bot.customer("alice")
    [link, _] = await alice.say("где мой заказ 87654320?")
    assert "orders/87654320" in link.text
    corrected = await alice.say("где мой заказ 87654321?", edited=True)
    assert corrected[0].text == "Исправил: Номер заказа — 87654321."
    assert "orders/87654321" in corrected[1].text


async def test_a_correction_that_changes_nothing_in_the_flow_gets_no_reply(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("вот 12345678")
    assert await alice.say("вот он 12345678", edited=True) == []  # the same number
    assert await alice.say("ой", edited=True) == []  # no number: the old one stands
    await alice.press("Да, спасибо")
    assert "Отлично" in alice.last_text


async def test_a_failed_answer_corrected_into_a_number_answers_the_question(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    [retry] = await alice.say("1234567")  # seven digits
    assert retry.text.startswith("«1234567» не похоже на номер заказа")
    [link, question] = await alice.say("12345678", edited=True)
    assert "orders/12345678" in link.text and question.text == "Всё понятно со статусом?"

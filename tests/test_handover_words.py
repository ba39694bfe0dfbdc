"""What a hand-over says, out of hours (bot/handover.py, handoff/escalation.py, data/flows):
it does not ask for a number the customer gave or said they do not have, says «мой ответ не
помог» when the bot did answer, and an unsure reading of the request with no one looked for is
no hand-over. On SQLite and PostgreSQL."""

from __future__ import annotations

from bot.ownership import Owner
from tests.dialogue import TestBot


async def test_a_double_charge_with_its_order_number_is_not_asked_for_it(
    night_bot: TestBot,
) -> None:
    alice = night_bot.customer("alice")
    said = await alice.say("деньги списали два раза за заказ 55667788")
    # Was «…подготовьте номер заказа, дату и сумму…» to one who had just given it.
    assert "по заказу № 55667788" in said[0].text
    assert all("подготовьте номер" not in m.text and "укажите номер" not in m.text for m in said)
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_ne_znayu_at_the_order_number_question_is_not_asked_for_it_again(
    night_bot: TestBot,
) -> None:
    alice = night_bot.customer("alice")
    await alice.say("где мой заказ")
    said = await alice.say("не знаю")  # was «Не вижу номера заказа», then «укажите номер заказа»
    assert said[0].text.startswith("Ничего страшного — найдём заказ по телефону или e-mail")
    assert all("укажите номер заказа" not in m.text for m in said)
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_a_hand_over_after_the_same_question_says_the_answer_did_not_help(
    night_bot: TestBot,
) -> None:
    alice = night_bot.customer("alice")
    await alice.say("как вернуть товар")
    await alice.say("как вернуть товар")  # «Я ответил на этот вопрос в сообщении выше…»
    said = await alice.say("как вернуть товар???")
    # Was «Простите, я так и не смог разобраться в вашем вопросе»: the bot did understand.
    assert said[0].text.startswith("Похоже, мой ответ не помог — подключаю сотрудника")
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_an_unsure_request_reading_of_an_address_is_no_hand_over(night_bot: TestBot) -> None:
    alice = night_bot.customer("alice")
    await alice.say("где ближайший пункт выдачи в казани")
    await alice.say("мне нужно на ул баумана")  # handoff_request at 0.3, «clarify»: was a hand-over
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("есть кто живой?")  # the same unsure reading, looking for someone: a call
    assert alice.last_outcome.owner is Owner.QUEUED

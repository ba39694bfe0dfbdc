"""A customer waiting for a person is not left in silence (bot/queued.py): «вы тут?», «долго
ещё?» always get a short status, whatever the throttle on acknowledgements; /link, /help and
/start are answered as with the bot; with nobody online no «скоро» is promised; a free operator
taking the conversation at once is the whole news, without minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.ownership import Owner
from bot.storage.models import Conversation, utcnow
from tests.dialogue import Customer, TestBot
from tests.handoff_kit import demo_bot_without, operator_reply

WAIT = "Оператор подключится к диалогу примерно через"
NOBODY = "Сейчас никого из операторов нет на месте"
JOINED = "Оператор Анна уже читает вашу переписку и скоро ответит."
CONNECTED = "Оператор Анна уже в диалоге и скоро ответит — повторять ничего не нужно."
CANCEL = "Отменить вызов оператора"


async def test_asked_whether_anyone_is_there_the_queued_customer_always_hears_the_wait(
    bot: TestBot,
) -> None:
    await bot.busy_operator()  # Борис is online, with his only slot taken
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    [added] = await olga.say("меня зовут Ольга")
    assert added.text.startswith("Ваше сообщение добавлено к обращению")
    assert await olga.say("фамилия Иванова") == []  # a burst: one acknowledgement
    for asked in ("когда оператор ответит?", "вы тут?", "ну где вы", "алло", "долго ещё?"):
        [said] = await olga.say(asked)
        assert said.text.startswith(WAIT), asked
        assert CANCEL in [b.title for b in said.buttons]
    assert await olga.say("отчество Петровна") == []  # ordinary words keep the throttle
    assert olga.last_outcome.owner is Owner.QUEUED


async def test_with_nobody_online_the_queued_customer_hears_no_soon(bot: TestBot) -> None:
    await bot.operator("anna", name="Анна", status="away")  # «Не на месте»
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    [added] = await olga.say("меня зовут Ольга")
    assert added.text.startswith(f"Ваше сообщение добавлено к обращению. {NOBODY}")
    assert "скоро" not in added.text
    [said] = await olga.say("вы тут?")
    assert said.text.startswith(NOBODY) and "примерно через" not in said.text


async def test_a_free_operator_takes_it_at_once_and_asked_says_they_are_on_it(
    bot: TestBot,
) -> None:
    await bot.operator("anna", name="Анна")  # online and free
    olga = bot.customer("olga")
    said = await olga.say("позовите оператора")
    assert olga.last_outcome.owner is Owner.OPERATOR
    assert [m.text for m in said] == [JOINED]  # no «подключится примерно через 1 минуту» first
    [connected] = await olga.say("вы тут?")
    assert connected.text == CONNECTED
    assert await olga.say("меня зовут Ольга") == []  # the operator reads it
    await anna_writes(bot, olga)
    assert await olga.say("алло") == []  # she has written: her words are the answer


async def test_commands_are_answered_while_waiting_in_the_queue(bot: TestBot) -> None:
    await bot.busy_operator()
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    [code] = await olga.say("/link")  # Telegram's menu «Связать с Viber»
    assert code.text.startswith("Чтобы связать этот чат с другим мессенджером")
    [help_] = await olga.say("/help")
    assert help_.text.startswith("Я бот") and "Позвать оператора" not in olga.buttons()
    said = await olga.start("faq_return_goods")  # t.me/volt_bot?start=faq_return_goods
    assert "https://volt-shop.ru/returns" in said[0].text
    assert said[-1].text.startswith("Ваш запрос оператору по-прежнему в очереди")
    [status] = await olga.start()
    assert status.text.startswith(WAIT)
    assert olga.last_outcome.owner is Owner.QUEUED


async def test_commands_are_answered_while_an_operator_has_the_conversation(
    bot: TestBot,
) -> None:
    await bot.operator("anna", name="Анна")
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    [code] = await olga.say("/link")
    assert code.text.startswith("Чтобы связать этот чат с другим мессенджером")
    [status] = await olga.start()
    assert status.text == CONNECTED
    assert olga.last_outcome.owner is Owner.OPERATOR


async def anna_writes(bot: TestBot, customer: Customer) -> None:
    from sqlalchemy import select

    async with bot.runtime.db.write() as session:
        conv = (
            await session.scalars(select(Conversation).where(Conversation.chat_id == customer.user))
        ).one()
        assert conv.operator_id is not None
        session.add(operator_reply(conv, conv.operator_id, utcnow()))


@pytest.fixture
async def old_bot(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[TestBot]:
    """The demo bot whose domain.yml has neither new response."""
    async with demo_bot_without(
        db_url,
        demo_project,
        demo_model,
        "utter_handoff_operator_connected",
        "utter_handoff_queued_again_nobody_online",
    ) as test_bot:
        yield test_bot


async def test_a_project_without_the_new_responses_says_what_it_said_before(
    old_bot: TestBot,
) -> None:
    await old_bot.operator("anna", name="Анна", status="away")
    olga = old_bot.customer("olga")
    await olga.say("позовите оператора")
    [added] = await olga.say("меня зовут Ольга")
    assert added.text.startswith("Ваше сообщение добавлено к обращению — оператор уже в курсе")
    await old_bot.operator("boris", name="Борис")  # online and free: takes the next one
    vera = old_bot.customer("vera")
    await vera.say("позовите оператора")
    assert vera.last_outcome.owner is Owner.OPERATOR
    assert await vera.say("вы тут?") == []  # silence, as before

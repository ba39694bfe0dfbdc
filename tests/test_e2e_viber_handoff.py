"""A Viber customer around a call for a person, end to end over aioviberbot and the stand-in
(the world of tests/test_e2e_messengers.py): the keyboard offers «Позвать оператора» only
while nobody is called, an old «Отменить вызов оператора» tells the truth, and «/help» or
«/start» typed in Viber are answered as Telegram's menu commands, never as a miss."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation
from handoff.auth import create_operator
from handoff.service import HandoffService
from tests.standins.viber import SeenMessage
from tests.test_e2e_messengers import World, world

CALL = "Позвать оператора"
CANCEL = "Отменить вызов оператора"


async def anna_at_work(w: World) -> None:
    async with w.runtime.db.write() as s:
        anna = await create_operator(s, "anna", "secret-pass", display_name="Анна")
        anna.status = "online"


async def says(w: World, user: str, text: str) -> list[SeenMessage]:
    """The customer writes ``text``; what the bot sent back."""
    before = len(w.vb.sent_to(user))
    await w.vb.deliver(w.vb.message_event(user, text), w.client)
    await w.settle()
    return w.vb.sent_to(user)[before:]


async def presses(w: World, user: str, action_body: str) -> list[SeenMessage]:
    before = len(w.vb.sent_to(user))
    await w.vb.deliver(w.vb.button_event(user, action_body), w.client)
    await w.settle()
    return w.vb.sent_to(user)[before:]


async def conversation(w: World) -> Conversation:
    async with w.runtime.db.read() as s:
        found = await s.scalar(select(Conversation).order_by(Conversation.id.desc()))
    assert found is not None
    return found


async def test_an_operator_on_the_way_takes_the_call_button_away(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        [thanks] = await says(w, "vb-anna", "спасибо")
        assert thanks.button_titles == [CALL]  # with the bot: a person is one press away

        await anna_at_work(w)
        [joined] = await says(w, "vb-anna", "оператор")  # Анна is free: no minutes to wait
        assert joined.text == "Оператор Анна уже читает вашу переписку и скоро ответит."
        assert joined.button_titles == []  # Анна is reading already
        conv = await conversation(w)
        assert conv.owner == Owner.OPERATOR and conv.operator_id is not None

        assert await says(w, "vb-anna", "у меня не включается чайник") == []  # for Анна
        await HandoffService.from_runtime(w.runtime).set_status(conv.operator_id, "offline")
        await w.settle()
        told = w.vb.sent_to("vb-anna")[-1]
        assert told.text.startswith("Оператор Анна сейчас не на связи")
        assert CALL not in told.button_titles  # back in the queue: a person is still called
        assert (await conversation(w)).owner == Owner.QUEUED


async def test_in_the_queue_only_the_cancel_is_offered_and_an_old_one_tells_the_truth(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        [handoff] = await says(w, "vb-boris", "позовите человека")
        assert handoff.button_titles == [CANCEL]

        # A plain addition («жду» alone is now the queue's status, bot/queued.py says_waiting).
        [noted] = await says(w, "vb-boris", "меня зовут Борис")
        assert noted.text.startswith("Ваше сообщение добавлено")
        assert noted.button_titles == [CANCEL]  # no «Позвать оператора»: one is called

        cancel = handoff.buttons[0].action_body
        [cancelled] = await presses(w, "vb-boris", cancel)
        assert cancelled.text.startswith("Хорошо, отменил вызов оператора.")
        assert cancelled.button_titles == [CALL]  # with the bot again
        assert (await conversation(w)).owner == Owner.BOT

        [again] = await presses(w, "vb-boris", cancel)  # the old button once more
        assert again.text == "Вызов оператора уже не активен — я на связи, просто напишите вопрос."
        assert again.button_titles == [CALL]
        assert (await conversation(w)).owner == Owner.BOT


async def test_an_old_cancel_after_the_operator_closed_cancels_nothing(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        [handoff] = await says(w, "vb-vera", "позовите человека")
        conv_id = await w.operator_takes_and_replies("Здравствуйте, это Анна, уже помогла.")
        await w.settle()
        closing = conversation(w)
        operator_id = (await closing).operator_id
        assert operator_id is not None
        await HandoffService.from_runtime(w.runtime).close(conv_id, operator_id)
        await w.settle()

        [said] = await presses(w, "vb-vera", handoff.buttons[0].action_body)
        assert said.text == "Вызов оператора уже не активен — я на связи, просто напишите вопрос."
        assert said.button_titles == [CALL]
        latest = await conversation(w)
        assert latest.id != conv_id and latest.owner == Owner.BOT  # nothing was reopened


async def test_slash_commands_typed_in_viber_are_answered_as_in_telegram(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.command_update(1001, "help"), w.client)
        await w.settle()
        in_telegram = w.tg.texts(1001)[-1]
        assert in_telegram.startswith("Я бот — виртуальный помощник")

        [helping] = await says(w, "vb-gleb", "/help")
        assert helping.text == in_telegram
        [again] = await says(w, "vb-gleb", "/Help ")  # typed by hand: capital, a space
        assert again.text == in_telegram
        conv = await conversation(w)
        assert conv.owner == Owner.BOT and conv.unknown_streak == 0  # not misses

        [missed] = await says(w, "vb-gleb", "абырвалг")  # the first miss, not the second
        assert missed.text.startswith("Не понял вопрос")
        assert (await conversation(w)).owner == Owner.BOT

        welcome = await w.vb.deliver(w.vb.conversation_started("vb-dana"), w.client)
        [greeting] = await says(w, "vb-gleb", "/start")  # as opening the chat
        assert greeting.text == welcome.json()["text"]

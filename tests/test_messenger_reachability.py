"""A customer blocks or unblocks the bot (Telegram ``my_chat_member``, Viber
``unsubscribed``/``subscribed``): what the operator reads, what stops being sent, and what
becomes of a request waiting in the queue (bot/reachability.py).

End to end over the real messenger libraries and the stand-in APIs (tests/test_e2e_messengers.py
builds the app), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation, Identity, Message, OutboxItem
from handoff.service import HandoffService
from tests.standins.telegram import TgFault
from tests.test_e2e_messengers import World, world

ANNA = 1001
BLOCKED = "Клиент заблокировал бота в Telegram: сообщения ему не доходят"
BACK = "Клиент снова на связи в Telegram: сообщения доходят"


async def lines(w: World) -> list[str]:
    """The system lines of the customers' histories, oldest first."""
    async with w.runtime.db.read() as s:
        found = await s.scalars(select(Message.text).where(Message.kind == "event"))
        return [t for t in found if t.startswith("Клиент")]


async def only_conversation(w: World) -> Conversation:
    async with w.runtime.db.read() as s:
        [conversation] = (await s.scalars(select(Conversation))).all()
        return conversation


async def reachable(w: World, channel: str, user_id: str) -> bool:
    async with w.runtime.db.read() as s:
        identity = await s.scalar(
            select(Identity).where(Identity.channel == channel, Identity.user_id == user_id)
        )
        assert identity is not None
        return not identity.blocked


async def test_a_queued_request_of_a_customer_who_blocked_the_bot_leaves_the_queue(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(ANNA, "позовите оператора"), w.client)
        await w.settle()
        assert (await only_conversation(w)).owner == Owner.QUEUED
        said = len(w.tg.sent_to(ANNA))

        blocking = w.tg.member_update(ANNA, "kicked")
        await w.tg.deliver(blocking, w.client)
        await w.tg.deliver(blocking, w.client)  # redelivered
        await w.tg.deliver(w.tg.member_update(ANNA, "kicked", was="kicked"), w.client)  # again
        await w.settle()
        # Nobody could answer it: closed, said once in the history; the customer is sent nothing.
        conversation = await only_conversation(w)
        assert conversation.owner == Owner.CLOSED
        assert await lines(w) == [
            BLOCKED + ". Запрос снят из очереди: ответить клиенту в этом чате нельзя"
        ]
        assert not await reachable(w, "telegram", str(ANNA))
        assert len(w.tg.sent_to(ANNA)) == said

        await w.tg.deliver(w.tg.member_update(ANNA, "member"), w.client)
        await w.settle()
        assert (await lines(w))[-1] == BACK
        assert await reachable(w, "telegram", str(ANNA))

        # A blocking Telegram dated before the unblocking, arriving late, changes nothing.
        late = w.tg.member_update(ANNA, "kicked", date=int(time.time()) - 60)
        await w.tg.deliver(late, w.client)
        await w.settle()
        assert (await lines(w))[-1] == BACK and len(await lines(w)) == 2
        assert await reachable(w, "telegram", str(ANNA))

        await w.tg.deliver(w.tg.text_update(ANNA, "как вернуть товар?"), w.client)
        await w.settle()
        assert "https://volt-shop.ru/returns" in w.tg.texts(ANNA)[-1]


async def test_an_operator_keeps_the_conversation_but_nothing_is_sent_while_blocked(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(ANNA, "позовите оператора"), w.client)
        await w.settle()
        conversation_id = await w.operator_takes_and_replies("Здравствуйте, это Анна.")
        await w.settle()
        said = len(w.tg.sent_to(ANNA))

        await w.tg.deliver(w.tg.member_update(ANNA, "kicked"), w.client)
        await w.settle()
        conversation = await only_conversation(w)
        assert conversation.owner == Owner.OPERATOR  # hers to close when she chooses
        assert await lines(w) == [BLOCKED]

        service = HandoffService.from_runtime(w.runtime)
        await service.reply(conversation_id, conversation.operator_id or 0, "Вы здесь?")
        await w.settle()
        assert len(w.tg.sent_to(ANNA)) == said  # not even tried
        async with w.runtime.db.read() as s:
            failed = await s.scalars(select(Message.text).where(Message.kind == "event"))
            assert "Сообщение не доставлено: клиент заблокировал бота или отписался" in list(failed)


async def test_replies_waiting_to_be_sent_fail_at_once_when_the_customer_blocks(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        w.tg.fail_next("sendMessage", TgFault.too_many_requests(30))
        await w.tg.deliver(w.tg.text_update(ANNA, "как вернуть товар?"), w.client)
        assert await w.runtime.drain(timeout=15)
        assert await w.runtime.outbox.wait_idle(15)  # the answer waits out the 429
        await w.tg.deliver(w.tg.member_update(ANNA, "kicked"), w.client)
        await w.settle()
        assert await lines(w) == [BLOCKED + ", не отправлено: 1"]
        async with w.runtime.db.read() as s:
            [answer] = (await s.scalars(select(OutboxItem))).all()
            assert answer.status == "failed"

        # Unblocked, the customer is not sent yesterday's answer out of the blue.
        await w.tg.deliver(w.tg.member_update(ANNA, "member"), w.client)
        await w.settle()
        assert w.tg.sent_to(ANNA) == []


async def test_viber_unsubscribe_and_subscribe_are_lines_in_the_history(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.vb.deliver(w.vb.message_event("vb-1", "как вернуть товар?"), w.client)
        await w.settle()
        now = int(time.time() * 1000)
        await w.vb.deliver(w.vb.unsubscribed("vb-1", timestamp=now), w.client)
        await w.vb.deliver(w.vb.unsubscribed("vb-1", timestamp=now + 5), w.client)  # twice
        await w.settle()
        assert await lines(w) == ["Клиент отписался от бота в Viber: сообщения ему не доходят"]
        assert (await only_conversation(w)).owner == Owner.BOT  # the bot's stays open
        assert not await reachable(w, "viber", "vb-1")

        await w.vb.deliver(w.vb.subscribed("vb-1", timestamp=now + 2000), w.client)
        await w.vb.deliver(w.vb.unsubscribed("vb-1", timestamp=now + 1000), w.client)  # late
        await w.settle()
        assert (await lines(w))[1:] == ["Клиент снова на связи в Viber: сообщения доходят"]
        assert await reachable(w, "viber", "vb-1")

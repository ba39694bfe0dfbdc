"""Customers in Telegram and Viber, end to end, over the real libraries and stand-in APIs.

The whole app is assembled the way ``zabota run`` does it (``add_channels`` from the
environment settings) and webhooks are delivered through its ASGI routes; the messenger
libraries (python-telegram-bot, aioviberbot) talk HTTP to stand-ins on 127.0.0.1. Assertions
are about what the customer saw in the messenger.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.assemble import add_channels
from bot.channels.viber import ViberChannel
from bot.config import Settings
from bot.ownership import Owner
from bot.runtime import Runtime
from bot.storage.db import Database
from bot.storage.models import Conversation, InboxItem, Message, OutboxItem
from bot.web.app import create_app
from handoff.auth import create_operator
from handoff.service import HandoffService
from tests.conftest import brain_for
from tests.standins.telegram import TelegramStandIn, TgFault
from tests.standins.viber import ViberFault, ViberStandIn

PUBLIC = "https://zabota.example.test"


@dataclass
class World:
    runtime: Runtime
    client: httpx.AsyncClient
    tg: TelegramStandIn
    vb: ViberStandIn

    async def settle(self) -> None:
        assert await self.runtime.drain(timeout=15)
        assert await self.runtime.outbox.wait_idle(15, scheduled=True)

    async def operator_takes_and_replies(self, text: str) -> int:
        service = HandoffService.from_runtime(self.runtime)
        async with self.runtime.db.write() as s:
            operator = await create_operator(s, "anna", "secret-pass", display_name="Анна")
            operator.status = "online"  # at work in the console: she «уже читает»
            conv = await s.scalar(select(Conversation).where(Conversation.owner == "queued"))
            assert conv is not None, "nothing in the queue"
        await service.take(conv.id, operator.id)
        await service.reply(conv.id, operator.id, text)
        return conv.id


@asynccontextmanager
async def world(db_url: str, project: Any, model: Any) -> AsyncIterator[World]:
    async with TelegramStandIn.running() as tg, ViberStandIn.running() as vb:
        settings = Settings(
            database_url=db_url,
            telegram_token=tg.token,
            telegram_api_url=tg.api_url,
            viber_token=vb.token,
            viber_api_url=vb.api_url,
            public_url=PUBLIC,
            secret_key="test-secret",
        )
        runtime = Runtime(project, settings, brain_for(project, model), db=Database(db_url))
        add_channels(runtime)
        app = create_app(runtime, manage_runtime=False)
        await runtime.start(migrate=False)
        viber = runtime.channels["viber"]
        assert isinstance(viber, ViberChannel)
        await asyncio.wait_for(viber.registered.wait(), timeout=10)
        transport = httpx.ASGITransport(app=app)
        vb.media_transport = transport  # Viber fetches operators' files from the app
        try:
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
                yield World(runtime, client, tg, vb)
        finally:
            await runtime.stop()


async def test_telegram_customer_gets_faq_answer_then_an_operator(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        assert w.tg.webhook is not None and w.tg.webhook["url"] == f"{PUBLIC}/webhooks/telegram"
        response = await w.tg.deliver(w.tg.text_update(1001, "как вернуть товар?"), w.client)
        assert response.status_code == 200
        await w.settle()
        seen = w.tg.sent_to(1001)
        assert len(seen) == 1 and "https://volt-shop.ru/returns" in seen[0].text
        assert "Оформить возврат" in seen[0].button_titles

        await w.tg.deliver(w.tg.text_update(1001, "позовите оператора"), w.client)
        await w.settle()
        assert "коллег" in w.tg.texts(1001)[-1]

        hello = "Здравствуйте, это Анна. Уже смотрю ваш заказ."
        conv_id = await w.operator_takes_and_replies(hello)
        await w.settle()
        assert w.tg.texts(1001)[-1] == hello

        # The operator closes; the customer rates with the inline keyboard under the request.
        async with w.runtime.db.read() as s:
            conv = await s.get(Conversation, conv_id)
            assert conv is not None and conv.operator_id is not None
        await HandoffService.from_runtime(w.runtime).close(conv_id, conv.operator_id)
        await w.settle()
        rating_request = w.tg.sent_to(1001)[-1]
        assert rating_request.keyboard == "inline"
        assert rating_request.button_titles == ["1", "2", "3", "4", "5"]
        four = next(b for row in rating_request.buttons for b in row if b.text == "4")
        assert four.callback_data is not None
        await w.tg.deliver(
            w.tg.callback_update(1001, four.callback_data, message_id=rating_request.message_id),
            w.client,
        )
        await w.settle()
        assert len(w.tg.calls_to("answerCallbackQuery")) == 1  # the button stops spinning
        assert "спасибо" in w.tg.texts(1001)[-1].lower()
        async with w.runtime.db.read() as s:
            rated = await s.get(Conversation, conv_id)
            assert rated is not None and rated.rating == 4

        # The customer sees what they gave, as in the web chat: «✓ 4», the rest still pressable.
        def rating_titles() -> list[str]:
            shown = w.tg.shown_message(1001, rating_request.message_id)
            return shown.button_titles if shown is not None else []

        await w.tg.wait_for(lambda: rating_titles() == ["1", "2", "3", "✓ 4", "5"])
        # A change of mind moves the mark.
        five = next(b for row in rating_request.buttons for b in row if b.text == "5")
        assert five.callback_data is not None
        press = w.tg.callback_update(1001, five.callback_data, message_id=rating_request.message_id)
        assert press["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][3] == {
            "text": "✓ 4",
            "callback_data": four.callback_data,
        }
        await w.tg.deliver(press, w.client)
        await w.settle()
        await w.tg.wait_for(lambda: rating_titles() == ["1", "2", "3", "4", "✓ 5"])
        async with w.runtime.db.read() as s:
            rated = await s.get(Conversation, conv_id)
            assert rated is not None and rated.rating == 5


async def test_a_card_number_from_telegram_is_masked_before_the_inbox(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        update = w.tg.text_update(1001, "списали дважды, карта 4276 3800 1234 5679")
        assert (await w.tg.deliver(update, w.client)).status_code == 200
        await w.settle()
        assert w.tg.texts(1001)[0].startswith("Номер карты в переписке мы скрыли")
        async with w.runtime.db.read() as s:
            stored = [item.event for item in (await s.scalars(select(InboxItem))).all()]
            history = (await s.scalars(select(Message.text))).all()
        assert [e["text"] for e in stored] == ["списали дважды, карта **** **** **** 5679"]
        assert stored[0]["redacted"] == ["card"]
        assert not any("3800" in text for text in history)


async def test_telegram_customer_sees_typing_only_while_an_answer_is_slow(
    db_url: str, demo_project: Any, demo_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.6 s: a quick answer stays under it even on a busy 2-core host (0.2 s did not, once).
    monkeypatch.setattr("bot.runtime.TYPING_AFTER", 0.6)
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(1001, "как вернуть товар?"), w.client)
        await w.settle()
        await asyncio.sleep(0.7)  # past TYPING_AFTER: a quick answer never shows «typing…»
        assert w.tg.calls_to("sendChatAction") == []

        real = w.runtime.engine.predict

        async def slow(event: Any, brain: Any) -> Any:
            await asyncio.sleep(1.2)
            return await real(event, brain)

        monkeypatch.setattr(w.runtime.engine, "predict", slow)
        await w.tg.deliver(w.tg.text_update(1001, "сколько стоит доставка?"), w.client)
        await w.settle()
        methods = [c.method for c in w.tg.calls if c.method in ("sendChatAction", "sendMessage")]
        assert methods == ["sendMessage", "sendChatAction", "sendMessage"]  # typing, then answer
        assert w.tg.calls_to("sendChatAction")[0].params["action"] == "typing"


async def test_telegram_forged_secret_is_refused_and_nothing_happens(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        update = w.tg.text_update(1001, "как вернуть товар?")
        assert (await w.tg.deliver(update, w.client, secret="forged")).status_code == 403
        assert (await w.tg.deliver(update, w.client, secret="")).status_code == 403
        await w.settle()
        assert w.tg.sent_to(1001) == []
        async with w.runtime.db.read() as s:
            assert await s.scalar(select(Conversation)) is None


async def test_telegram_redelivery_is_answered_once(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        update = w.tg.text_update(1001, "где мой заказ")
        for _ in range(3):  # Telegram re-sends when it did not see a 200 in time
            assert (await w.tg.deliver(update, w.client)).status_code == 200
        await w.settle()
        assert len(w.tg.sent_to(1001)) == 1


async def test_telegram_429_and_500_are_retried_in_order(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        w.tg.fail_next("sendMessage", TgFault.too_many_requests(1))
        w.tg.fail_next("sendMessage", TgFault.server_error(500))
        await w.tg.deliver(w.tg.text_update(1001, "как вернуть товар?"), w.client)
        await w.tg.deliver(w.tg.text_update(1001, "скока стоит доставка"), w.client)
        await w.settle()
        texts = w.tg.texts(1001)
        assert len(texts) == 2
        assert "14 дней" in texts[0] and "299" in texts[1]
        async with w.runtime.db.read() as s:
            first = await s.scalar(select(OutboxItem).order_by(OutboxItem.id))
            assert first is not None and first.attempts >= 2


async def test_telegram_long_operator_reply_is_split_on_paragraphs(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(1001, "оператор"), w.client)
        await w.settle()
        paragraphs = [(f"Абзац {i}: " + "подробности заказа " * 40).strip() for i in range(14)]
        await w.operator_takes_and_replies("\n\n".join(paragraphs))
        await w.settle()
        joined, *chunks = w.tg.texts(1001)[1:]
        assert joined == "Оператор Анна уже читает вашу переписку и скоро ответит."
        assert len(chunks) >= 3 and all(len(c) <= 4096 for c in chunks)
        assert all(c.startswith("Абзац") for c in chunks)  # cut between paragraphs
        assert "\n\n".join(chunks) == "\n\n".join(paragraphs).strip()


async def test_unsent_messages_survive_a_restart(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        w.tg.fail_next("sendMessage", TgFault.server_error(502), times=2)
        await w.tg.deliver(w.tg.text_update(1001, "как вернуть товар?"), w.client)
        assert await w.runtime.drain(timeout=10)  # processed; delivery is still being retried
        assert w.tg.sent_to(1001) == []
        await w.runtime.outbox.stop()  # the process dies with the answer in the outbox
        tg = w.tg
    async with TelegramStandIn.running(token=tg.token) as fresh:
        settings = Settings(
            database_url=db_url, telegram_token=fresh.token, telegram_api_url=fresh.api_url
        )
        brain = brain_for(demo_project, demo_model)
        runtime = Runtime(demo_project, settings, brain, db=Database(db_url))
        add_channels(runtime)
        await runtime.start(migrate=False)  # polling mode this time: nothing to re-deliver
        try:
            assert await runtime.outbox.wait_idle(15, scheduled=True)
            assert len(fresh.sent_to(1001)) == 1
            assert "14 дней" in fresh.texts(1001)[0]
        finally:
            await runtime.stop()


async def test_viber_customer_end_to_end(db_url: str, demo_project: Any, demo_model: Any) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        assert w.vb.webhook is not None and w.vb.webhook["url"] == f"{PUBLIC}/webhooks/viber"
        welcome = await w.vb.deliver(w.vb.conversation_started("vb-user-1"), w.client)
        assert welcome.status_code == 200 and "Здравствуйте" in welcome.json()["text"]

        genuine = w.vb.message_event("vb-user-1", "как вернуть товар?")
        headers = {**genuine.headers, "X-Viber-Content-Signature": "0" * 64}
        forged = await w.client.post("/webhooks/viber", content=genuine.body, headers=headers)
        assert forged.status_code == 403

        w.vb.fail_next("send_message", ViberFault.status(12))
        await w.vb.deliver(w.vb.message_event("vb-user-1", "как вернуть товар?"), w.client)
        await w.settle()
        seen = w.vb.sent_to("vb-user-1")
        assert len(seen) == 1 and "https://volt-shop.ru/returns" in seen[0].text
        assert "Позвать оператора" not in seen[0].button_titles  # its own buttons instead

        await w.vb.deliver(w.vb.message_event("vb-user-1", "позовите человека"), w.client)
        await w.settle()
        # Handed over: the keyboard offers to take the request back instead of making it again.
        assert w.vb.sent_to("vb-user-1")[-1].button_titles == ["Отменить вызов оператора"]

        conv_id = await w.operator_takes_and_replies("Анна на связи, помогу с возвратом.")
        await w.settle()
        assert w.vb.texts("vb-user-1")[-1] == "Анна на связи, помогу с возвратом."
        # talking to a person: no «Позвать оператора» under her reply
        assert w.vb.sent_to("vb-user-1")[-1].button_titles == []
        async with w.runtime.db.read() as s:
            conv = await s.scalar(select(Conversation))
            assert conv is not None and conv.owner == Owner.OPERATOR

        service = HandoffService.from_runtime(w.runtime)
        await service.close(conv_id, conv.operator_id or 0)
        await w.settle()
        rating_request = w.vb.sent_to("vb-user-1")[-1]
        five = next(b for b in rating_request.buttons if b.text == "5")
        await w.vb.deliver(w.vb.button_event("vb-user-1", five.action_body), w.client)
        await w.settle()
        assert "спасибо" in w.vb.texts("vb-user-1")[-1].lower()
        async with w.runtime.db.read() as s:
            rated = await s.get(Conversation, conv_id)
            assert rated is not None and rated.rating == 5


async def test_viber_delivery_statuses_are_recorded(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    from bot.storage.models import DeliveryEvent

    async with world(db_url, demo_project, demo_model) as w:
        for callback in (
            w.vb.subscribed("vb-user-2"),
            w.vb.delivered("vb-user-2", 555),
            w.vb.seen("vb-user-2", 555),
            w.vb.unsubscribed("vb-user-2"),
        ):
            assert (await w.vb.deliver(callback, w.client)).status_code == 200
        await w.settle()
        async with w.runtime.db.read() as s:
            statuses = (
                await s.scalars(select(DeliveryEvent.status).order_by(DeliveryEvent.id))
            ).all()
        # Processed concurrently in the background, so compare without order.
        assert sorted(statuses) == ["delivered", "seen", "subscribed", "unsubscribed"]


async def test_a_viber_deep_link_to_an_answer_is_answered_in_the_welcome(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """viber://pa?chatURI=…&context=faq_return_goods: the customer is not subscribed yet, so
    the answer can only go in the webhook's own response — and the operator sees the link."""
    from bot.storage.models import Message, OutboxItem

    async with world(db_url, demo_project, demo_model) as w:
        started = w.vb.conversation_started("vb-user-3", context="faq_return_goods")
        welcome = await w.vb.deliver(started, w.client)
        assert welcome.status_code == 200
        assert "https://volt-shop.ru/returns" in welcome.json()["text"]
        await w.settle()
        assert w.vb.sent_to("vb-user-3") == []  # nothing Viber would refuse (status 6)
        async with w.runtime.db.read() as s:
            assert (await s.scalars(select(OutboxItem))).all() == []
            texts = (await s.scalars(select(Message.text))).all()
        assert texts == ["/start faq_return_goods"]

        plain = await w.vb.deliver(w.vb.conversation_started("vb-user-4"), w.client)
        assert "Здравствуйте" in plain.json()["text"]  # no link: the greeting


async def test_a_viber_button_press_reads_as_its_title_for_the_operator(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """Viber sends back only the button's action: the history shows what the customer saw."""
    from bot.storage.models import Message

    async with world(db_url, demo_project, demo_model) as w:
        await w.vb.deliver(w.vb.message_event("vb-user-5", "как вернуть товар?"), w.client)
        await w.settle()
        [answer] = w.vb.sent_to("vb-user-5")
        button = next(b for b in answer.buttons if b.text == "👍 Помогло")
        await w.vb.deliver(w.vb.button_event("vb-user-5", button.action_body), w.client)
        await w.settle()
        async with w.runtime.db.read() as s:
            said = (
                await s.scalars(
                    select(Message.text).where(Message.author == "customer").order_by(Message.id)
                )
            ).all()
        assert said == ["как вернуть товар?", "👍 Помогло"]  # not «[helpful:return_goods:yes]»

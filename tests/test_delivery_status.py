"""The operator sees whether each reply reached the customer, and why not."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from bot.delivery import failure_text
from bot.storage.models import Conversation, OutboxItem
from handoff.auth import create_operator
from handoff.service import HandoffService
from tests.test_e2e_messengers import World, world


async def operator_session(w: World) -> tuple[HandoffService, int]:
    async with w.runtime.db.write() as session:
        operator = await create_operator(session, "anna", "anna-secret-1", display_name="Анна")
    login = await w.client.post(
        "/api/v1/session", json={"username": "anna", "password": "anna-secret-1"}
    )
    assert login.status_code == 200
    return HandoffService.from_runtime(w.runtime), operator.id


async def handed_over(w: World, channel: str) -> int:
    """The conversation passed to a person (logging in, Анна took it from the queue)."""
    async with w.runtime.db.read() as session:
        found = await session.scalar(
            select(Conversation.id).where(
                Conversation.channel == channel, Conversation.owner == "operator"
            )
        )
    assert found is not None
    return found


async def replies(client: httpx.AsyncClient, conversation: int) -> list[dict[str, Any]]:
    detail = (await client.get(f"/api/v1/conversations/{conversation}")).json()
    return [m for m in detail["messages"] if m["author"] == "operator"]


async def test_a_reply_to_a_customer_who_blocked_the_bot_is_marked_with_why(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(1001, "позовите оператора"), w.client)
        await w.settle()
        service, anna = await operator_session(w)
        conversation = await handed_over(w, "telegram")
        await service.reply(conversation, anna, "Здравствуйте! Смотрю ваш заказ")
        await w.settle()
        [first] = await replies(w.client, conversation)
        assert first["delivery"] == {"state": "sent", "label": "отправлено", "reason": None}

        w.tg.block(1001)  # the customer blocked the bot meanwhile
        await service.reply(conversation, anna, "Заказ будет завтра")
        await w.settle()
        detail = (await w.client.get(f"/api/v1/conversations/{conversation}")).json()
        second = [m for m in detail["messages"] if m["author"] == "operator"][-1]
        assert second["delivery"] == {
            "state": "failed",
            "label": "не доставлено",
            "reason": "клиент заблокировал бота или отписался",
        }
        events = [m["text"] for m in detail["messages"] if m["kind"] == "event"]
        assert "Сообщение не доставлено: клиент заблокировал бота или отписался" in events

        # A reply the messenger refused once and that waits for another try says so.
        async with w.runtime.db.write() as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.message_id == first["id"])
                .values(status="pending", attempts=1, last_error="gave up after 1 attempts")
            )
        [first, _] = await replies(w.client, conversation)
        assert first["delivery"]["state"] == "retrying"
        assert first["delivery"]["label"] == "повторная отправка"


async def a_viber_reply(w: World, text: str) -> tuple[HandoffService, int, int, int]:
    """A Viber customer asks for a person; Анна takes them and replies ``text``. Returns the
    service, Анна's id, the conversation and the Viber token of her reply."""
    await w.vb.deliver(w.vb.message_event("vb-user-1", "позовите человека"), w.client)
    await w.settle()
    service, anna = await operator_session(w)
    conversation = await handed_over(w, "viber")
    await service.reply(conversation, anna, text)
    await w.settle()
    return service, anna, conversation, w.vb.sent_to("vb-user-1")[-1].token


async def test_viber_receipts_show_delivered_then_read(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        service, anna, conversation, token = await a_viber_reply(w, "Здравствуйте! Это Анна")
        [reply] = await replies(w.client, conversation)
        assert reply["delivery"]["state"] == "sent"

        await w.vb.deliver(w.vb.delivered("vb-user-1", token), w.client)
        await w.settle()
        [reply] = await replies(w.client, conversation)
        assert (reply["delivery"]["state"], reply["delivery"]["label"]) == (
            "delivered",
            "доставлено",
        )
        await w.vb.deliver(w.vb.seen("vb-user-1", token), w.client)
        await w.vb.deliver(w.vb.delivered("vb-user-1", token), w.client)  # late, out of order
        await w.settle()
        [reply] = await replies(w.client, conversation)
        assert reply["delivery"]["label"] == "прочитано"

        # Viber accepts a message and later reports that it could not deliver it.
        await service.reply(conversation, anna, "Ещё одно сообщение")
        await w.settle()
        lost = w.vb.sent_to("vb-user-1")[-1].token
        await w.vb.deliver(w.vb.failed("vb-user-1", lost), w.client)
        await w.settle()
        [_, second] = await replies(w.client, conversation)
        assert second["delivery"] == {
            "state": "failed",
            "label": "не доставлено",
            "reason": "мессенджер не смог доставить сообщение",
        }


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("Forbidden: bot was blocked by the user", "клиент заблокировал бота или отписался"),
        ("viber status 6: notSubscribed", "клиент заблокировал бота или отписался"),
        ("Bad Request: chat not found", "чат клиента не найден"),
        ("cancelled: personal data erased", "данные клиента удалены"),
        (
            "Viber fetches files by URL: set ZABOTA_PUBLIC_URL",
            "Viber забирает файлы по ссылке: не задан ZABOTA_PUBLIC_URL",
        ),
        ("gave up after 8 attempts: viber: HTTP 502", "мессенджер не отвечал, попытки исчерпаны"),
        ("Bad Request: something new", "мессенджер не принял сообщение"),
        (None, "мессенджер не принял сообщение"),
    ],
)
def test_messenger_errors_read_as_what_the_operator_can_do(error: str | None, reason: str) -> None:
    assert failure_text(error) == reason


async def test_a_receipt_tells_the_open_console_which_conversation_changed(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        _, _, conversation, token = await a_viber_reply(w, "Здравствуйте!")
        with w.runtime.bus.subscribe() as heard:
            await w.vb.deliver(w.vb.seen("vb-user-1", token), w.client)
            await w.settle()
            kinds = []
            while not heard.empty():
                event = heard.get_nowait()
                kinds.append((event.kind, event.conversation_id))
        assert ("receipt", conversation) in kinds

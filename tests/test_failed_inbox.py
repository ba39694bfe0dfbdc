"""Customer events the bot gave up on reach the people who can act: an administrator sees
each in the console, retries it (the normal path again) or dismisses it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.events import Inbound
from bot.runtime import MAX_ATTEMPTS
from bot.storage import inbound
from bot.storage.models import InboxItem, OutboxItem
from handoff.auth import create_operator
from handoff.web import console_routes
from tests.handoff_kit import PASSWORD


@dataclass
class Desk:
    """The running bot and its console, with an administrator and an operator."""

    bot: Any
    app: Starlette

    async def client(self, username: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )
        response = await client.post(
            "/api/v1/session", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf"]
        return client

    async def give_up_on(self, event: Inbound, monkeypatch: pytest.MonkeyPatch) -> int:
        """Store ``event`` and let every attempt to process it fail until it is given up."""
        runtime = self.bot.runtime
        row_id = await runtime.inbox.receive(event)
        assert row_id is not None

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("storage hiccup")

        with monkeypatch.context() as patched:
            patched.setattr(runtime.engine, "process", broken)
            for _ in range(MAX_ATTEMPTS):
                await runtime.recover(older_than=timedelta(0))
        row = await self.row(row_id)
        assert row.failed_at is not None and row.processed_at is None
        return row_id

    async def row(self, row_id: int) -> InboxItem:
        async with self.bot.runtime.db.read() as session:
            row = await session.get(InboxItem, row_id, populate_existing=True)
        assert row is not None
        return row


@pytest.fixture
async def desk(bot: Any) -> AsyncIterator[Desk]:
    async with bot.runtime.db.write() as session:
        await create_operator(session, "boss", PASSWORD, role="admin", display_name="Мария")
        await create_operator(session, "anna", PASSWORD, display_name="Анна")
    yield Desk(bot, Starlette(routes=console_routes(bot.runtime)))


def said(n: int, text: str, user: str = "olga") -> Inbound:
    return Inbound(
        channel="telegram",
        external_id=f"u{n}",
        user_id=user,
        chat_id=user,
        text=text,
        display_name="Ольга Смирнова",
    )


async def test_an_admin_sees_a_given_up_message_and_a_retry_answers_the_customer(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = desk.bot.runtime
    await runtime.process(said(1, "здравствуйте"))  # a customer the bot knows
    await runtime.drain()
    row_id = await desk.give_up_on(said(2, "как вернуть товар?"), monkeypatch)

    anna = await desk.client("anna")
    refused = await anna.get("/api/v1/inbox/failed")
    assert refused.status_code == 403  # an operator has no say over the inbox

    boss = await desk.client("boss")
    spec = (await boss.get("/api/v1/openapi.json")).json()
    assert {"/inbox/failed", "/inbox/failed/{id}/retry", "/inbox/failed/{id}/dismiss"} <= set(
        spec["paths"]
    )
    listed = (await boss.get("/api/v1/inbox/failed")).json()
    assert listed["total"] == 1
    [event] = listed["events"]
    assert event["id"] == row_id and event["channel"] == "telegram"
    assert (event["customer_name"], event["text"]) == ("Ольга Смирнова", "как вернуть товар?")
    assert event["customer_id"] is not None  # the card of the customer who wrote before
    assert event["attempts"] == MAX_ATTEMPTS and event["error"] == "ConnectionError"
    assert event["received_at"] and event["failed_at"]

    before = len(desk.bot.channels["telegram"].sent["olga"])
    retried = await boss.post(f"/api/v1/inbox/failed/{row_id}/retry")
    assert retried.json() == {"ok": True, "outcome": "processed", "error": None}
    await runtime.drain()
    assert len(desk.bot.channels["telegram"].sent["olga"]) > before  # the bot answered her
    assert (await desk.row(row_id)).processed_at is not None
    assert (await boss.get("/api/v1/inbox/failed")).json() == {"total": 0, "events": []}
    again = await boss.post(f"/api/v1/inbox/failed/{row_id}/retry")
    assert again.status_code == 404 and again.json()["error"] == "not_found"


async def test_a_retry_that_fails_again_keeps_the_event_listed_with_the_new_error(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    row_id = await desk.give_up_on(said(3, "где мой заказ?"), monkeypatch)
    boss = await desk.client("boss")

    async def still_broken(*args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("still down")

    monkeypatch.setattr(desk.bot.runtime.engine, "process", still_broken)
    retried = await boss.post(f"/api/v1/inbox/failed/{row_id}/retry")
    assert retried.json() == {"ok": True, "outcome": "failed", "error": "TimeoutError"}
    [event] = (await boss.get("/api/v1/inbox/failed")).json()["events"]
    assert (event["id"], event["attempts"], event["error"]) == (
        row_id,
        MAX_ATTEMPTS + 1,
        "TimeoutError",
    )


async def test_a_retry_for_a_channel_the_bot_does_not_run_now_is_refused_and_kept(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = desk.bot.runtime
    row_id = await desk.give_up_on(said(5, "как вернуть товар?"), monkeypatch)
    # The bot restarted without TELEGRAM_TOKEN: nobody could send the answer to Ольга.
    monkeypatch.delitem(runtime.channels, "telegram")
    boss = await desk.client("boss")
    retried = await boss.post(f"/api/v1/inbox/failed/{row_id}/retry")
    assert retried.status_code == 409
    assert retried.json()["error"] == "channel_off"
    assert retried.json()["message"] == (
        "Канал «Telegram» сейчас не включён в этом боте, поэтому ответ не дойдёт до клиента. "
        "Включите канал и повторите, или уберите сообщение. Оно осталось в списке."
    )
    # Nothing was processed: no conversation, no reply waiting in the outbox for ever.
    row = await desk.row(row_id)
    assert row.processed_at is None and row.failed_at is not None
    [event] = (await boss.get("/api/v1/inbox/failed")).json()["events"]
    assert event["id"] == row_id and event["attempts"] == MAX_ATTEMPTS
    async with runtime.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxItem)) == 0

    # With the channel back, the same retry goes through.
    monkeypatch.undo()
    retried = await boss.post(f"/api/v1/inbox/failed/{row_id}/retry")
    assert retried.json()["outcome"] == "processed"


async def test_a_message_stored_before_the_door_cleaned_it_gets_through_on_a_retry(
    desk: Desk,
) -> None:
    """A poison event (a lone surrogate, stored by an older version) failed every time; a
    retry takes it through today's door, and the customer is answered."""
    runtime = desk.bot.runtime
    poison = Inbound(
        channel="telegram", external_id="p1", user_id="p1", chat_id="p1", text="\ud800 возврат"
    )
    row_id = await runtime.inbox.receive(poison)
    assert row_id is not None
    for _ in range(MAX_ATTEMPTS):
        await runtime.recover(older_than=timedelta(0))
    boss = await desk.client("boss")
    [event] = (await boss.get("/api/v1/inbox/failed")).json()["events"]
    assert event["text"] == "\ufffd возврат"  # shown, not a broken answer
    assert "surrogates not allowed" in event["error"]
    assert event["customer_id"] is None and event["customer_name"] is None  # never got in
    retried = await boss.post(f"/api/v1/inbox/failed/{row_id}/retry")
    assert retried.json()["outcome"] == "processed"
    await runtime.drain()
    assert desk.bot.channels["telegram"].sent["p1"]


async def test_an_admin_dismisses_an_event_and_it_is_gone_from_the_list_and_healthz(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    row_id = await desk.give_up_on(said(4, "тест, не отвечайте"), monkeypatch)
    boss = await desk.client("boss")
    anna = await desk.client("anna")
    assert (await anna.post(f"/api/v1/inbox/failed/{row_id}/dismiss")).status_code == 403
    caplog.set_level("INFO", logger="handoff.failed_inbox")
    assert (await boss.post(f"/api/v1/inbox/failed/{row_id}/dismiss")).json() == {"ok": True}
    assert f"inbox id {row_id}: dismissed from the console by boss" in caplog.text
    assert (await boss.get("/api/v1/inbox/failed")).json()["total"] == 0
    async with desk.bot.runtime.db.read() as session:
        assert await inbound.count_failed(session) == 0  # /healthz's inbox_failed
    twice = await boss.post(f"/api/v1/inbox/failed/{row_id}/dismiss")
    assert twice.status_code == 409 and twice.json()["error"] == "gone"
    assert desk.bot.channels["telegram"].sent["olga"] == []  # nothing was sent for it

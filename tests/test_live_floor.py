"""«Сейчас» for the team lead (handoff/live.py, GET /api/v1/metrics/live): each team's queue
and how long its first customer has waited, who is online with free slots, and which operator
owes whom a reply since when. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.storage.db import Database
from bot.storage.models import Conversation, Message, utcnow
from handoff.live import Live, snapshot
from handoff.web import Console, routes
from tests.handoff_kit import PASSWORD, Stack, stack


async def floor(s: Stack, minutes_later: float = 0) -> Live:
    async with s.db.read() as session:
        return await snapshot(
            session, s.engine.brain.config.handoff, utcnow() + timedelta(minutes=minutes_later)
        )


async def age(s: Stack, conversation_id: int, minutes: float) -> None:
    """What happened in the conversation happened ``minutes`` earlier."""
    delta = timedelta(minutes=minutes)
    async with s.db.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.escalated_at is not None
        conversation.escalated_at -= delta
        if conversation.first_response_at is not None:
            conversation.first_response_at -= delta
        said = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id)
        )
        for message in said:
            message.created_at -= delta


async def test_the_queue_of_each_team_and_who_can_take_it(db: Database) -> None:
    async with stack(db) as s:
        await s.operator("anna", teams=["support"], capacity=1, name="Анна")
        await s.operator("boris", teams=["billing"], capacity=2, name="Борис")
        await s.operator("vera", teams=["support"], status="away", name="Вера")
        first = await s.escalate("c1")  # Anna takes it: she is free
        waiting = await s.escalate("c2")  # Anna is full: it waits
        await s.escalate("c3")
        assert (await s.conversation(first)).owner == "operator"
        await age(s, waiting, 2)  # c2 has waited two minutes, c3 just now

        live = await floor(s)
        support = next(t for t in live.teams if t.team == "support")
        assert (support.title, support.waiting, support.over_goal) == ("Поддержка", 2, 1)
        assert support.oldest_wait_seconds is not None
        assert 119 <= support.oldest_wait_seconds <= 125
        assert (support.online, support.free_slots) == (1, 0)  # Vera is away
        billing = next(t for t in live.teams if t.team == "billing")
        assert (billing.title, billing.waiting, billing.online, billing.free_slots) == (
            "Оплата и возвраты",
            0,
            1,
            2,
        )
        assert billing.oldest_wait_seconds is None


async def test_who_owes_a_reply_since_when(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", capacity=3, name="Анна")
        await s.operator("gleb", status="offline", name="Глеб")
        await s.operator("editor", role="editor", status="offline", name="Редактор")
        new = await s.escalate("c1")  # taken, not answered yet: owed since the handoff
        talking = await s.escalate("c2")
        done = await s.escalate("c3")
        for conversation in (new, talking, done):
            assert (await s.conversation(conversation)).operator_id == anna
        await s.service.reply(talking, anna, "Какой номер заказа?")
        await s.service.reply(done, anna, "Готово, заказ в пути.")
        await age(s, new, 5)
        await age(s, talking, 3)
        await s.say("c2", "12345678")  # the customer answered her: she owes a reply now
        await age(s, talking, 1)  # … for a minute

        live = await floor(s)
        assert [p.name for p in live.operators] == ["Анна", "Глеб"]  # online first; no editors
        a = live.operators[0]
        assert (a.status, a.active, a.capacity, a.awaiting_reply) == ("online", 3, 3, 2)
        assert a.oldest_unanswered_seconds is not None
        assert 299 <= a.oldest_unanswered_seconds <= 305  # c1, since the handoff
        g = live.operators[1]
        assert (g.status, g.active, g.awaiting_reply, g.oldest_unanswered_seconds) == (
            "offline",
            0,
            0,
            None,
        )

        # She answers both: nobody waits for her, though she still holds three.
        await s.service.reply(new, anna, "Здравствуйте! Смотрю.")
        await s.service.reply(talking, anna, "Заказ 12345678 приедет завтра.")
        a = (await floor(s)).operators[0]
        assert (a.active, a.awaiting_reply, a.oldest_unanswered_seconds) == (3, 0, None)


@pytest.fixture
async def client(db: Database) -> AsyncIterator[tuple[Stack, httpx.AsyncClient]]:
    async with stack(db) as s:
        console = Console(db, s.bus, s.service, lambda: s.engine.brain, b"k" * 32)
        transport = httpx.ASGITransport(app=Starlette(routes=routes(console)))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield s, c


async def test_only_a_lead_sees_the_floor(client: tuple[Stack, httpx.AsyncClient]) -> None:
    s, http = client
    await s.operator("anna", name="Анна")
    await s.operator("boss", role="admin", name="Руководитель")
    assert (await http.get("/api/v1/metrics/live")).status_code == 401
    for username, status in (("anna", 403), ("boss", 200)):
        login = await http.post(
            "/api/v1/session", json={"username": username, "password": PASSWORD}
        )
        assert login.status_code == 200
        response = await http.get("/api/v1/metrics/live")
        assert response.status_code == status
    data = response.json()
    assert set(data) == {"now", "timezone", "goal_seconds", "teams", "operators"}
    # «обновлено в …» on the team's clock, the one the period's «до 22:05» is written in.
    assert data["timezone"] == s.engine.brain.config.handoff.working_hours.timezone
    assert data["goal_seconds"] == 60
    assert {p["name"] for p in data["operators"]} == {"Анна", "Руководитель"}
    assert set(data["operators"][0]) == {
        "id",
        "name",
        "status",
        "active",
        "capacity",
        "teams",
        "awaiting_reply",
        "oldest_unanswered_seconds",
    }

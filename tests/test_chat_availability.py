"""The web chat's header tells the customer what a person's answer looks like right now
(``GET /webchat/api/availability``, handoff/web/availability.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from bot.storage.db import Database
from handoff.web import Console
from handoff.web.availability import availability, availability_routes
from tests.handoff_kit import Stack, make_brain, stack, without_responses


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclasses.dataclass
class Chat:
    s: Stack
    clock: Clock
    client: httpx.AsyncClient

    async def header(self) -> dict[str, object]:
        response = await self.client.get("/webchat/api/availability")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        data: dict[str, object] = response.json()
        self.clock.now += 60  # the next look is past the cache
        return data


@pytest.fixture
async def chat(db: Database) -> AsyncIterator[Chat]:
    async with stack(db) as s:
        console = Console(db, s.bus, s.service, lambda: s.engine.brain, b"k" * 32)
        clock = Clock()
        app = Starlette(routes=availability_routes(console, clock))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Chat(s, clock, client)


async def test_a_free_operator_is_on_line(chat: Chat) -> None:
    await chat.s.operator("anna")
    assert await chat.header() == {
        "state": "online",
        "text": "Бот отвечает сразу, операторы на связи",
        "wait_minutes": None,
        "back_at": None,
    }


async def test_with_everyone_busy_the_header_gives_a_new_customers_wait(chat: Chat) -> None:
    anna = await chat.s.operator("anna", capacity=1)
    first = await chat.s.escalate("c1")  # Anna's only slot
    assert (await chat.s.conversation(first)).operator_id == anna
    second = await chat.s.escalate("c2")
    assert (await chat.s.conversation(second)).owner == "queued"
    header = await chat.header()
    assert header["state"] == "queue"
    # One ahead, one operator, three minutes a conversation (the demo's default handling).
    assert header["text"] == "Бот отвечает сразу, оператор — примерно через 6 минут"
    assert header["wait_minutes"] == 6


async def test_in_hours_with_nobody_online_it_says_so_not_closed(chat: Chat) -> None:
    await chat.s.operator("anna", status="away")  # «Не на месте»: nobody to name minutes for
    header = await chat.header()  # make_brain() is always open
    assert header == {
        "state": "nobody_online",
        "text": "Бот отвечает сразу, операторов сейчас нет на месте",
        "wait_minutes": None,
        "back_at": None,
    }
    # Борис comes online and takes a customer into his only slot: a new one would wait for him,
    # and the header says how long.
    await chat.s.busy_operator()
    header = await chat.header()
    assert (header["state"], header["text"]) == (
        "queue",
        "Бот отвечает сразу, оператор — примерно через 3 минуты",
    )


async def test_out_of_hours_it_says_when_the_team_is_back(db: Database) -> None:
    brain = make_brain(always_open=False)  # 9:00–21:00 Moscow time
    night = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    async with db.read() as session:
        found = await availability(session, brain.config.handoff, brain.domain, night)
    assert (found.state, found.text) == ("closed", "Бот отвечает сразу, операторы — завтра в 9:00")


async def test_someone_online_at_night_is_on_line(db: Database) -> None:
    brain = make_brain(always_open=False)
    async with stack(db, brain) as s:
        await s.operator("night", name="Ночная")
        night = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
        async with db.read() as session:
            found = await availability(session, brain.config.handoff, brain.domain, night)
    assert found.state == "online"


async def test_the_answer_is_reused_for_a_moment(chat: Chat) -> None:
    assert (await chat.client.get("/webchat/api/availability")).json()["state"] == "nobody_online"
    await chat.s.operator("anna")  # she comes online within the cache's 15 seconds
    chat.clock.now += 10
    assert (await chat.client.get("/webchat/api/availability")).json()["state"] == "nobody_online"
    chat.clock.now += 10
    assert (await chat.client.get("/webchat/api/availability")).json()["state"] == "online"


async def test_a_project_without_the_texts_keeps_the_pages_line(db: Database) -> None:
    brain = without_responses(
        make_brain(),
        "utter_chat_status_online",
        "utter_chat_status_queue",
        "utter_chat_status_nobody_online",
        "utter_chat_status_closed",
    )
    async with db.read() as session:
        found = await availability(session, brain.config.handoff, brain.domain, datetime.now(UTC))
    assert found.state == "queue" and found.text is None

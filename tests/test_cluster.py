"""Several processes, one deployment (:mod:`bot.cluster`), on a real PostgreSQL server.

Each test starts two «processes» in one: two runtimes (or two links) with their own buses,
database pools and ``LISTEN`` connections, sharing one database — what ``zabota run
--workers 2`` forks.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select

from bot.bus import Bus, BusEvent
from bot.channels.terminal import CollectingChannel
from bot.channels.webchat import WebChatChannel
from bot.cluster import MAX_PAYLOAD, ClusterLink, _payloads, asyncpg_dsn, chat_lock_key
from bot.config import Settings
from bot.events import Inbound
from bot.runtime import Runtime
from bot.storage.db import Database, DatabaseError
from bot.storage.models import Conversation, Customer, Identity, Message
from bot.web.app import create_app
from tests.conftest import _truncate, brain_for


@pytest.fixture
async def pg(pg_url: str) -> str:
    await _truncate(pg_url)
    return pg_url


async def _until(check: Any, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def two_links(pg: str) -> AsyncIterator[tuple[ClusterLink, ClusterLink, list[str]]]:
    reloads: list[str] = []

    def reloader(name: str) -> Any:
        async def on_reload() -> None:
            reloads.append(name)

        return on_reload

    a = ClusterLink(pg, Bus(), on_reload=reloader("a"), reconnect_delay=0.05)
    b = ClusterLink(pg, Bus(), on_reload=reloader("b"), reconnect_delay=0.05)
    await a.start()
    await b.start()
    try:
        yield a, b, reloads
    finally:
        await a.stop()
        await b.stop()


async def test_an_event_of_one_process_reaches_the_other_once_and_is_not_echoed(
    two_links: tuple[ClusterLink, ClusterLink, list[str]],
) -> None:
    a, b, _ = two_links
    with a.bus.subscribe() as heard_by_a, b.bus.subscribe() as heard_by_b:
        a.bus.publish(BusEvent("message", 17, 5, {"owner": "queued"}))
        event = await asyncio.wait_for(heard_by_b.get(), 5)
        assert (event.kind, event.conversation_id, event.customer_id) == ("message", 17, 5)
        assert event.data == {"owner": "queued"} and event.origin == a.node
        assert heard_by_a.get_nowait().origin is None  # its own, locally
        await asyncio.sleep(0.2)
        assert heard_by_a.empty() and heard_by_b.empty()  # nothing came back or twice


async def test_a_burst_of_events_arrives_whole_in_notifications_under_the_limit(
    two_links: tuple[ClusterLink, ClusterLink, list[str]],
) -> None:
    a, b, _ = two_links
    with b.bus.subscribe() as heard:
        for i in range(200):  # one event-loop iteration: packed into a few NOTIFYs
            a.bus.publish(BusEvent("outbox", data={"id": i, "status": "sent", "chat": "x" * 60}))
        got = [await asyncio.wait_for(heard.get(), 5) for _ in range(200)]
    assert [e.data["id"] for e in got] == list(range(200))
    assert a.sent == 200 and b.received == 200


def test_payloads_stay_under_postgres_notify_limit_and_oversized_data_is_dropped() -> None:
    items = [{"t": "bus", "k": "message", "c": i, "u": 1, "d": {"n": "я" * 50}} for i in range(300)]
    items.append({"t": "bus", "k": "message", "c": 999, "u": 1, "d": {"big": "x" * 20_000}})
    payloads = _payloads("node-1", items)
    assert len(payloads) > 1
    assert all(len(p.encode()) < MAX_PAYLOAD for p in payloads)
    unpacked = [item for p in payloads for item in json.loads(p)["m"]]
    assert [i["c"] for i in unpacked] == [*range(300), 999]
    assert unpacked[-1]["d"] == {"truncated": True}


async def test_a_reload_announced_by_one_process_reloads_the_others(
    two_links: tuple[ClusterLink, ClusterLink, list[str]],
) -> None:
    a, _, reloads = two_links
    a.announce_reload()
    await _until(lambda: reloads == ["b"])
    await asyncio.sleep(0.2)
    assert reloads == ["b"]


async def test_the_link_comes_back_after_its_connection_is_killed_and_reloads_once(
    pg: str, two_links: tuple[ClusterLink, ClusterLink, list[str]]
) -> None:
    a, b, reloads = two_links
    admin = await asyncpg.connect(asyncpg_dsn(pg))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN%' AND datname = current_database() AND pid <> ALL($1)",
            [a._conn.get_server_pid()],  # type: ignore[union-attr]
        )
    finally:
        await admin.close()
    await _until(lambda: reloads == ["b"])  # it may have missed a reload while away
    await _until(lambda: b.connected)
    with b.bus.subscribe() as heard:
        a.bus.publish(BusEvent("message", 1))
        assert (await asyncio.wait_for(heard.get(), 5)).origin == a.node


def test_chat_lock_keys_are_stable_signed_64_bit_and_per_chat() -> None:
    key = chat_lock_key("telegram", "42")
    assert key == chat_lock_key("telegram", "42")
    assert -(2**63) <= key < 2**63
    assert len({key, chat_lock_key("viber", "42"), chat_lock_key("telegram", "43")}) == 3


async def test_sqlite_refuses_to_be_shared_by_several_processes(
    tmp_path: Any, demo_project: Any, demo_model: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'z.sqlite3'}"
    runtime = Runtime(
        demo_project, Settings(database_url=url), brain_for(demo_project, demo_model), cluster=True
    )
    with pytest.raises(DatabaseError, match="several processes need PostgreSQL"):
        await runtime.start()
    await runtime.db.dispose()


@pytest.fixture
async def two_workers(
    pg: str, demo_project: Any, demo_model: Any
) -> AsyncIterator[tuple[Runtime, Runtime]]:
    runtimes = []
    for _ in range(2):
        runtime = Runtime(
            demo_project,
            Settings(database_url=pg),
            brain_for(demo_project, demo_model),
            db=Database(pg),
            channels={"telegram": CollectingChannel("telegram")},
            cluster=True,
        )
        runtime.add_channel(WebChatChannel(runtime.db, runtime.bus, b"k" * 32))
        await runtime.start(migrate=False)
        runtimes.append(runtime)
    try:
        yield runtimes[0], runtimes[1]
    finally:
        for runtime in runtimes:
            await runtime.stop()


async def test_a_new_customers_first_messages_in_two_processes_make_one_customer(
    two_workers: tuple[Runtime, Runtime],
) -> None:
    a, b = two_workers
    for round_ in range(5):  # the race is real: repeat it
        user = f"new-{round_}"

        def first(text: str, n: int, user: str = user) -> Inbound:
            return Inbound(
                channel="telegram", external_id=f"{user}:{n}", user_id=user, chat_id=user, text=text
            )

        await asyncio.gather(
            a.submit(first("здравствуйте", 1)), b.submit(first("как вернуть товар?", 2))
        )
        assert await a.drain(10) and await b.drain(10)
    async with a.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 5
        assert await session.scalar(select(func.count()).select_from(Identity)) == 5
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 5
        customer_said = (
            select(func.count()).select_from(Message).where(Message.author == "customer")
        )
        assert await session.scalar(customer_said) == 10


async def test_a_web_chat_long_poll_on_one_process_hears_the_reply_another_sent(
    two_workers: tuple[Runtime, Runtime],
) -> None:
    a, b = two_workers
    app_a = create_app(a, manage_runtime=False, extra=[])
    app_b = create_app(b, manage_runtime=False, extra=[])
    await b.outbox.stop()  # only A delivers: B can hear of the reply only from A
    loop = asyncio.get_running_loop()
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app_a), base_url="http://a") as to_a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app_b), base_url="http://b") as to_b,
    ):
        assert (await to_b.get("/healthz")).json()["cluster"] == "connected"
        session = (await to_a.post("/webchat/api/session")).json()
        params = {**session, "after": "0", "wait": "20"}
        poll = asyncio.create_task(to_b.get("/webchat/api/messages", params=params, timeout=25))
        await asyncio.sleep(0.3)  # B is waiting on its bus
        started = loop.time()
        sent = await to_a.post("/webchat/api/send", json={**session, "text": "как вернуть товар?"})
        assert sent.status_code == 202
        messages = (await asyncio.wait_for(poll, 25)).json()["messages"]
        waited = loop.time() - started
    assert waited < 5, f"B's long-poll was not woken by A's reply ({waited:.1f} s)"
    assert [m["author"] for m in messages] == ["customer", "bot"]
    assert "14 дней" in str(messages[1]["text"])

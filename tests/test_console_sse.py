"""Live updates: the console's event stream announces a new queued conversation at once.

Runs a real uvicorn server (ASGI test transports buffer whole responses, so they cannot
show that a stream delivers while it is still open).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette

from bot.bus import BusEvent
from bot.storage.db import Database
from handoff.web import Console, routes
from tests.handoff_kit import PASSWORD, Stack, login, make_brain, stack


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(s: Stack, db: Database) -> AsyncIterator[str]:
    """The console on a real uvicorn server; yields its base URL."""
    console = Console(db, s.bus, s.service, lambda: s.engine.brain, b"k" * 32)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=routes(console)), port=port, log_level="warning", lifespan="off"
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(250):  # up to 5 s for the server to bind
            if server.started:
                break
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


async def test_event_stream_announces_escalation(db: Database) -> None:
    async with stack(db) as s, serve(s, db) as base:
        await s.operator("anna", status="offline", teams=["billing"])
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            login = await client.post(
                "/api/v1/session", json={"username": "anna", "password": PASSWORD}
            )
            assert login.status_code == 200
            async with httpx.AsyncClient() as stranger:
                unauthenticated = await stranger.get(f"{base}/api/v1/events")
            assert unauthenticated.status_code == 401
            async with client.stream("GET", "/api/v1/events") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                assert await anext(lines) == "retry: 2000"
                conv_id = await s.escalate("c1")  # support team: Anna (billing) is not eligible
                events = []
                async with asyncio.timeout(5):
                    async for line in lines:
                        if line.startswith("data: ") and line != "data: {}":
                            events.append(json.loads(line[6:]))
                            if events[-1]["kind"] == "transition":
                                break
                expected = {
                    "kind": "transition",
                    "conversation_id": conv_id,
                    "owner": "queued",
                    "operator_id": None,
                }
                assert expected in events


async def test_closing_the_last_console_marks_the_operator_away(db: Database) -> None:
    brain = make_brain()
    brain.config.handoff.presence_grace_seconds = 0.3
    async with stack(db, brain) as s, serve(s, db) as base:
        anna = await s.operator("anna", status="offline")
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            await client.post("/api/v1/session", json={"username": "anna", "password": PASSWORD})
            conv_id = await s.escalate("c1")
            assert (await s.conversation(conv_id)).operator_id == anna
            for _ in range(2):  # a reload: the stream closes and reopens within the grace
                async with client.stream("GET", "/api/v1/events") as stream:
                    await anext(stream.aiter_lines())
            assert (await s.operator_row(anna)).status == "online"
            for _ in range(100):
                if (await s.operator_row(anna)).status == "away":
                    break
                await asyncio.sleep(0.05)
        assert (await s.operator_row(anna)).status == "away"
        assert (await s.conversation(conv_id)).owner == "queued"  # back for colleagues


async def test_an_operator_set_away_by_the_server_is_told_why_until_she_chooses(
    db: Database,
) -> None:
    """QA: the server's «Не на месте» (every console closed past the grace) left the operator
    no explanation; `GET /me` now says it was automatic and after how long, until she picks a
    status herself."""
    brain = make_brain()
    brain.config.handoff.presence_grace_seconds = 0.3
    async with stack(db, brain) as s, serve(s, db) as base:
        anna = await s.operator("anna", status="offline")
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            await login(client, "anna")
            assert (await client.get("/api/v1/me")).json()["auto_away"] is None
            async with client.stream("GET", "/api/v1/events") as stream:
                await anext(stream.aiter_lines())
            for _ in range(100):
                if (await s.operator_row(anna)).status == "away":
                    break
                await asyncio.sleep(0.05)
            me = (await client.get("/api/v1/me")).json()
            assert me["operator"]["status"] == "away"
            assert me["auto_away"]["after_seconds"] == 0.3 and me["auto_away"]["at"]
            back = await client.post("/api/v1/me/status", json={"status": "online"})
            assert back.status_code == 200, back.text
            assert (await client.get("/api/v1/me")).json()["auto_away"] is None
            # Her own «Не на месте» needs no explanation.
            await client.post("/api/v1/me/status", json={"status": "away"})
            assert (await client.get("/api/v1/me")).json()["auto_away"] is None


async def test_an_operator_whose_console_another_process_serves_stays_online(
    db: Database,
) -> None:
    brain = make_brain()
    brain.config.handoff.presence_grace_seconds = 0.3
    async with stack(db, brain) as s, serve(s, db) as base:
        anna = await s.operator("anna", status="offline")
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            await client.post("/api/v1/session", json={"username": "anna", "password": PASSWORD})
            async with client.stream("GET", "/api/v1/events") as stream:
                await anext(stream.aiter_lines())
                # Her other tab is served by another worker of `zabota run --workers 2`,
                # which announces it over the cluster link.
                s.bus.publish(BusEvent("presence", data={"operator_id": anna}, origin="worker-2"))
            await asyncio.sleep(1.0)  # over three grace periods after this tab closed
        assert (await s.operator_row(anna)).status == "online"

"""``zabota run`` stops promptly on SIGTERM (``systemctl stop``, ``docker stop``) even while an
operator's console holds its event stream open and a customer's chat waits on a long-poll:
both are answered and the runtime shuts down, instead of the stop hanging until the process
manager's SIGKILL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.test_cli import free_port, project, start_server, stop_server  # noqa: F401

pytestmark = pytest.mark.slow


def _demo_password(root: Path) -> str:
    line = (root / "var" / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()[1]
    return line.split(" / ", 1)[1]


async def test_sigterm_with_a_console_and_a_chat_open_stops_within_seconds(
    project: Path,  # noqa: F811
) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    process = await asyncio.to_thread(start_server, project, base)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as operator:
            login = await operator.post(
                "/api/v1/session",
                json={"username": "operator", "password": _demo_password(project)},
            )
            assert login.status_code == 200, login.text
            async with operator.stream("GET", "/api/v1/events") as events:
                lines = events.aiter_lines()
                assert await anext(lines) == "retry: 2000"  # the console is listening

                async with httpx.AsyncClient(base_url=base, timeout=30) as customer:
                    session = (await customer.post("/webchat/api/session")).json()
                    params = {**session, "after": "0", "wait": "25"}
                    poll = asyncio.create_task(customer.get("/webchat/api/messages", params=params))
                    await asyncio.sleep(0.5)  # the chat is waiting for a reply

                    asked = time.monotonic()
                    process.send_signal(signal.SIGTERM)
                    answered = await asyncio.wait_for(poll, timeout=8)
                    assert answered.status_code == 200 and answered.json()["messages"] == []
                    rest = [line async for line in lines]  # the stream ends, not the client
                    assert [line for line in rest if line] == ["event: hello", "data: {}"]

            code = await asyncio.to_thread(process.wait, 8)
            stopped_in = time.monotonic() - asked
    except (subprocess.TimeoutExpired, TimeoutError):
        stop_server(process)
        raise
    output = process.stdout.read() if process.stdout else ""
    assert code == -signal.SIGTERM, output  # uvicorn ends by its signal once it has stopped
    # The runtime's shutdown ran: the database was closed cleanly (SQLite folds its write-ahead
    # log back into the file when the last connection closes).
    assert (project / "var" / "zabota.sqlite3").exists()
    assert not (project / "var" / "zabota.sqlite3-wal").exists()
    assert stopped_in < 8, stopped_in  # the grace for stuck requests is 10 s: not needed here
    assert "graceful shutdown exceeded" not in output and "Traceback" not in output, output


async def test_a_closed_bus_tells_every_listener_to_stop_even_one_that_comes_later() -> None:
    from bot.bus import CLOSING, Bus, BusEvent

    bus = Bus(queue_size=2)
    with bus.subscribe() as busy:
        for n in range(3):  # a slow listener with a full queue
            bus.publish(BusEvent("message", n))
        bus.close()
        bus.publish(BusEvent("message", 99))  # nothing after the closing event
        assert [busy.get_nowait().kind for _ in range(busy.qsize())] == ["message", "closing"]
        with bus.subscribe() as late:
            assert late.get_nowait() is CLOSING and late.empty()

"""``zabota run --workers N``: several processes serve one port over one PostgreSQL database.

Real subprocesses: the parent trains once and forks; the tests talk HTTP to the port, signal
the parent and kill workers the way an operating system or an administrator would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _truncate
from tests.standins import TelegramStandIn
from tests.test_cli import ROOT, chat, free_port, project, wait_for, zabota

__all__ = ["project"]  # the fixture, shared with the CLI tests


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def until(check: object, within: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {within} s")


@contextlib.contextmanager
def workers(
    project: Path, pg_url: str, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """``zabota run --workers 2`` on a fresh port (blocks while it starts)."""
    (project / "tests" / "data").mkdir(parents=True, exist_ok=True)  # the reload gate's set
    shutil.copy(ROOT / "tests" / "data" / "demo_heldout.tsv", project / "tests" / "data")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "VIBER_", "ZABOTA_", "DATABASE_URL"))
        },
        "DATABASE_URL": pg_url,
        **{k: v.replace("{base}", base) for k, v in (extra_env or {}).items()},
    }
    log = project / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "bot.cli", "--project", str(project), "-v", "run"),
                *("--port", str(port), "--workers", "2", "--demo"),
            ],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def healthy() -> bool:
            if server.poll() is not None:
                raise AssertionError(f"zabota run exited: {log.read_text()[-3000:]}")
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            until(healthy, 90, "a healthy server")
            until(lambda: log.read_text().count("froze") >= 2, 30, "both workers started")
            assert len(children(server.pid)) == 2
            yield server, base, log
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()  # its workers follow it (PR_SET_PDEATHSIG)
                    server.wait(10)


@pytest.fixture
def cluster(project: Path, pg_url: str) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    asyncio.run(_truncate(pg_url))
    with workers(project, pg_url) as running:
        yield running


@pytest.mark.slow
def test_two_workers_answer_survive_a_crash_reload_together_and_stop_cleanly(
    cluster: tuple[subprocess.Popen[str], str, Path],
) -> None:
    server, base, log = cluster
    workers = children(server.pid)
    assert len(workers) == 2

    # Customers are answered, whichever worker takes each request (a new connection each).
    for n in range(6):
        session = httpx.post(f"{base}/webchat/api/session").json()
        chat(base, session, "как вернуть товар?", n)
        assert "14 дней" in str(wait_for(base, session, 2)[1]["text"])
        # --demo: every worker serves the demo shop's page with the chat widget.
        assert httpx.get(f"{base}/demo").status_code == 200

    # A worker dies: the parent starts another, and customers do not notice.
    os.kill(workers[0], signal.SIGKILL)
    until(lambda: len(children(server.pid)) == 2 and workers[0] not in children(server.pid))
    until(lambda: log.read_text().count("froze") >= 3, 60, "the new worker's start-up")
    session = httpx.post(f"{base}/webchat/api/session").json()
    chat(base, session, "позовите человека", 1)
    assert "коллег" in str(wait_for(base, session, 2)[1]["text"])

    # SIGHUP to the parent: one worker reloads the content and the other follows.
    os.kill(server.pid, signal.SIGHUP)
    until(lambda: log.read_text().count("bot.reload: reloaded:") == 2, 60, "both reloads")

    # SIGTERM: every worker stops gracefully, then the parent.
    live = children(server.pid)
    server.terminate()
    assert server.wait(30) == 0
    for pid in live:
        assert (
            not Path(f"/proc/{pid}").exists()
            or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
        )
    output = log.read_text()
    assert "Traceback" not in output, output[-3000:]
    assert "exited with -9; restarting it" in output


def test_several_workers_on_sqlite_are_refused_with_the_reason(project: Path) -> None:
    env = {"DATABASE_URL": "", "TELEGRAM_TOKEN": ""}
    result = zabota("--project", str(project), "run", "--workers", "2", env=env)
    assert result.returncode == 2
    assert "--workers needs PostgreSQL" in result.stderr


def test_telegram_polling_with_several_workers_is_refused(project: Path, pg_url: str) -> None:
    env = {"DATABASE_URL": pg_url, "TELEGRAM_TOKEN": "123:abc", "ZABOTA_PUBLIC_URL": ""}
    result = zabota("--project", str(project), "run", "--workers", "2", env=env)
    assert result.returncode == 2
    assert "long-polling needs a single process" in result.stderr


@pytest.mark.slow
async def test_both_workers_take_telegram_webhooks_with_one_secret_and_answer_there(
    project: Path, pg_url: str
) -> None:
    await _truncate(pg_url)
    async with TelegramStandIn.running(thread=True) as tg:
        env = {
            "TELEGRAM_TOKEN": tg.token,
            "TELEGRAM_API_URL": tg.api_url,
            "ZABOTA_PUBLIC_URL": "{base}",
        }
        with workers(project, pg_url, env) as (_, base, log):
            await tg.wait_for(lambda: tg.webhook is not None, 30)
            assert tg.webhook is not None and tg.webhook["url"] == f"{base}/webhooks/telegram"
            # Ten customers, each on a new connection: the kernel spreads them over both
            # workers' sockets, and each worker must accept the one registered secret.
            for user in range(10):
                response = await tg.deliver(tg.text_update(700 + user, "как вернуть товар?"))
                assert response.status_code == 200, response.text
            for user in range(10):
                await tg.wait_sent(700 + user, 1, within=20)
                assert "14 дней" in tg.texts(700 + user)[0]
            forged = await tg.deliver(tg.text_update(799, "привет"), secret="wrong")
            assert forged.status_code == 403
        assert "Traceback" not in log.read_text()

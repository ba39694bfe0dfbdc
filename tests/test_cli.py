"""The ``zabota`` command as scripts and people use it: real subprocesses, exit codes, output."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.storage.db import Database
from tests.conftest import copy_demo_project

ROOT = Path(__file__).resolve().parent.parent


def zabota(
    *args: str,
    cwd: Path = ROOT,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the demo project, so tests can break it and keep their own database."""
    copy = copy_demo_project(tmp_path / "project", heldout=False, models=True)
    # The team is always in: what a subprocess says must not depend on the hour the tests run
    # (out-of-hours replies have their own dialogue tests with a fixed clock).
    config = copy / "config.yml"
    text = config.read_text(encoding="utf-8")
    assert "  working_hours:\n" in text
    config.write_text(
        text.replace("  working_hours:\n", "  working_hours:\n    always_open: true\n", 1),
        encoding="utf-8",
    )
    return copy


def test_help_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    result = zabota("--help")  # the real entry point once; each command's help in-process
    assert result.returncode == 0, result.stderr
    assert "usage: zabota" in result.stdout
    for args in (
        ["run"],
        ["chat"],
        ["db"],
        ["db", "upgrade"],
        ["nlu", "evaluate"],
        ["operators", "add"],
        ["operators", "list"],
        ["kb", "export"],
        ["kb", "import"],
        ["gate", "show"],
        ["customers"],
    ):
        with pytest.raises(SystemExit) as exited:
            main([*args, "--help"])
        assert exited.value.code == 0, args
        assert f"usage: zabota {' '.join(args)}" in capsys.readouterr().out, args


def test_unknown_command_is_a_usage_error() -> None:
    result = zabota("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_validate_the_demo_project(project: Path) -> None:
    result = zabota("--project", str(project), "validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")


def test_validate_reports_broken_yaml_with_file_and_line(project: Path) -> None:
    faq = project / "data" / "faq" / "returns.yml"
    lines = faq.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "  - id: Broken Id")  # invalid id and missing fields, at line 6
    faq.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (project / "config.yml").write_text("handoff:\n  not_understod_limit: 3\n", encoding="utf-8")
    result = zabota("--project", str(project), "validate")
    assert result.returncode == 2
    assert "  data/faq/returns.yml:6:" in result.stderr  # from the project's root
    assert "  config.yml:2:" in result.stderr and "неизвестный ключ" in result.stderr


def test_validate_refuses_an_empty_config(project: Path) -> None:
    (project / "config.yml").write_text("# всё стёрли по ошибке\n", encoding="utf-8")
    result = zabota("--project", str(project), "validate")
    assert result.returncode == 2, result.stdout
    assert "  config.yml:1: config.yml пуст" in result.stderr


def test_train_says_training_only_when_it_trains(project: Path) -> None:
    current = zabota("--project", str(project), "train")  # the copied model is current
    assert current.returncode == 0, current.stderr
    assert current.stdout.startswith("up to date: ")
    assert "training" not in current.stderr  # no «training…» before «up to date»
    forced = zabota("--project", str(project), "train", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "• training NLU on " in forced.stderr and forced.stdout.startswith("trained: ")


def test_chat_reads_customer_lines_from_a_pipe(project: Path) -> None:
    result = zabota(
        "--project",
        str(project),
        "chat",
        stdin="как вернуть товар?\nпозовите человека\nвы тут?\n",
    )
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("Бот:")]
    assert "14 дней" in replies[0]
    assert "коллег" in replies[1]
    # Waiting for a person: «вы тут?» is told where the request is — nobody is online in a
    # fresh project, so no minutes are promised.
    assert len(replies) == 3 and "никого из операторов нет на месте" in replies[2]
    assert "минут" not in replies[2]


def test_a_piped_line_of_digits_is_what_the_customer_typed_not_a_button(project: Path) -> None:
    """QA: in a pipe «1» after an answer with buttons pressed the first of them («Сроки
    возврата денег»); the buttons are not even numbered there. A button's exact title still
    presses it."""
    result = zabota(
        "--project",
        str(project),
        "chat",
        stdin="как вернуть товар?\n1\nсроки возврата денег\n",
    )
    assert result.returncode == 0, result.stderr
    assert "  [Сроки возврата денег]" in result.stdout  # shown unnumbered
    replies = [line for line in result.stdout.splitlines() if line.startswith("Бот:")]
    assert "14 дней" in replies[0]
    assert not replies[1].startswith("Бот: Деньги отправляем")  # «1» was read as text
    assert replies[-1].startswith("Бот: Деньги отправляем")  # the title pressed the button
    said = " ".join(zabota("chat", "--help").stdout.split())  # as wrapped to the terminal
    assert "From a pipe or a file every line is what the customer typed, digits too" in said


def test_at_a_terminal_a_buttons_number_presses_it() -> None:
    from bot.channels.terminal import TerminalChannel
    from bot.events import Button, Outbound

    for numbered, pressed in ((True, "/refund_time"), (False, None)):
        channel = TerminalChannel(io.StringIO(), user="anna", numbered=numbered)
        buttons = (Button("Сроки возврата денег", "/refund_time"), Button("Помогло", "/ok"))
        asyncio.run(channel.send("anna", Outbound("Вернуть можно за 14 дней.", buttons=buttons)))
        assert channel.button_for("1") == pressed
        assert channel.button_for("помогло") == "/ok"


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        # A file of questions saved by Windows: read as Windows-1251, answered.
        ("как вернуть товар?\n".encode("cp1251"), "read as Windows-1251"),
        # Broken bytes in UTF-8: replaced, the rest answered.
        (b"\xff\xfe " + "как вернуть товар?\n".encode(), "broken bytes replaced"),
    ],
)
def test_chat_reads_a_pipe_that_is_not_utf8(project: Path, raw: bytes, said: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--project", str(project), "chat"],
        cwd=ROOT,
        input=raw,
        capture_output=True,
        timeout=120,
    )
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    [note] = [line for line in stderr.splitlines() if line.startswith("note:")]  # said once
    assert note.startswith("note: the input is not UTF-8; read ") and said in note
    replies = [line for line in result.stdout.decode().splitlines() if line.startswith("Бот:")]
    assert "14 дней" in replies[0]


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--port", "99999"], "argument --port: 99999 is not a port: use 0-65535"),
        (["--port", "-1"], "argument --port: -1 is not a port: use 0-65535"),
        (["--port", "http"], "argument --port: not a port number: 'http'"),
        (["--workers", "0"], "argument --workers: 0: at least 1 is needed"),
        (["--workers", "-3"], "argument --workers: -3: at least 1 is needed"),
    ],
)
def test_run_refuses_a_bad_port_or_workers_in_one_line(
    project: Path, option: list[str], said: str
) -> None:
    result = zabota("--project", str(project), "run", *option, timeout=60)
    assert result.returncode == 2, result.stderr
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert "preparing NLU model" not in result.stderr


def test_a_server_that_never_answers_is_told_within_the_connect_timeout(project: Path) -> None:
    """Redis on 6379 (or any port that is not PostgreSQL) takes the connection and never
    answers PostgreSQL's greeting: asyncpg waited 60 s and the reason was empty."""
    from bot.storage.db import CONNECT_TIMEOUT

    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never answers
        port = silent.getsockname()[1]
        url = f"postgresql://postgres:pw@127.0.0.1:{port}/x"
        started = time.monotonic()
        result = zabota(
            "--project", str(project), "db", "upgrade", env={"DATABASE_URL": url}, timeout=60
        )
        took = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    assert (
        f"cannot reach the database at postgresql+asyncpg://postgres:***@127.0.0.1:{port}/x: "
        f"no answer within {CONNECT_TIMEOUT:g} s; is it a PostgreSQL server" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert took < CONNECT_TIMEOUT + 20


def test_db_upgrade_reports_an_unreachable_database(project: Path) -> None:
    result = zabota(
        "--project",
        str(project),
        "db",
        "upgrade",
        env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert result.returncode == 3
    assert "database unavailable" in result.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("garbage", "DATABASE_URL is not a database URL; use sqlite:///"),
        ("mysql://shop@db/zabota", "Zabota runs on SQLite or PostgreSQL, not 'mysql'"),
        ("sqlite:////proc/zabota.sqlite3", "unable to open database file"),
    ],
)
def test_a_wrong_database_url_is_told_not_shown_as_a_traceback(
    project: Path, url: str, said: str
) -> None:
    for command in (("db", "upgrade"), ("run", "--port", "1")):
        result = zabota("--project", str(project), *command, env={"DATABASE_URL": url})
        assert result.returncode == 3, result.stderr
        assert said in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("database", "said"),
    [
        ("nobody_here@{host}/zabota", 'role "nobody_here" does not exist'),
        ("{user}@{host}/no_such_db_zz", 'database "no_such_db_zz" does not exist'),
    ],
)
def test_a_postgres_that_refuses_us_is_told_not_shown_as_a_traceback(
    project: Path, pg_url: str, database: str, said: str
) -> None:
    from urllib.parse import urlsplit

    server = urlsplit(pg_url)
    url = "postgresql://" + database.format(user=server.username, host=server.netloc.split("@")[-1])
    result = zabota("--project", str(project), "db", "upgrade", env={"DATABASE_URL": url})
    assert result.returncode == 3, result.stderr
    assert f"cannot use the database at postgresql+asyncpg://{url[13:]}: {said}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_API_URL", "not-a-url"),
        ("VIBER_API_URL", "chatapi.viber.com/pa"),
        ("ZABOTA_PUBLIC_URL", "ftp://bot.example.com"),
    ],
)
def test_a_malformed_address_in_the_environment_is_told_at_once(
    project: Path, name: str, value: str
) -> None:
    """Before, Telegram's start was retried forever against «not-a-url», a network error."""
    result = zabota("--project", str(project), "run", "--port", "0", env={name: value})
    assert result.returncode == 2, result.stderr
    assert f"error: {name}={value!r} is not an http(s):// address with a host" in result.stderr
    assert "Traceback" not in result.stderr
    assert "preparing NLU model" not in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_told_at_once(project: Path, workers: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        result = zabota("--project", str(project), "run", "--port", port, "--workers", workers)
    assert result.returncode == 2, result.stderr
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert "preparing NLU model" not in result.stderr  # said before anything slow
    assert "Zabota is running" not in result.stdout


def test_operators_add_and_duplicate(project: Path) -> None:
    env = {"ZB_PASS": "correct horse battery"}
    first = zabota(
        "--project",
        str(project),
        "operators",
        "add",
        "Admin",
        "--role",
        "admin",
        "--password-env",
        "ZB_PASS",
        env=env,
    )
    assert first.returncode == 0, first.stderr
    assert "created admin 'admin'" in first.stdout
    again = zabota(
        "--project", str(project), "operators", "add", "admin", "--password-env", "ZB_PASS", env=env
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    unset = zabota(
        "--project",
        str(project),
        "operators",
        "add",
        "bob",
        "--password-env",
        "ZB_NOT_SET",
        env={},
        stdin="correct horse battery\n",  # not read: the variable was meant
    )
    assert unset.returncode == 2
    assert unset.stderr.strip() == "error: ZB_NOT_SET is not set (--password-env names it)"
    short = zabota("--project", str(project), "operators", "add", "bob", env={}, stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    listed = zabota("--project", str(project), "operators", "list", env={})
    assert listed.returncode == 0, listed.stderr
    [header, admin] = listed.stdout.splitlines()
    assert header.split()[:3] == ["login", "role", "status"]
    assert admin.split() == ["admin", "admin", "offline", "3", "(all)", "admin"]


def test_operators_add_refuses_a_team_nobody_routes_to(project: Path) -> None:
    env = {"ZB_PASS": "correct horse battery"}
    base = ("--project", str(project), "operators", "add")
    typo = zabota(*base, "anna", "--teams", "support,biling", "--password-env", "ZB_PASS", env=env)
    assert typo.returncode == 2, typo.stdout
    assert "error: unknown team(s): biling; known teams: billing, sales, support" in typo.stderr
    listed = zabota("--project", str(project), "operators", "list", env={})
    assert "anna" not in listed.stdout  # nothing half-created
    ok = zabota(*base, "anna", "--teams", "support, billing", "--password-env", "ZB_PASS", env=env)
    assert ok.returncode == 0, ok.stderr
    listed = zabota("--project", str(project), "operators", "list", env={})
    assert "billing,support" in listed.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(project: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    yield f"http://127.0.0.1:{port}", project


def start_server(
    project: Path, base: str, extra_env: dict[str, str] | None = None, *, demo: bool = True
) -> subprocess.Popen[str]:
    """``zabota run`` on ``base``'s port, waiting until /healthz answers."""
    port = base.rsplit(":", 1)[1]
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "VIBER_", "ZABOTA_"))
        },
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "--project",
            str(project),
            "run",
            "--port",
            port,
            *(["--demo"] if demo else []),
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise AssertionError(
                f"zabota run exited: {process.stdout.read() if process.stdout else ''}"
            )
        time.sleep(0.2)
    process.kill()
    raise AssertionError("zabota run did not become healthy")


def stop_server(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""


QUEUE_STATUS = (
    "Ваше сообщение добавлено к обращению. Операторы сейчас не на связи",
    "Сейчас никого из операторов нет на месте",
    "Оператор подключится к диалогу",
)
"""How the queue's status starts (bot/queued.py ``say_status``), by the hour and who is online."""


def chat(base: str, session: dict[str, str], text: str, n: int) -> dict[str, object]:
    body = {**session, "text": text, "id": f"msg-{n}"}
    assert httpx.post(f"{base}/webchat/api/send", json=body, timeout=10).status_code == 202
    return body


def messages(base: str, session: dict[str, str], after: int = 0) -> list[dict[str, object]]:
    params = {**session, "after": str(after), "wait": "0"}
    return list(
        httpx.get(f"{base}/webchat/api/messages", params=params, timeout=10).json()["messages"]
    )


def wait_for(base: str, session: dict[str, str], count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = messages(base, session)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} messages, got {messages(base, session)}")


@pytest.mark.slow
def test_run_serves_web_chat_and_keeps_everything_across_a_restart(
    served: tuple[str, Path],
) -> None:
    base, project = served
    server = start_server(project, base)
    try:
        health = httpx.get(f"{base}/healthz").json()
        assert health["status"] == "ok" and "webchat" in health["channels"]
        assert "<title>Чат поддержки «Вольт»</title>" in httpx.get(f"{base}/chat").text
        shop = httpx.get(f"{base}/demo")  # --demo: the chat widget on a demo shop's page
        assert shop.status_code == 200 and '<script src="/widget.js" async>' in shop.text
        session = httpx.post(f"{base}/webchat/api/session").json()
        chat(base, session, "как вернуть товар?", 1)
        history = wait_for(base, session, 2)
        assert "14 дней" in str(history[1]["text"]) and history[1]["author"] == "bot"
        chat(base, session, "позовите человека", 2)
        history = wait_for(base, session, 4)
        assert "коллег" in str(history[3]["text"])
    finally:
        output = stop_server(server)
    assert "Traceback" not in output, output
    assert f"web chat {base}/chat · chat widget on a demo shop {base}/demo" in output
    assert (project / "var" / "demo-accounts.txt").exists()

    server = start_server(project, base)
    try:
        history = messages(base, session)
        assert [m["author"] for m in history] == ["customer", "bot", "customer", "bot"]
        chat(base, session, "я ещё жду", 3)
        history = wait_for(base, session, 6)  # stored for the operator, and answered
        assert [m["author"] for m in history[4:]] == ["customer", "bot"]
        # The person is waited for, not an order: the queue's status as the hour has it (out
        # of hours, nobody of the team online, or the minutes) — no order-status answer.
        status = str(history[5]["text"])
        assert status.startswith(QUEUE_STATUS), status
        time.sleep(0.5)
        assert len(messages(base, session)) == 6  # one status, no FAQ answer beside it
    finally:
        stop_server(server)


def test_webchat_rejects_forged_sessions_and_oversized_messages(served: tuple[str, Path]) -> None:
    base, project = served
    server = start_server(project, base)
    try:
        session = httpx.post(f"{base}/webchat/api/session").json()
        forged = {"visitor": session["visitor"], "token": "0" * 32, "text": "привет"}
        assert httpx.post(f"{base}/webchat/api/send", json=forged).status_code == 403
        assert (
            httpx.get(
                f"{base}/webchat/api/messages", params={"visitor": session["visitor"], "token": "x"}
            ).status_code
            == 403
        )
        too_long = {**session, "text": "а" * 4001}
        response = httpx.post(f"{base}/webchat/api/send", json=too_long)
        assert response.status_code == 413 and "4000" in response.json()["message"]
        bad = httpx.post(
            f"{base}/webchat/api/send",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert bad.status_code == 400
        assert json.loads(bad.text)["error"] == "bad_json"
    finally:
        stop_server(server)


def test_customers_forget_erases_what_the_customer_said(project: Path) -> None:
    said = zabota(
        "--project", str(project), "chat", "--user", "olga", stdin="доставка на Мира 15?\n"
    )
    assert said.returncode == 0, said.stderr
    database = project / "var" / "zabota.sqlite3"
    assert "Мира 15".encode() in database.read_bytes()

    unknown = zabota("--project", str(project), "customers", "forget", "--account", "terminal:x")
    assert unknown.returncode == 2 and "no such customer" in unknown.stderr
    by_phone = zabota("--project", str(project), "customers", "forget", "--phone", "8 (999) 1")
    assert by_phone.returncode == 2 and "no such customer" in by_phone.stderr
    malformed = zabota("--project", str(project), "customers", "forget", "--account", "olga")
    assert malformed.returncode == 2 and "CHANNEL:USER_ID" in malformed.stderr
    unconfirmed = zabota(
        "--project", str(project), "customers", "forget", "--account", "terminal:olga", stdin=""
    )
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert "Мира 15".encode() in database.read_bytes()  # nothing erased without consent

    done = zabota(
        "--project", str(project), "customers", "forget", "--account", "terminal:olga", "--yes"
    )
    assert done.returncode == 0, done.stderr
    assert "customer 1: terminal:olga; 1 conversation(s)" in done.stdout
    assert "erased: customers 1, identities 1, conversations 1, closed 1" in done.stdout
    import sqlite3

    with sqlite3.connect(database) as connection:
        texts = [row[0] for row in connection.execute("SELECT text FROM messages")]
    assert texts and set(texts) == {""}
    assert "Мира 15".encode() not in database.read_bytes()


async def test_demo_accounts_have_human_names_customers_can_read(
    db: Database, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from bot.cli import _ensure_demo_admin
    from bot.storage.models import Operator

    await db.upgrade()
    (tmp_path / "var").mkdir()
    await _ensure_demo_admin(db, tmp_path)
    async with db.read() as session:
        rows = (await session.scalars(select(Operator).order_by(Operator.id))).all()
    names = {o.username: (o.role, o.display_name) for o in rows}
    # A customer reads «Оператор Мария уже читает…», never «Оператор Администратор».
    assert names == {
        "admin": ("admin", "Мария"),
        "operator": ("operator", "Анна"),
        "editor": ("editor", "Ева"),
    }
    saved = (tmp_path / "var" / "demo-accounts.txt").read_text()
    assert [line.split(" / ")[0] for line in saved.splitlines()] == ["admin", "operator", "editor"]

"""The ``zabota`` command.

Exit codes scripts can rely on: 0 success; 1 unexpected failure; 2 bad usage or invalid
content/config (the problems are printed as ``file:line: …``); 3 database unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily at run time so that `zabota --help` answers at once
    from bot.config import Settings
    from bot.project import Project
    from bot.runtime import Runtime
    from bot.storage.db import Database
    from nlu.api import NLUModel

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_DB = 0, 1, 2, 3

log = logging.getLogger("zabota")


def _progress(message: str) -> None:
    print(f"• {message}", file=sys.stderr, flush=True)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "telegram", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _load(root: Path) -> Project:
    from bot.project import load_project

    return load_project(root)


def cmd_validate(args: argparse.Namespace) -> int:
    project = _load(args.project)
    for warning in project.warnings:  # Rasa parts not used: said, not dropped silently
        print(f"warning: {warning}", file=sys.stderr)
    examples = project.training_examples()
    print(
        f"OK: {len(project.kb)} FAQ entries, {len({e.intent for e in examples})} intents, "
        f"{len(examples)} training examples, {len(project.domain.responses)} responses"
    )
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from bot.project import train

    _progress("loading content")
    project = _load(args.project)
    examples = len(project.training_examples())
    started = time.perf_counter()
    # Said only once train() knows the cached model is not current: «up to date» comes alone.
    _, path, trained = train(
        project,
        force=args.force,
        on_training=lambda: _progress(f"training NLU on {examples} examples"),
    )
    seconds = time.perf_counter() - started
    verb = "trained" if trained else "up to date"
    print(f"{verb}: {path} ({seconds:.1f} s)")
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.storage.db import Database, upgrade

    settings = Settings.from_env(args.project)
    _progress(f"migrating {Database(settings.database_url).safe_url}")
    upgrade(settings.database_url)
    print("database is up to date")
    return EXIT_OK


async def _prepare(args: argparse.Namespace) -> tuple[Project, Settings, NLUModel]:
    from bot.config import Settings
    from bot.project import train
    from bot.storage.db import normalize_url

    _progress("loading content")
    project = _load(args.project)
    settings = Settings.from_env(args.project)
    normalize_url(settings.database_url)  # a URL that is not one fails now, not after training
    _progress("preparing NLU model")
    model, _, trained = await asyncio.to_thread(train, project)
    if trained:
        _progress("NLU model trained")
    return project, settings, model


def _assemble(
    project: Project,
    settings: Settings,
    model: NLUModel,
    *,
    messengers: bool = True,
    workers: int = 1,
) -> Runtime:
    from bot.assemble import add_channels
    from bot.project import make_brain
    from bot.runtime import Runtime

    runtime = Runtime(project, settings, make_brain(project, model), cluster=workers > 1)
    add_channels(runtime, messengers=messengers, rate_share=workers)
    return runtime


async def _build(args: argparse.Namespace, *, messengers: bool = True) -> Runtime:
    project, settings, model = await _prepare(args)
    runtime = _assemble(project, settings, model, messengers=messengers)
    _progress(f"database {runtime.db.safe_url}")
    await runtime.db.upgrade()
    return runtime


async def _ensure_demo_admin(db: Database, root: Path) -> None:
    import secrets

    from sqlalchemy import func, select

    from bot.storage.models import Operator
    from handoff.auth import create_operator

    async with db.write() as session:
        count = await session.scalar(select(func.count()).select_from(Operator))
        if count:
            return
        password = secrets.token_urlsafe(9)
        await create_operator(session, "admin", password, role="admin", display_name="Мария")
        await create_operator(
            session,
            "operator",
            password,
            role="operator",
            display_name="Анна",
            teams=["support", "sales", "billing"],
        )
        await create_operator(session, "editor", password, role="editor", display_name="Ева")
    note = root / "var" / "demo-accounts.txt"
    note.write_text(f"admin / {password}\noperator / {password}\neditor / {password}\n")
    print(
        f"Demo accounts: admin, operator and editor, password {password} (saved in {note})",
        flush=True,
    )


def listen(host: str, port: int, count: int = 1) -> list[socket.socket] | None:
    """The listening sockets, taken before anything slow (training, migrations): a port in
    use or an address not ours is said at once, in one line (``None``), not after the model
    is trained, as a uvicorn traceback."""
    from bot.workers import listening_sockets

    try:
        return listening_sockets(host, port, count)
    except OSError as exc:
        why = exc.strerror or str(exc)
        print(f"error: cannot listen on {host}:{port}: {why}", file=sys.stderr)
        return None


async def _run(args: argparse.Namespace) -> int:
    from bot.web.app import create_app
    from bot.web.serving import serve

    sockets = listen(args.host, args.port)
    if sockets is None:
        return EXIT_USAGE
    runtime = await _build(args)
    if args.demo:
        await _ensure_demo_admin(runtime.db, args.project)
    base = f"http://{args.host}:{args.port}"
    app = create_app(runtime, freeze_heap=True, demo_site=base if args.demo else None)
    _reload_on_sighup(runtime)
    print(f"Zabota is running: {addresses(base, demo=args.demo)}", flush=True)
    try:
        await serve(app, runtime.bus, sockets)
    finally:
        for sock in sockets:
            sock.close()
    return EXIT_OK


def addresses(base: str, *, demo: bool) -> str:
    """What ``zabota run`` serves at ``base``, for the line it prints when it is up."""
    shop = f" · chat widget on a demo shop {base}/demo" if demo else ""
    return f"web chat {base}/chat{shop} · operator console {base}/console · health {base}/healthz"


def _reload_on_sighup(runtime: Runtime) -> None:
    """``kill -HUP <pid>`` puts edited content live (validated and gated), like the console."""
    import signal

    from bot.reload import reload

    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[object]] = set()

    def schedule() -> None:
        task = loop.create_task(_reload_and_report(runtime, reload))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    loop.add_signal_handler(signal.SIGHUP, schedule)


async def _reload_and_report(runtime: Runtime, reload: Any) -> None:
    report = await reload(runtime)
    if report.ok:
        print(f"reloaded: {report.entries} FAQ entries, {report.intents} intents", flush=True)
    else:
        for line in [
            *report.problems,
            *(f"gate: {f}" for f in report.failures),
        ]:
            print(f"reload refused: {line}", file=sys.stderr, flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    if args.workers > 1:
        from bot.workers import run_workers

        return run_workers(args)
    return asyncio.run(_run(args))


CHAT_REPLY_WAIT = 60.0  # seconds `zabota chat` waits for a line's replies


async def _chat(args: argparse.Namespace) -> int:
    from bot.channels.terminal import TerminalChannel
    from bot.events import Inbound, InboundKind

    runtime = await _build(args, messengers=False)
    interactive = sys.stdin.isatty()
    user = args.user
    channel = TerminalChannel(sys.stdout, user=user, numbered=interactive)
    runtime.add_channel(channel)
    await runtime.start(migrate=False)
    try:
        if interactive:
            print("Пишите вопросы боту. Номер кнопки — нажать её. Выход: Ctrl+D.", flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, _read_line, interactive)
            if line is None:
                break
            line = line.strip()
            if not line:
                continue
            payload = channel.button_for(line)
            event = Inbound(
                channel=channel.name,
                external_id=uuid.uuid4().hex,
                user_id=user,
                chat_id=user,
                kind=InboundKind.BUTTON if payload else InboundKind.TEXT,
                text=line,
                payload=payload,
            )
            await runtime.process(event)
            # Each line's replies are printed before the next line is read. A busy machine
            # may need long for that; past the limit the replies still print, later.
            if not await runtime.outbox.wait_idle(timeout=CHAT_REPLY_WAIT, channel=channel.name):
                print(
                    f"note: no reply sent within {CHAT_REPLY_WAIT:.0f} s; going on",
                    file=sys.stderr,
                    flush=True,
                )
        # Stopping does not wait for the outbox: the last line's late replies first.
        await runtime.outbox.wait_idle(timeout=CHAT_REPLY_WAIT, channel=channel.name)
    finally:
        await runtime.stop()
    return EXIT_OK


def _read_line(interactive: bool) -> str | None:
    try:
        if interactive:
            return input("Вы: ")
        raw = sys.stdin.buffer.readline()
    except EOFError:
        return None
    return _decode_line(raw) if raw else None


_warned_encoding: list[bool] = []


def _decode_line(raw: bytes) -> str:
    """A line from a pipe or a file as text, whatever its bytes.

    UTF-8 as it should be; a file of questions saved by Windows is Windows-1251 (as the CSV
    import reads it: :func:`knowledge_base.table.read_table`); UTF-8 with a few broken bytes
    keeps what is readable and «�» for the rest. Never a traceback for the bytes of a line.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lenient = raw.decode("utf-8", "replace")
    if any(ord(c) > 127 and c != "\ufffd" for c in lenient):
        text, how = lenient, "as UTF-8, broken bytes replaced by «�»"
    else:
        text, how = raw.decode("cp1251", "replace"), "as Windows-1251"
    if not _warned_encoding:
        _warned_encoding.append(True)
        print(f"note: the input is not UTF-8; read {how}", file=sys.stderr, flush=True)
    return text


def cmd_chat(args: argparse.Namespace) -> int:
    return asyncio.run(_chat(args))


def _port(value: str) -> int:
    """``--port``: a TCP port, refused in one line by argparse (exit 2), not by ``bind()``."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0-65535")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number}: at least 1 is needed")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zabota",
        description="Zabota: customer-care chatbots for Telegram, Viber and web chat.",
    )
    parser.add_argument(
        "--project", type=Path, default=Path.cwd(), help="bot project directory (default: .)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", help="serve web chat, console, webhooks; poll Telegram if configured"
    )
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=_port, default=8000, help="0-65535 (0: any free port)")
    run.add_argument(
        "--demo",
        action="store_true",
        help="create demo operator accounts if none exist; serve a demo shop site at /demo",
    )
    run.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="processes serving the port (more than 1 needs PostgreSQL and webhooks)",
    )
    run.set_defaults(func=cmd_run)

    chat = sub.add_parser(
        "chat",
        help="talk to the bot in the terminal (reads lines from a pipe too)",
        description="Talk to the bot through the same pipeline as a messenger. At a terminal "
        "the bot's buttons are numbered: a line with a button's number presses it. From a "
        "pipe or a file every line is what the customer typed, digits too («2» is the text "
        "«2», say an answer or an order number). Anywhere, a line that is exactly a button's "
        "title (case ignored) presses that button, as a reply keyboard does in Telegram.",
    )
    chat.add_argument("--user", default="terminal", help="customer id for this session")
    chat.set_defaults(func=cmd_chat)

    train = sub.add_parser(
        "train", help="train the NLU model from the knowledge base and data/nlu.yml"
    )
    train.add_argument(
        "--force", action="store_true", help="retrain even if the content is unchanged"
    )
    train.set_defaults(func=cmd_train)

    validate = sub.add_parser("validate", help="check config, domain, knowledge base and NLU data")
    validate.set_defaults(func=cmd_validate)

    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser(
        "upgrade", help="apply migrations (DATABASE_URL or var/zabota.sqlite3)"
    ).set_defaults(func=cmd_db_upgrade)

    from bot.cli_gate import register as register_gate
    from bot.cli_kb import register as register_kb
    from bot.cli_operators import register as register_operators
    from bot.cli_privacy import register as register_privacy
    from nlu.cli import register

    register_operators(sub)
    register_kb(sub)
    register_gate(sub)
    register_privacy(sub)
    register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.config import SettingsError
    from bot.storage.db import DatabaseError
    from bot.yamlio import ContentError
    from handoff.auth import AccountError

    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    args.project = args.project.resolve()
    try:
        result = args.func(args)
    except ContentError as exc:
        print(f"{len(exc.problems)} problem(s) found:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    except (AccountError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DatabaseError, OSError) as exc:
        if isinstance(exc, OSError) and not _looks_like_db(exc):
            raise
        print(f"error: database unavailable: {exc}", file=sys.stderr)
        return EXIT_DB
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


def _looks_like_db(exc: OSError) -> bool:
    return isinstance(exc, ConnectionError) or "connect" in str(exc).lower()


if __name__ == "__main__":
    sys.exit(main())

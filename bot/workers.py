"""``zabota run --workers N``: N processes serving one port, over one PostgreSQL database.

One Python process uses one core. The parent loads the content and trains the NLU once, binds
the listening socket, freezes its heap and forks the workers, so the model (most of a
process's memory) is shared copy-on-write. Each worker runs its own event loop, database pool,
channels and outbox sender; the kernel spreads connections over the workers that accept on the
shared socket. What the workers share beyond the database is in :mod:`bot.cluster`.

The parent only supervises: it restarts a worker that dies (a worker that keeps dying at start
stops the whole server rather than loop forever), passes ``SIGHUP`` (reload the content) to
the first worker — which reloads and tells the others — and on ``SIGTERM``/``SIGINT`` stops
every worker gracefully and waits for them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import gc
import hashlib
import hmac
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.project import Project
    from nlu.api import NLUModel

log = logging.getLogger(__name__)

CRASH_WINDOW = 10.0
"""A worker that dies within this many seconds of its start counts as failing to start."""
MAX_START_FAILURES = 5


def _exit_with_parent(parent: int) -> None:
    """Linux: have the kernel send this worker SIGTERM when the supervisor dies (even by
    SIGKILL), so that no orphaned worker keeps serving; elsewhere, best effort."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


class Supervisor:
    def __init__(
        self,
        count: int,
        worker: Callable[[int], None],
        *,
        restart_delay: float = 1.0,
    ) -> None:
        if count < 1:
            raise ValueError("at least one worker")
        self.count = count
        self._worker = worker
        self._restart_delay = restart_delay
        self.children: dict[int, int] = {}  # pid → worker index
        self._started: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._stopping = False
        self._parent = os.getpid()

    def run(self) -> int:
        """Fork the workers and supervise them until stopped; the exit code for the CLI."""
        self._parent = os.getpid()
        gc.collect()
        gc.freeze()  # what the parent built stays in place: shared by the workers
        previous = {
            sig: signal.signal(sig, self._on_signal)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        }
        try:
            for index in range(self.count):
                self._spawn(index)
            return self._supervise()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _spawn(self, index: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                _exit_with_parent(self._parent)
                self._worker(index)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = index
        self._started[pid] = time.monotonic()
        log.info("worker %d started (pid %d)", index, pid)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            first = next((pid for pid, i in self.children.items() if i == 0), None)
            if first is not None:
                os.kill(first, signal.SIGHUP)
            return
        self._stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _supervise(self) -> int:
        code = 0
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            index = self.children.pop(pid, None)
            if index is None:
                continue
            lived = time.monotonic() - self._started.pop(pid)
            exit_code = os.waitstatus_to_exitcode(status)
            if self._stopping:
                continue
            log.error("worker %d (pid %d) exited with %d; restarting it", index, pid, exit_code)
            failures = self._failures.get(index, 0) + 1 if lived < CRASH_WINDOW else 0
            self._failures[index] = failures
            if failures >= MAX_START_FAILURES:
                log.error("worker %d keeps failing at start; stopping the server", index)
                code = 1
                self._on_signal(signal.SIGTERM, None)
                continue
            time.sleep(self._restart_delay)
            if not self._stopping:
                self._spawn(index)
        return code


def run_workers(args: argparse.Namespace) -> int:
    """``zabota run --workers N``: prepare once here, then serve from N forked workers."""
    from bot import cli

    sockets = cli.listen(args.host, args.port, args.workers)
    if sockets is None:
        return cli.EXIT_USAGE
    try:
        prepared = asyncio.run(_prepare(args))
    except ClusterRefused as exc:
        for sock in sockets:
            sock.close()
        print(f"error: {exc}", file=sys.stderr)
        return cli.EXIT_USAGE
    project, settings, model = prepared
    base = f"http://{args.host}:{args.port}"
    demo_site = base if args.demo else None
    print(
        f"Zabota is running ({args.workers} workers): {cli.addresses(base, demo=args.demo)}",
        flush=True,
    )
    return serve_forked(project, settings, model, sockets, demo_site=demo_site)


def serve_forked(
    project: Project,
    settings: Settings,
    model: NLUModel,
    sockets: list[socket.socket],
    *,
    demo_site: str | None = None,
) -> int:
    """Fork one worker per socket (:func:`listening_sockets`) and supervise them until
    stopped; the database must be migrated already. Closes the sockets at the end.
    ``demo_site``: see :func:`bot.web.app.create_app`."""
    # Lazily loaded NLU parts (lemmatiser dictionaries, encoder weights) load here, once,
    # and are shared with the workers instead of being loaded by each.
    model.predict("здравствуйте, как вернуть товар?")
    count = len(sockets)

    def worker(index: int) -> None:
        sock = own_socket(sockets, index)
        asyncio.run(_serve(project, settings, model, sock, count, demo_site))

    try:
        return Supervisor(count, worker).run()
    finally:
        for sock in sockets:
            sock.close()


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """One listening socket per worker on the same port (``SO_REUSEPORT``).

    With one shared socket, whichever worker happens to be waiting in ``accept`` takes the
    next connection, and keep-alive connections (the messengers' and a load balancer's) pile
    up on one worker while the other idles: measured here, a p99 webhook acknowledgement of
    1 s at 50 msg/s with the CPU half used. Per-worker sockets let the kernel spread new
    connections evenly. The parent keeps them all open, so a restarted worker finds the
    connections that queued up on its socket meanwhile.
    """
    if not hasattr(socket, "SO_REUSEPORT"):  # pragma: no cover - not Linux/BSD
        return [socket.create_server((host, port), backlog=2048)] * count
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sockets.append(socket.create_server((host, port), backlog=2048, reuse_port=True))
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def own_socket(sockets: list[socket.socket], index: int) -> socket.socket:
    """In a worker: its socket; the others' are closed in this process."""
    mine = sockets[index]
    for sock in sockets:
        if sock is not mine:
            sock.close()
    return mine


class ClusterRefused(Exception):
    """This deployment cannot run in several processes; the message says why."""


async def _prepare(args: argparse.Namespace) -> tuple[Project, Settings, NLUModel]:
    from bot import cli
    from bot.assemble import secret_bytes
    from bot.storage.db import Database

    project, settings, model = await cli._prepare(args)
    db = Database(settings.database_url)
    try:
        if db.is_sqlite:
            raise ClusterRefused(
                "--workers needs PostgreSQL (DATABASE_URL=postgresql://…): SQLite allows "
                "one writer, so run one process on it"
            )
        if settings.telegram_token and not settings.public_url:
            raise ClusterRefused(
                "Telegram long-polling needs a single process: set ZABOTA_PUBLIC_URL "
                "(webhook mode) or run without --workers"
            )
        key = secret_bytes(settings, project.root)  # created here, not raced by the workers
        if settings.telegram_token and not settings.telegram_secret:
            # Every worker must register and check the same webhook secret.
            digest = hmac.new(key, b"telegram-webhook-secret", hashlib.sha256).digest()
            secret = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            settings = dataclasses.replace(settings, telegram_secret=secret)
        cli._progress(f"database {db.safe_url}")
        await db.upgrade()
        if args.demo:
            await cli._ensure_demo_admin(db, args.project)
    finally:
        await db.dispose()
    return project, settings, model


async def _serve(
    project: Project,
    settings: Settings,
    model: NLUModel,
    sock: socket.socket,
    workers: int,
    demo_site: str | None,
) -> None:
    from bot import cli
    from bot.web.app import create_app
    from bot.web.serving import serve

    runtime = cli._assemble(project, settings, model, workers=workers)
    app = create_app(runtime, freeze_heap=True, migrate=False, demo_site=demo_site)
    cli._reload_on_sighup(runtime)
    await serve(app, runtime.bus, [sock])

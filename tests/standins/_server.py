"""Plumbing shared by the messenger stand-ins: a real uvicorn server on 127.0.0.1 with a free
port, call recording, fault injection and cross-loop «wait until» notifications.

A stand-in runs either in the caller's event loop (default; simplest for tests) or in its own
thread with its own loop (``thread=True``; for load benchmarks, so the bot under test and the
fake messenger don't compete for one loop). Recording and waiting work in both modes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette


@dataclass(frozen=True, slots=True)
class Call:
    """One API request the stand-in received."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    size: int = 0  # request body bytes


@dataclass(frozen=True, slots=True)
class Fault:
    """A canned response served instead of the real one (after an optional ``delay``)."""

    status: int = 200
    body: dict[str, Any] | None = None
    delay: float = 0.0


class Changes:
    """Wake waiters (in any loop/thread) whenever the stand-in's state changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if loop.is_closed():
                continue
            with contextlib.suppress(RuntimeError):  # loop closed concurrently
                loop.call_soon_threadsafe(event.set)

    async def wait_for(self, predicate: Callable[[], bool], within: float) -> None:
        """Return once ``predicate()`` holds; ``TimeoutError`` after ``within`` seconds."""
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.append(entry)
        try:
            async with asyncio.timeout(within):
                while not predicate():
                    await event.wait()
                    event.clear()
        finally:
            with self._lock:
                self._waiters.remove(entry)


class StandIn:
    """Base of the stand-ins: subclasses provide :meth:`build_app`."""

    def __init__(self) -> None:
        self.base_url = ""
        self.calls: list[Call] = []
        self._faults: dict[str, deque[Fault]] = {}
        self.changes = Changes()

    def build_app(self) -> Starlette:
        raise NotImplementedError

    # -- recording / faults ------------------------------------------------------------------

    def record(self, method: str, params: dict[str, Any], size: int = 0) -> Call:
        call = Call(method, params, size=size)
        self.calls.append(call)
        self.changes.notify()
        return call

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def fail_next(self, method: str, fault: Fault, times: int = 1) -> None:
        """Serve ``fault`` for the next ``times`` calls of ``method`` (``"*"``: any method)."""
        self._faults.setdefault(method, deque()).extend([fault] * times)

    def take_fault(self, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                return queue.popleft()
        return None

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        await self.changes.wait_for(predicate, within)

    # -- running -----------------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def running(cls, *, thread: bool = False, **kwargs: Any) -> AsyncIterator[Self]:
        """Start a stand-in on a free port; ``base_url`` is set while inside the block."""
        stand_in = cls(**kwargs)
        runner = _serve_in_thread if thread else _serve_here
        async with runner(stand_in.build_app()) as base_url:
            stand_in.base_url = base_url
            try:
                yield stand_in
            finally:
                stand_in.close()

    def close(self) -> None:
        """Hook: release long-polls etc. before the server shuts down."""


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted sockets: without it every response stalls ~40 ms on Nagle +
    # delayed ACK (headers and body are written separately), capping a client at ~25 req/s.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _server(app: Starlette) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        backlog=2048,
    )
    return uvicorn.Server(config)


@asynccontextmanager
async def _serve_here(app: Starlette) -> AsyncIterator[str]:
    """Drive uvicorn's startup/shutdown directly: ``Server.serve`` polls its exit flag every
    0.1 s, which would add that much to every test."""
    sock = _bound_socket()
    server = _server(app)
    config = server.config
    if not config.loaded:
        config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await server.shutdown(sockets=[sock])
        sock.close()


@asynccontextmanager
async def _serve_in_thread(app: Starlette) -> AsyncIterator[str]:
    sock = _bound_socket()
    server = _server(app)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True, name="standin"
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("stand-in server failed to start")
            await asyncio.sleep(0.002)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
        sock.close()

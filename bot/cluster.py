"""Several processes, one deployment: what they must tell each other, over PostgreSQL.

``zabota run --workers N`` (or several hosts with ``ZABOTA_CLUSTER=1``) runs one bot in several
processes over one PostgreSQL database. The database already keeps them consistent: every
message is claimed once from the inbox, a customer's messages are processed one at a time
(:func:`chat_lock_key`, a transaction-scoped advisory lock), and outbox rows are leased. What
lives in a process's memory is shared here, with ``LISTEN/NOTIFY`` on one extra connection:

* the :class:`~bot.bus.Bus` events («conversation 17 changed»), so an operator's console or a
  web chat long-poll served by one process hears about a message another process handled;
* «the content was reloaded» (the editor published or taught something), so every process
  reloads the same files.

Notifications are hints, as bus events always were: a console refetches state from the
database. If the link drops, events of that moment are lost (logged); on reconnecting, the
process reloads the content once, since it may have missed a reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.bus import Bus, BusEvent
from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

CHANNEL = "zabota_cluster"
MAX_PAYLOAD = 7900
"""Bytes per ``NOTIFY`` (PostgreSQL refuses payloads of 8000 bytes and more)."""


def chat_lock_key(channel: str, user_id: str) -> int:
    """The advisory-lock key of one customer's chat: a signed 64-bit hash."""
    digest = hashlib.blake2b(f"{channel}\0{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def asyncpg_dsn(url: str) -> str:
    """``postgresql+asyncpg://…`` (SQLAlchemy) → ``postgresql://…`` (asyncpg)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _encode_event(event: BusEvent) -> dict[str, Any]:
    return {
        "t": "bus",
        "k": event.kind,
        "c": event.conversation_id,
        "u": event.customer_id,
        "d": event.data,
    }


def _payloads(node: str, items: list[dict[str, Any]]) -> list[str]:
    """Pack items into as few ``NOTIFY`` payloads as fit; an item too big alone loses its data."""
    out: list[str] = []
    batch: list[str] = []
    size = 0
    overhead = len(json.dumps({"n": node, "m": []}))
    for item in items:
        text = json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=str)
        if overhead + len(text.encode()) > MAX_PAYLOAD:
            text = json.dumps({**item, "d": {"truncated": True}}, separators=(",", ":"))
        length = len(text.encode()) + 1
        if batch and overhead + size + length > MAX_PAYLOAD:
            out.append(f'{{"n":{json.dumps(node)},"m":[{",".join(batch)}]}}')
            batch, size = [], 0
        batch.append(text)
        size += length
    if batch:
        out.append(f'{{"n":{json.dumps(node)},"m":[{",".join(batch)}]}}')
    return out


class ClusterLink:
    """This process's link to the others: forwards its bus events, relays theirs and reloads."""

    def __init__(
        self,
        url: str,
        bus: Bus,
        *,
        on_reload: Callable[[], Awaitable[object]] | None = None,
        reconnect_delay: float = 1.0,
    ) -> None:
        self.dsn = asyncpg_dsn(url)
        self.bus = bus
        self.node = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._on_reload = on_reload
        self._reconnect_delay = reconnect_delay
        self._conn: asyncpg.Connection | None = None
        self._pending: list[dict[str, Any]] = []
        self._ready = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._reloading: asyncio.Task[None] | None = None
        self._reload_again = False
        self._stop_forwarding: Callable[[], None] | None = None
        self._stopping = False
        self._last_drop_log = 0.0
        self.sent = 0
        self.received = 0
        self.dropped = 0

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def start(self) -> None:
        """Connect and listen; raises if PostgreSQL cannot be reached (a deployment error)."""
        self._stopping = False
        await self._connect()
        self._stop_forwarding = self.bus.forward_to(self._forward)
        self._flusher = asyncio.create_task(self._flush_loop(), name="cluster-notify")

    async def stop(self) -> None:
        self._stopping = True
        if self._stop_forwarding is not None:
            self._stop_forwarding()
            self._stop_forwarding = None
        if self._pending and self.connected:
            with contextlib.suppress(Exception):
                await self._send(self._take())
        for task in (self._flusher, self._reconnecting, self._reloading):
            await cancel_and_wait(task)
        self._flusher = self._reconnecting = self._reloading = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=2)
            self._conn = None

    def announce_reload(self) -> None:
        """Tell the other processes to reload the content from disk."""
        self._pending.append({"t": "reload"})
        self._ready.set()

    # -- sending -----------------------------------------------------------------------------

    def _forward(self, event: BusEvent) -> None:
        self._pending.append(_encode_event(event))
        self._ready.set()  # the flusher runs next loop iteration: one NOTIFY per iteration

    def _take(self) -> list[dict[str, Any]]:
        items, self._pending = self._pending, []
        return items

    async def _flush_loop(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            items = self._take()
            if not items:
                continue
            try:
                await self._send(items)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._drop(len(items), exc)

    async def _send(self, items: list[dict[str, Any]]) -> None:
        conn = self._conn
        if conn is None or conn.is_closed():
            self._drop(len(items), ConnectionError("not connected"))
            return
        for payload in _payloads(self.node, items):
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
        self.sent += len(items)

    def _drop(self, count: int, exc: Exception) -> None:
        self.dropped += count
        now = time.monotonic()
        if now - self._last_drop_log > 10:
            self._last_drop_log = now
            log.warning("cluster link: %d notification(s) not sent: %s", count, exc)

    # -- receiving ---------------------------------------------------------------------------

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            origin, items = str(message["n"]), list(message["m"])
        except (ValueError, KeyError, TypeError):
            log.warning("cluster link: ignored a malformed notification")
            return
        if origin == self.node:
            return
        for item in items:
            self.received += 1
            if item.get("t") == "reload":
                self._schedule_reload()
            elif item.get("t") == "bus":
                self.bus.publish(
                    BusEvent(
                        str(item.get("k")),
                        item.get("c"),
                        item.get("u"),
                        dict(item.get("d") or {}),
                        origin=origin,
                    )
                )

    def _schedule_reload(self) -> None:
        if self._on_reload is None:
            return
        if self._reloading is not None and not self._reloading.done():
            self._reload_again = True  # one more after this one: the files changed again
            return
        self._reloading = asyncio.create_task(self._reload(), name="cluster-reload")

    async def _reload(self) -> None:
        assert self._on_reload is not None
        while True:
            self._reload_again = False
            try:
                await self._on_reload()
            except Exception:
                log.exception("cluster link: reloading the content another process published")
            if not self._reload_again:
                return

    # -- connection --------------------------------------------------------------------------

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=10)
        await conn.add_listener(CHANNEL, self._on_notify)
        conn.add_termination_listener(self._on_lost)
        self._conn = conn

    def _on_lost(self, _conn: object) -> None:
        if self._stopping or (self._reconnecting is not None and not self._reconnecting.done()):
            return
        log.warning("cluster link: connection to PostgreSQL lost; reconnecting")
        self._reconnecting = asyncio.create_task(self._reconnect(), name="cluster-reconnect")

    async def _reconnect(self) -> None:
        delay = self._reconnect_delay
        while not self._stopping:
            await asyncio.sleep(delay)
            try:
                await self._connect()
            except Exception as exc:
                log.warning("cluster link: reconnect failed (%s); retrying", exc)
                delay = min(delay * 2, 30.0)
                continue
            log.info("cluster link: reconnected")
            self._schedule_reload()  # a reload may have been announced while we were away
            return

"""Small test doubles shared by channel tests and the lead's end-to-end tests."""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.events import Inbound, OutboundFile
from tests.standins._server import _serve_here


class MemoryPayloadStore:
    """Dict-backed :class:`bot.channels.base.PayloadStore`."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self._ids = itertools.count(1)

    async def put(self, payload: str) -> str:
        key = f"p{next(self._ids)}"
        self.data[key] = payload
        return key

    async def get(self, key: str) -> str | None:
        return self.data.get(key)


class MemoryFileStore:
    """Dict-backed :class:`bot.channels.base.FileStore`.

    ``public_url`` is None (no ``ZABOTA_PUBLIC_URL``) until :meth:`serving` serves the files
    over HTTP on 127.0.0.1, where a messenger stand-in can fetch them like Viber does::

        files = MemoryFileStore()
        pdf = files.add("акт.pdf", b"%PDF-1.4 ...")
        async with files.serving():
            await channel.send(user, Outbound("Ваш акт", file=pdf))
    """

    def __init__(self) -> None:
        self.files: dict[str, tuple[OutboundFile, bytes]] = {}
        self.base_url: str | None = None
        self.fetched: list[str] = []  # tokens fetched over HTTP, in order

    def add(self, name: str, content: bytes, mime_type: str | None = None) -> OutboundFile:
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        file = OutboundFile(secrets.token_urlsafe(12), name, mime, len(content))
        self.files[file.token] = (file, content)
        return file

    def erase(self, file: OutboundFile) -> None:
        """Delete it, as erasing the customer's data does."""
        self.files.pop(file.token, None)

    async def read(self, token: str) -> bytes | None:
        entry = self.files.get(token)
        return entry[1] if entry else None

    def public_url(self, file: OutboundFile) -> str | None:
        if self.base_url is None:
            return None
        return f"{self.base_url}/files/{file.token}/{quote(file.name)}"

    async def _serve(self, request: Request) -> Response:
        token = request.path_params["token"]
        self.fetched.append(token)
        entry = self.files.get(token)
        if entry is None:
            return Response(status_code=404)
        return Response(entry[1], media_type=entry[0].mime_type)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Serve ``GET /files/{token}/{name}`` on a free loopback port; yields the base URL."""
        app = Starlette(routes=[Route("/files/{token}/{name}", self._serve)])
        async with _serve_here(app) as base_url:
            self.base_url = base_url
            try:
                yield base_url
            finally:
                self.base_url = None


class Collector:
    """An ``on_event`` callback that records what a channel handed over."""

    def __init__(self) -> None:
        self.events: list[Inbound] = []
        self._changed = asyncio.Event()

    async def __call__(self, inbound: Inbound) -> None:
        self.events.append(inbound)
        self._changed.set()

    async def wait(self, count: int, within: float = 5.0) -> list[Inbound]:
        """Wait until at least ``count`` events arrived; return them all."""
        async with asyncio.timeout(within):
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.events

"""The aiohttp backend of the Telegram send pool, over real HTTP on loopback.

Through :class:`TelegramChannel` against the Bot API stand-in (what the customer saw, our error
tree), and through a bare PTB ``Bot`` against smaller servers: a recorder that keeps each
request exactly as it arrived, and a raw socket server that answers a canned getMe or never.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from starlette.datastructures import UploadFile
from starlette.requests import Request
from telegram import Bot
from telegram import error as tg_error
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels._aiohttp_request import POOL_TIMEOUT_MESSAGE, AiohttpRequest
from bot.channels._telegram_outbound import map_error
from bot.channels.base import RetryAfter, TransientError
from bot.channels.telegram import TelegramChannel, TelegramSettings
from bot.events import Button, Outbound
from tests.standins import TelegramStandIn, TgFault
from tests.standins._server import _serve_here
from tests.standins._telegram_wire import DEFAULT_TOKEN as TOKEN
from tests.standins.support import MemoryPayloadStore

CHAT = 4242


def make_channel(tg: TelegramStandIn, **extra: Any) -> TelegramChannel:
    return TelegramChannel(
        TelegramSettings(
            token=tg.token, api_url=tg.api_url, payload_store=MemoryPayloadStore(), **extra
        )
    )


@asynccontextmanager
async def bot_at(api_url: str, request: BaseRequest, *, init: bool = True) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, base_url=f"{api_url}/bot", request=request)
    try:
        if init:
            await bot.initialize()
        else:
            await request.initialize()
        yield bot
    finally:
        await bot.shutdown()
        await request.shutdown()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- a recorder: every request as it arrived ----------------------------------------------------


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str | tuple[str | None, str | None, bytes]]

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _message() -> dict[str, Any]:
    return {"message_id": 1, "date": int(time.time()), "chat": {"id": CHAT, "type": "private"}}


class Recorder:
    """A raw ASGI Bot API double (raw, so proxied absolute-form requests reach it too)."""

    RESULTS: ClassVar[dict[str, Callable[[], Any]]] = {
        "getMe": lambda: {"id": 1, "is_bot": True, "first_name": "Zabota", "username": "z_bot"},
        "sendMessage": lambda: {**_message(), "text": "hi"},
        "sendDocument": lambda: {
            **_message(),
            "document": {"file_id": "D1", "file_unique_id": "d1"},
        },
    }

    def __init__(self) -> None:
        self.seen: list[Seen] = []

    def calls(self, method: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        form: dict[str, str | tuple[str | None, str | None, bytes]] = {}
        async with Request(scope, replay).form() as parsed:  # (closes the upload's temp file)
            for key, value in parsed.multi_items():
                if isinstance(value, UploadFile):
                    form[key] = (value.filename, value.content_type, await value.read())
                else:
                    form[key] = value
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        seen = Seen(scope["path"], headers, body, form)
        self.seen.append(seen)
        make = self.RESULTS.get(seen.method)
        payload = {"ok": True, "result": make() if make else True}
        raw = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": raw})


@asynccontextmanager
async def recorder() -> AsyncIterator[tuple[str, Recorder]]:
    app = Recorder()
    async with _serve_here(app) as url:  # type: ignore[arg-type]
        yield url, app


@dataclass
class RawServer:
    url: str
    received: list[bytes]  # every chunk read, from all connections
    open_connections: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)  # no connection open


def http_response(status: str, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


GET_ME_RESPONSE = http_response("200 OK", {"ok": True, "result": Recorder.RESULTS["getMe"]()})


@asynccontextmanager
async def raw_server(answer: bytes | None = None) -> AsyncIterator[RawServer]:
    """Reads requests and answers each with ``answer`` (keep-alive; bodiless requests only),
    or never (``None``)."""
    state = RawServer("", [])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.open_connections += 1
        state.idle.clear()
        try:
            while True:  # until the client closes
                if answer is None:
                    chunk = await reader.read(65536)
                else:
                    chunk = await reader.readuntil(b"\r\n\r\n")
                    writer.write(answer)
                if not chunk:
                    break
                state.received.append(chunk)
        except asyncio.IncompleteReadError:
            pass  # closed between requests
        finally:
            state.open_connections -= 1
            if not state.open_connections:
                state.idle.set()
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def silent_server() -> AsyncIterator[tuple[str, list[bytes]]]:
    """Accepts connections and reads requests, but never answers."""
    async with raw_server() as server:
        yield server.url, server.received


# -- through the channel, against the stand-in ------------------------------------------------


async def test_channel_sends_through_aiohttp() -> None:
    async with TelegramStandIn.running() as tg:
        assert isinstance(make_channel(tg).bot.request, AiohttpRequest)


async def test_send_arrives_with_text_and_keyboard() -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg)
        try:
            ids = await channel.send(
                str(CHAT),
                Outbound(
                    "Возврат — 14 дней <без> вопросов",
                    buttons=(
                        Button("Сроки", "faq:refund_time"),
                        Button("Сайт", "", url="https://x.ru"),
                    ),
                ),
            )
            [seen] = tg.sent_to(CHAT)
            assert ids == [str(seen.message_id)]
            assert seen.text == "Возврат — 14 дней <без> вопросов"
            assert seen.keyboard == "inline"
            assert [(b.text, b.callback_data, b.url) for row in seen.buttons for b in row] == [
                ("Сроки", "faq:refund_time", None),
                ("Сайт", None, "https://x.ru"),
            ]
        finally:
            await channel.stop()


async def test_429_becomes_retry_after() -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg)
        try:
            tg.fail_next("sendMessage", TgFault.too_many_requests(7))
            with pytest.raises(RetryAfter) as info:
                await channel.send(str(CHAT), Outbound("hi"))
            assert info.value.seconds == 7
            assert len(tg.calls_to("sendMessage")) == 1
            assert tg.texts(CHAT) == []
        finally:
            await channel.stop()


@pytest.mark.parametrize("code", [500, 502])
async def test_5xx_becomes_transient(code: int) -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg)
        try:
            tg.fail_next("sendMessage", TgFault.server_error(code))
            with pytest.raises(TransientError):
                await channel.send(str(CHAT), Outbound("hi"))
            assert len(tg.calls_to("sendMessage")) == 1
            await channel.send(str(CHAT), Outbound("again"))  # the pool survives the error
            assert tg.texts(CHAT) == ["again"]
        finally:
            await channel.stop()


async def test_stop_then_send_again_reopens_the_pool() -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg)
        try:
            await channel.send(str(CHAT), Outbound("one"))
            await channel.stop()
            await channel.stop()  # idempotent
            await channel.send(str(CHAT), Outbound("two"))
            assert tg.texts(CHAT) == ["one", "two"]
            assert len(tg.calls_to("getMe")) == 2
        finally:
            await channel.stop()


# -- timeouts and network errors ------------------------------------------------------------


async def test_unanswered_request_times_out_on_read() -> None:
    async with silent_server() as (url, received):
        request = AiohttpRequest(read_timeout=0.3)
        async with bot_at(url, request, init=False) as bot:
            start = time.monotonic()
            with pytest.raises(tg_error.TimedOut) as info:
                async with asyncio.timeout(5):  # (without a read timeout: TimeoutError here)
                    await bot.send_message(CHAT, "hi")
            assert 0.25 < time.monotonic() - start < 2.0
        assert b"POST /bot" in b"".join(received)  # it was sent; the answer never came
        assert "SocketTimeoutError" in info.value.message
        assert isinstance(map_error(info.value), TransientError)


async def test_unanswered_request_through_the_channel_is_transient() -> None:
    async with silent_server() as (url, received):
        channel = TelegramChannel(
            TelegramSettings(
                token=TOKEN, api_url=url, payload_store=MemoryPayloadStore(), request_timeout=0.3
            )
        )
        with pytest.raises(TransientError, match="Timed out"):
            async with asyncio.timeout(5):
                await channel.send(str(CHAT), Outbound("hi"))  # its getMe never gets an answer
        await channel.stop()
    assert b"/getMe" in b"".join(received)


async def test_call_timeout_overrides_the_default() -> None:
    async with silent_server() as (url, _):
        request = AiohttpRequest(read_timeout=30.0)
        async with bot_at(url, request, init=False) as bot:
            start = time.monotonic()
            with pytest.raises(tg_error.TimedOut):
                async with asyncio.timeout(5):
                    await bot.send_message(CHAT, "hi", read_timeout=0.2)
            assert time.monotonic() - start < 2.0


async def test_connection_refused_is_network_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with bot_at(url, AiohttpRequest(), init=False) as bot:
        with pytest.raises(tg_error.NetworkError) as info:
            await bot.send_message(CHAT, "hi")
    assert not isinstance(info.value, tg_error.TimedOut)
    assert info.value.message.startswith("aiohttp.ClientConnectorError: ")
    assert isinstance(map_error(info.value), TransientError)

    async with TelegramStandIn.running() as tg:
        channel = TelegramChannel(
            TelegramSettings(token=tg.token, api_url=url, payload_store=MemoryPayloadStore())
        )
        with pytest.raises(TransientError, match=r"aiohttp\.ClientConnectorError"):
            await channel.send(str(CHAT), Outbound("hi"))
        await channel.stop()


@pytest.mark.skipif(
    sys.platform != "linux", reason="relies on Linux dropping SYNs at a full backlog"
)
async def test_connect_timeout_says_not_sent_and_hides_the_token() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepted: once the queue is full, connects hang
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            request = AiohttpRequest(connect_timeout=0.3)
            async with bot_at(f"http://127.0.0.1:{port}", request, init=False) as bot:
                with pytest.raises(tg_error.TimedOut) as info:
                    await bot.send_message(CHAT, "hi")
        finally:
            for filler in fillers:
                filler.close()
    assert "not sent" in info.value.message
    assert "ConnectionTimeoutError" in info.value.message
    assert TOKEN not in info.value.message and "/bot<token>/sendMessage" in info.value.message


async def test_pool_timeout_is_timed_out_and_not_sent() -> None:
    async with TelegramStandIn.running() as tg:
        request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.2)
        async with bot_at(tg.api_url, request) as bot:
            tg.fail_next("sendMessage", TgFault.slow(1.0))
            first = asyncio.create_task(bot.send_message(CHAT, "slow"))
            await tg.wait_for(lambda: len(tg.calls_to("sendMessage")) == 1)
            with pytest.raises(tg_error.TimedOut) as info:
                await bot.send_message(CHAT, "waits for the one connection")
            assert info.value.message == POOL_TIMEOUT_MESSAGE
            assert len(tg.calls_to("sendMessage")) == 1  # the second was not sent
            await first
            await bot.send_message(CHAT, "after")  # the slot came back
        assert tg.texts(CHAT) == ["slow", "after"]


# -- what goes over the wire ----------------------------------------------------------------


async def test_wire_format_matches_httpx() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Да & нет", callback_data="a=b&c")]])
    async with recorder() as (url, rec):
        for request in (HTTPXRequest(), AiohttpRequest()):
            async with bot_at(url, request, init=False) as bot:
                await bot.send_message(CHAT, "Привет +1 & <b>", reply_markup=markup)
    httpx_call, aiohttp_call = rec.calls("sendMessage")
    assert aiohttp_call.body == httpx_call.body
    assert aiohttp_call.form["text"] == "Привет +1 & <b>"
    assert json.loads(str(aiohttp_call.form["reply_markup"])) == markup.to_dict()
    for header in ("content-type", "content-length", "user-agent"):
        assert aiohttp_call.headers[header] == httpx_call.headers[header], header
    assert aiohttp_call.headers["user-agent"] == BaseRequest.USER_AGENT
    assert aiohttp_call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "cookie" not in aiohttp_call.headers


async def test_multipart_upload_arrives_intact() -> None:
    content = bytes(range(256)) * 40 + b"\r\n--not-a-boundary\r\n"
    async with recorder() as (url, rec), bot_at(url, AiohttpRequest()) as bot:
        sent = await bot.send_document(
            CHAT, document=content, filename="акт №1.pdf", caption="Ваш акт"
        )
    assert sent.document is not None and sent.document.file_id == "D1"
    [call] = rec.calls("sendDocument")
    assert call.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert call.headers["user-agent"] == BaseRequest.USER_AGENT
    assert call.form["document"] == ("акт №1.pdf", "application/pdf", content)
    assert call.form["caption"] == "Ваш акт"
    assert call.form["chat_id"] == str(CHAT)


async def test_shutdown_then_initialize_again() -> None:
    async with recorder() as (url, rec):
        request = AiohttpRequest()
        bot = Bot(TOKEN, base_url=f"{url}/bot", request=request)
        with pytest.raises(tg_error.NetworkError, match="not initialized"):
            await bot.send_message(CHAT, "before")
        await request.initialize()
        await request.initialize()  # idempotent: the same session stays
        await bot.send_message(CHAT, "one")
        await request.shutdown()
        await request.shutdown()  # idempotent
        with pytest.raises(tg_error.NetworkError, match="not initialized"):
            await bot.send_message(CHAT, "while down")
        await request.initialize()
        await bot.send_message(CHAT, "two")
        await request.shutdown()
    assert [c.form["text"] for c in rec.calls("sendMessage")] == ["one", "two"]


async def test_shutdown_closes_the_connections() -> None:
    async with raw_server(GET_ME_RESPONSE) as server:
        request = AiohttpRequest()
        async with bot_at(server.url, request) as bot:  # getMe
            await bot.get_me()
            assert b"".join(server.received).count(b"POST /bot") == 2
            assert server.open_connections == 1  # kept alive and reused
            await request.shutdown()
            async with asyncio.timeout(2):
                await server.idle.wait()
            await request.initialize()
            await bot.get_me()
            assert server.open_connections == 1


async def test_channel_stop_closes_the_pool_after_a_failed_get_me() -> None:
    error = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    async with raw_server(http_response("500 Internal Server Error", error)) as server:
        channel = TelegramChannel(
            TelegramSettings(token=TOKEN, api_url=server.url, payload_store=MemoryPayloadStore())
        )
        with pytest.raises(TransientError):
            await channel.send(str(CHAT), Outbound("hi"))  # PTB's initialize: getMe fails
        assert server.open_connections == 1
        await channel.stop()
        async with asyncio.timeout(2):
            await server.idle.wait()


# -- proxies from the environment, as httpx honours them ------------------------------------


async def test_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    async with recorder() as (proxy_url, rec):
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with bot_at("http://api.telegram.invalid", AiohttpRequest()) as bot:
            await bot.send_message(CHAT, "via proxy")
    [call] = rec.calls("sendMessage")
    assert call.headers["host"] == "api.telegram.invalid"
    assert call.form["text"] == "via proxy"


async def test_no_proxy_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with TelegramStandIn.running() as tg:
        async with bot_at(tg.api_url, AiohttpRequest()) as bot:
            await bot.send_message(CHAT, "direct")
        assert tg.texts(CHAT) == ["direct"]

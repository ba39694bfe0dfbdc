"""A python-telegram-bot networking backend on aiohttp, for the channel's send pool.

Why: CPU. One ``TelegramChannel.send`` to the local Bot API stand-in (``python -m
bench.cost_per_message``) costs 1.1–2.0 ms through PTB's :class:`telegram.request.HTTPXRequest`
and 0.5–0.7 ms through this class; PTB's own part of a call is ~0.11 ms, the rest was
httpx/httpcore's per-request machinery, ~5 % of the bot's CPU per message under load. aiohttp
is installed anyway (aioviberbot needs it). PTB supports custom backends through
:class:`telegram.request.BaseRequest`; this one follows ``HTTPXRequest``'s contract: the same
constructor defaults, form-encoded JSON parameters, multipart uploads, PTB's ``User-Agent``,
``TimedOut`` for timeouts and ``NetworkError("aiohttp.<Type>: …")`` for everything else.

Only the send pool uses it. ``getUpdates`` (polling, local development only) stays on
``HTTPXRequest``: one long-poll per 25 s has no CPU worth saving, and PTB's own backend keeps
that rarely exercised path on the code PTB tests.

Parity details that aiohttp would otherwise change:

* ``trust_env`` stays off (with it aiohttp reads ``~/.netrc`` and the proxy variables in a
  thread on *every* request); instead ``HTTP(S)_PROXY``/``ALL_PROXY``/``NO_PROXY`` are resolved
  once per origin, as httpx does once per client.
* No redirects are followed and no cookies are kept (httpx follows none; Telegram sets none).
* Error texts (which the outbox stores) never carry the bot token: some aiohttp errors quote
  the request URL, ``…/bot<token>/sendMessage``.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import urllib.request
from urllib.parse import urlencode, urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue  # what HTTPXRequest checks against
from telegram._utils.types import ODVInput, UploadFileDict  # BaseRequest's own annotations
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)

_FORM = "application/x-www-form-urlencoded"
_TOKEN_IN_URL = re.compile(r"(/bot)[^/\s'\"]+(?=/)")  # .../bot<token>/sendMessage

# httpx's (HTML5) escaping of multipart filenames; aiohttp itself only backslash-escapes and
# refuses CR/LF outright.
_FILENAME_ESCAPES = {c: f"%{c:02X}" for c in range(0x20) if c != 0x1B} | {ord('"'): "%22"}


def _body(
    params: dict[str, str] | None, files: UploadFileDict | None
) -> aiohttp.FormData | aiohttp.BytesPayload | None:
    """What httpx sends for ``data=params, files=files``: a form, multipart if there are files."""
    if files:
        form = aiohttp.FormData(params or {}, quote_fields=False)
        for name, (filename, content, mimetype) in files.items():
            form.add_field(
                name, content, filename=filename.translate(_FILENAME_ESCAPES), content_type=mimetype
            )
        return form
    if params:  # pre-encoded: aiohttp's FormData detour costs more CPU for the same bytes
        return aiohttp.BytesPayload(urlencode(params).encode(), content_type=_FORM)
    return None


def _describe(err: BaseException) -> str:
    """``aiohttp.<Type>: <message>``, without the bot token some messages carry in a URL."""
    return _TOKEN_IN_URL.sub(r"\1<token>", f"aiohttp.{type(err).__name__}: {err}")


def _env_proxy(url: str) -> str | None:
    """The proxy httpx's ``trust_env`` would pick for ``url`` (None: connect directly)."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parts.scheme) or proxies.get("all")


class AiohttpRequest(BaseRequest):
    """:class:`~telegram.request.BaseRequest` over one :class:`aiohttp.ClientSession`.

    The session (and its connection pool) is created by :meth:`initialize`, inside the running
    loop; :meth:`shutdown` closes it and a later :meth:`initialize` opens a new one.

    Timeouts (seconds, ``None`` = no limit; a call's own value wins over the defaults given
    here, exactly as with ``HTTPXRequest``):

    * ``pool_timeout`` — waiting for one of ``connection_pool_size`` slots. An own semaphore
      (not aiohttp's connector queue, which shares ``ClientTimeout.connect`` with connecting),
      so that running out is recognisably the "request was *not* sent" :exc:`TimedOut`.
    * ``connect_timeout`` → ``ClientTimeout.connect`` (DNS, TCP and TLS together) and
      ``sock_connect`` (each TCP/TLS attempt); a request is never sent before it fires either.
    * ``read_timeout`` → ``ClientTimeout.sock_read``: the longest silence while waiting for and
      reading the response; aiohttp starts it once the request body is fully written.
    * ``write_timeout`` — aiohttp has no per-write timeout. An ordinary call's form body is a
      few hundred bytes that the socket buffer takes at once, so it is not needed there. For
      uploads (default ``media_write_timeout``, as in ``HTTPXRequest``) the whole exchange gets
      ``ClientTimeout.total = connect + write + read``: stricter than httpx's per-write limit
      for huge files, which the bot does not send.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_slots",
        "_ssl",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._ssl: ssl.SSLContext | bool = ssl_context or True  # True: aiohttp's default CAs
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """See :attr:`BaseRequest.read_timeout`."""
        return self._read_timeout

    async def initialize(self) -> None:
        """See :meth:`BaseRequest.initialize`; a no-op while the session is open."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(limit=self._pool_size, ssl=self._ssl)
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": self.USER_AGENT},
            timeout=aiohttp.ClientTimeout(),  # always given per request
        )
        self._slots = asyncio.Semaphore(self._pool_size)
        self._proxies = {}

    async def shutdown(self) -> None:
        """See :meth:`BaseRequest.shutdown`; a no-op when already shut down."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._proxies:
            self._proxies[key] = _env_proxy(url)
        return self._proxies[key]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data.multipart_data if request_data else None
        params = request_data.json_parameters if request_data else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout

        total = None
        if files and None not in (connect_timeout, write_timeout, read_timeout):
            total = sum(t or 0.0 for t in (connect_timeout, write_timeout, read_timeout))
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        data = _body(params, files)

        slots = self._slots
        if slots.locked():
            try:
                async with asyncio.timeout(pool_timeout):
                    await slots.acquire()
            except TimeoutError:
                raise TimedOut(POOL_TIMEOUT_MESSAGE) from None
        else:
            await slots.acquire()  # a free slot: returns without suspending
        try:
            return await self._send(session, method, url, data, timeout)
        finally:
            slots.release()

    async def _send(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        data: aiohttp.FormData | aiohttp.BytesPayload | None,
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        try:
            async with session.request(
                method,
                url,
                data=data,
                timeout=timeout,
                proxy=self._proxy(url),
                allow_redirects=False,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # before OSError: TimeoutError is one
            if isinstance(err, aiohttp.ConnectionTimeoutError):
                raise TimedOut(f"Connect timeout, request was not sent: {_describe(err)}") from err
            raise TimedOut(f"Timed out: {_describe(err)}") from err
        except (aiohttp.ClientError, OSError) as err:
            raise NetworkError(_describe(err)) from err

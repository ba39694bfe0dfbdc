"""The channel seam: one small interface every messenger adapter implements.

Error tree (what :meth:`Channel.send` may raise; the outbox sender maps each to a decision)::

    DeliveryError
    ├── RetryAfter(seconds)     the API asked us to slow down (Telegram 429, Viber status 12)
    ├── TransientError          network error, timeout, 5xx: retry with backoff
    └── PermanentError          the message can never be delivered (blocked by the user,
                                chat not found, bad request): record it, show it to operators

Adapters translate their SDK's exceptions into these in one place; nothing above the adapter
catches SDK exceptions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from starlette.routing import BaseRoute

from bot.events import Inbound, Outbound, OutboundFile


class DeliveryError(Exception):
    """Base of everything :meth:`Channel.send` may raise."""


class RetryAfter(DeliveryError):
    def __init__(self, seconds: float, message: str = "") -> None:
        super().__init__(message or f"retry after {seconds} s")
        self.seconds = seconds


class TransientError(DeliveryError):
    """Worth retrying later (network, timeout, 5xx)."""


class PermanentError(DeliveryError):
    """Will never succeed (blocked, chat not found, malformed request)."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the outbox and renderers need to know about a channel."""

    max_text_length: int
    max_buttons: int = 12
    inline_buttons: bool = True
    per_chat_interval: float = 0.0  # minimum seconds between two messages to one chat
    global_rate: float = 0.0  # messages per second for the whole bot, 0 = unlimited


class PayloadStore(Protocol):
    """Server-side storage for button payloads too long for the messenger (Telegram: 64 bytes).

    The runtime passes a database-backed implementation; tests may pass a dict-backed one.
    """

    async def put(self, payload: str) -> str:
        """Store ``payload``; return a short key (<= 32 ASCII chars)."""

    async def get(self, key: str) -> str | None:
        """The payload stored under ``key``, or None if unknown/expired."""


class FileStore(Protocol):
    """Where the files operators send are kept (:class:`~bot.events.OutboundFile`)."""

    async def read(self, token: str) -> bytes | None:
        """The file's bytes, or None if it is gone (erased with the customer's data)."""

    def public_url(self, file: OutboundFile) -> str | None:
        """An address a messenger's servers can fetch the file from (Viber needs one), or
        None when the deployment has no public URL (``ZABOTA_PUBLIC_URL``)."""


InboundHandler = Callable[[Inbound], Awaitable[None]]
"""What a channel calls for each verified incoming event (the runtime's ``submit``)."""


class Channel(ABC):
    """A messenger (or the web chat).

    Incoming: the adapter exposes webhook routes (or runs a poller in :meth:`start`), verifies
    and parses each request, and hands every :class:`Inbound` to the ``on_event`` callback it
    was given; it acknowledges the HTTP request without waiting for processing.

    Outgoing: :meth:`send` delivers one :class:`Outbound` to one chat, returning the
    messenger's message ids, or raises a :class:`DeliveryError`.
    """

    name: str
    capabilities: Capabilities
    chats: frozenset[str] | None = None
    """The only chats this process sends to, or None for every chat of the channel. The
    terminal chat owns its ``--user``: two ``zabota chat`` processes on one database each
    print their own customer's replies, not whichever the other's outbox claims first."""

    def owns(self, chat_id: str) -> bool:
        """Whether this process's outbox sends the replies to ``chat_id``."""
        return self.chats is None or chat_id in self.chats

    @abstractmethod
    async def send(self, chat_id: str, message: Outbound) -> Sequence[str]:
        """Deliver ``message``; return the messenger's id of each message actually sent."""

    def routes(self, on_event: InboundHandler) -> list[BaseRoute]:
        """Webhook routes to mount in the web app (none by default)."""
        return []

    async def start(self, on_event: InboundHandler) -> None:  # noqa: B027 - optional hook
        """Start background work (polling, webhook registration)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Stop background work and release connections."""

    async def notify_typing(self, chat_id: str) -> None:  # noqa: B027 - optional hook
        """Show a «typing…» indicator if the messenger has one."""

    def accepts_files(self) -> bool:
        """Whether :meth:`send` can deliver an :class:`~bot.events.OutboundFile` (the console
        refuses an upload for a channel that cannot, instead of failing in the outbox)."""
        return False

    async def download(self, ref: str) -> tuple[bytes, str]:
        """Fetch a customer's attachment by its :attr:`Attachment.url` reference.

        Returns ``(content, mime_type)``. The operator console calls this behind its own auth.
        """
        raise PermanentError(f"{self.name} cannot download attachments")

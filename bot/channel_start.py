"""Starting the messenger channels so that one messenger's outage does not stop the bot.

A channel's :meth:`~bot.channels.base.Channel.start` talks to its messenger (Telegram's
``getMe`` and ``setWebhook``, Viber's ``set_webhook``). Before, an error there failed the whole
start-up: Telegram's API unreachable for a minute at boot, and the web chat, the console and
Viber were down with it. Now:

* a :class:`~bot.channels.base.TransientError` (network, timeout, 5xx) is logged in one line and
  the start is retried in the background, after 2, 5, 15, 30 and then every 60 seconds, until it
  succeeds or the bot stops;
* a :class:`~bot.channels.base.PermanentError` (a token the messenger rejects, a webhook URL it
  refuses) is logged as an error in one line and not retried: a setting to fix;
* everything else starts as usual. Messages for a channel that is not up wait in the outbox
  (its sender retries them) or fail there visibly, as any delivery does.

``status`` says where each channel stands (``ok``, ``retrying: …``, ``failed: …``); ``/healthz``
reports the ones that are not ``ok``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from bot.channels.base import Channel, InboundHandler, PermanentError, TransientError
from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)
RETRY_DELAYS = (2.0, 5.0, 15.0, 30.0, 60.0)  # the last one repeats


class ChannelStarter:
    def __init__(
        self,
        channels: Mapping[str, Channel],
        on_event: InboundHandler,
        delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.channels = channels
        self.on_event = on_event
        self.delays = tuple(delays)
        self.status: dict[str, str] = {}
        self._retries: dict[str, asyncio.Task[None]] = {}

    @property
    def problems(self) -> dict[str, str]:
        """The channels that are not up, and why."""
        return {name: state for name, state in sorted(self.status.items()) if state != "ok"}

    async def start_all(self) -> None:
        for name, channel in self.channels.items():
            if not await self._try(name, channel):
                self._retries[name] = asyncio.create_task(
                    self._retry(name, channel), name=f"start-{name}"
                )

    async def stop(self) -> None:
        for task in self._retries.values():
            await cancel_and_wait(task)
        self._retries.clear()

    async def _try(self, name: str, channel: Channel) -> bool:
        """Start ``channel``; False if it is worth trying again."""
        try:
            await channel.start(self.on_event)
        except TransientError as exc:
            if self.status.get(name) is None:
                log.warning("%s channel not started (%s); retrying in the background", name, exc)
            self.status[name] = f"retrying: {exc}"
            return False
        except PermanentError as exc:
            log.error(
                "%s channel not started: %s — check its token and settings; "
                "the other channels, the web chat and the console are running",
                name,
                exc,
            )
            self.status[name] = f"failed: {exc}"
            return True
        if self.status.get(name) not in (None, "ok"):
            log.info("%s channel started", name)
        self.status[name] = "ok"
        return True

    async def _retry(self, name: str, channel: Channel) -> None:
        attempt = 0
        while True:
            await asyncio.sleep(self.delays[min(attempt, len(self.delays) - 1)])
            attempt += 1
            try:
                if await self._try(name, channel):
                    return
            except Exception as exc:  # a bug, not the messenger: stop retrying, say so
                log.exception("%s channel could not be started", name)
                self.status[name] = f"failed: {type(exc).__name__}"
                return

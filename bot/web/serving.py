"""Serving the app with uvicorn, and stopping it in bounded time.

uvicorn stops gracefully: it stops accepting, then waits for every open request to finish
before the app's shutdown (:meth:`bot.runtime.Runtime.stop`) runs. The operator console's
event stream never finishes by itself and the web chat's long-poll lasts up to 25 s, so with
a console open ``SIGTERM`` (``systemctl stop``, ``docker stop``) waited until the browser
went away, and a process manager's ``SIGKILL`` then skipped the runtime's shutdown.

Here the server closes the event bus first (:meth:`bot.bus.Bus.close`): the streams and polls
answer at once (the console reconnects by itself, the chat polls again — both reach the
restarted server), and whatever request is still running after :data:`GRACE_SECONDS` is
cancelled, so that the runtime's shutdown always runs.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn

from bot.bus import Bus

GRACE_SECONDS = 10
"""The longest a stop waits for requests still running (after the bus is closed)."""


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, bus: Bus) -> None:
        super().__init__(config)
        self._bus = bus

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._bus.close()
        await super().shutdown(sockets)


async def serve(app: Any, bus: Bus, sockets: list[socket.socket]) -> None:
    """Serve ``app`` (a :func:`bot.web.app.create_app`) on ``sockets`` until a signal stops
    it; then end the long-lived requests through ``bus`` and shut down within the grace."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        backlog=2048,
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    await _Server(config, bus).serve(sockets=sockets)

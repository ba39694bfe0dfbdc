"""Bench-only: the Telegram Bot API stand-in in its own process, plus a state endpoint.

Started by :mod:`bench.webhook_load`. Prints one JSON line ``{"url": ...}`` when listening;
``GET /bench/state`` returns the registered webhook and, per chat, the arrival times
(``time.monotonic``, i.e. CLOCK_MONOTONIC, comparable across processes on Linux) of every
message the bot sent; ``GET /bench/count`` only the totals. Stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.standins.telegram import TelegramStandIn


class BenchTelegram(TelegramStandIn):
    def _counts(self) -> dict[str, Any]:
        seen = self._seen
        return {
            "replies": sum(len(v) for v in seen.values()),
            "chat_actions": sum(1 for c in self.calls if c.method == "sendChatAction"),
            "calls": len(self.calls),
        }

    async def _state(self, request: Request) -> Response:
        return JSONResponse(
            {
                "webhook": self.webhook,
                **self._counts(),
                "arrivals": {
                    str(chat): [m.at for m in messages] for chat, messages in self._seen.items()
                },
            }
        )

    async def _count(self, request: Request) -> Response:
        return JSONResponse({"webhook": self.webhook, **self._counts()})

    def build_app(self) -> Starlette:
        app = super().build_app()
        return Starlette(
            routes=[
                Route("/bench/state", self._state),
                Route("/bench/count", self._count),
                *app.routes,
            ]
        )


async def main() -> None:
    token = sys.argv[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with BenchTelegram.running(token=token) as tg:
        print(json.dumps({"url": tg.base_url}), flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())

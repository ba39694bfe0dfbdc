"""Bench-only: the floor of the webhook path — our Telegram adapter and nothing behind it.

Started by :mod:`bench.webhook_load` with ``--db none``; not meant to be run by hand. It serves
the same uvicorn + Starlette + :class:`~bot.channels.telegram.TelegramChannel` webhook route as
``zabota run`` (secret check, body limit, PTB's ``Update.de_json``, the mapping to ``Inbound``)
and answers every text at once through the same channel's ``send`` (PTB ``Bot.send_message``
over the aiohttp pool), with a fixed FAQ answer. No storage, no NLU, no dialogue, no durable
inbox or outbox: what this process can do per second is an upper bound for the real bot on the
same machine, because the real bot does all of this *and* the rest.
"""

from __future__ import annotations

import asyncio
import logging
import socket

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse

from bench._webhook_bot import arguments
from bot.channels.telegram import TelegramChannel, TelegramSettings
from bot.events import Inbound, Outbound
from tests.standins.support import MemoryPayloadStore

ANSWER = (
    "Вернуть товар можно в течение 14 дней: оформите возврат в личном кабинете, "
    "раздел «Мои заказы» → «Вернуть»."
)


def main() -> None:
    args = arguments().parse_args()  # as the real bot's; only the Telegram ones apply here
    logging.basicConfig(level="WARNING")

    import uvicorn

    channel = TelegramChannel(
        TelegramSettings(
            token=args.token,
            payload_store=MemoryPayloadStore(),
            api_url=args.api_url,
            webhook_url=f"http://127.0.0.1:{args.port}",
            secret_token=args.secret,
        )
    )
    pending: set[asyncio.Task[object]] = set()

    async def on_event(event: Inbound) -> None:
        task = asyncio.create_task(channel.send(event.chat_id, Outbound(ANSWER)))
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        await channel.start(on_event)
        yield
        await channel.stop()

    async def healthz(request: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(routes=channel.routes(on_event), lifespan=lifespan)
    app.add_route("/healthz", healthz)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", backlog=2048))
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()

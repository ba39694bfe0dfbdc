"""Bench-only: the bot under test, as ``zabota run`` would serve it, in its own process.

Started by :mod:`bench.webhook_load`; not meant to be run by hand. Same assembly as
``zabota run`` (``Runtime`` + ``add_channels`` + ``create_app`` under uvicorn, INFO logging),
except that ``channels.telegram`` limits come from the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments() -> argparse.ArgumentParser:
    """The options :mod:`bench.webhook_load` starts the bot under test with (also the floor's)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--global-rate", type=float, default=0.0)
    parser.add_argument("--per-chat-interval", type=float, default=1.0)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--workers", type=int, default=1)
    return parser


def main() -> None:
    args = arguments().parse_args()

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "httpcore", "telegram", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    import uvicorn

    from bot.assemble import add_channels
    from bot.config import Settings
    from bot.project import load_project, make_brain, train
    from bot.runtime import Runtime
    from bot.web.app import create_app

    project = load_project(ROOT)
    channels = project.config.channels
    telegram = channels.telegram.model_copy(
        update={"global_rate": args.global_rate, "per_chat_interval": args.per_chat_interval}
    )
    config = project.config.model_copy(
        update={"channels": channels.model_copy(update={"telegram": telegram})}
    )
    project = dataclasses.replace(project, config=config)
    model, _, _ = train(project)
    settings = Settings(
        database_url=args.database_url,
        telegram_token=args.token,
        telegram_api_url=args.api_url,
        telegram_secret=args.secret,
        public_url=f"http://127.0.0.1:{args.port}",
    )
    if args.workers > 1:  # as zabota run --workers N: migrate here, then fork
        from bot.storage.db import Database
        from bot.workers import listening_sockets, serve_forked

        async def migrate() -> None:
            db = Database(settings.database_url)
            await db.upgrade()
            await db.dispose()

        asyncio.run(migrate())
        sockets = listening_sockets("127.0.0.1", args.port, args.workers)
        raise SystemExit(serve_forked(project, settings, model, sockets))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    runtime = Runtime(project, settings, make_brain(project, model))
    add_channels(runtime)
    app = create_app(runtime, freeze_heap=True)  # as zabota run
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", backlog=2048))
    profile_to = os.environ.get("ZABOTA_BENCH_PROFILE")
    if not profile_to:
        asyncio.run(server.serve(sockets=[sock]))
        return
    import cProfile

    profiler = cProfile.Profile()

    def dump(*_: object) -> None:
        # uvicorn re-raises the SIGTERM it handled once it has shut down: dump then, and exit.
        profiler.disable()
        profiler.dump_stats(profile_to)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, dump)
    profiler.enable()
    asyncio.run(server.serve(sockets=[sock]))
    dump()


if __name__ == "__main__":
    main()

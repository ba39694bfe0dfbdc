"""CPU cost of each step one customer message takes, measured step by step (issue 3's floor).

    python -m bench.cost_per_message                 # SQLite and PostgreSQL
    python -m bench.cost_per_message --db sqlite -n 300

The load benchmark (:mod:`bench.webhook_load`) says how many messages per second one bot process
sustains; this one says *why*: the CPU each unavoidable step costs on its own, sequentially, with
nothing else in the process. Summed, the steps give the bot's CPU per message, and so the most
any number of processes can sustain on this machine's cores.

Steps (CPU seconds of this process per message; stand-ins run in a thread and are excluded):

* ``nlu_predict`` — the trained demo model on FAQ questions, per pipeline (``sparse+use`` is
  the default, ``sparse`` needs no encoder);
* ``webhook_in`` — one Telegram update through our ASGI route (secret check, JSON, PTB's
  ``Update.de_json``, mapping to ``Inbound``), called as ASGI directly (no HTTP parser: uvicorn's
  h11 adds to it);
* ``telegram_send`` — ``TelegramChannel.send`` of one answer with buttons through the real
  python-telegram-bot to the Bot API stand-in;
* ``engine`` — ``Runtime.submit`` (the durable inbox write) and the engine's transaction for
  an FAQ question, plus the outbox's claim and ``sent`` bookkeeping, with the NLU cost
  subtracted; on each database.

Results: ``bench/results/cost_per_message.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._procs import fresh_pg_database  # noqa: E402  (ZABOTA_BENCH_POSTGRES)

PG_DB = "zabota_bench_cost"


def _ms(seconds: float, n: int) -> float:
    return round(1000 * seconds / n, 3)


def measure_nlu(project: Any, questions: list[str], pipeline: str) -> float:
    from nlu import build_model

    config = project.nlu_config.model_copy(update={"pipeline": pipeline})
    model = build_model(config)
    model.fit(project.training_examples())
    for text in questions[:20]:
        model.predict(text)
    start = time.process_time()
    for text in questions:
        model.predict(text)
    return _ms(time.process_time() - start, len(questions))


async def measure_telegram(n: int) -> dict[str, float]:
    from starlette.applications import Starlette

    from bot.channels.telegram import TelegramChannel, TelegramSettings
    from bot.events import Button, Outbound
    from tests.standins import TelegramStandIn
    from tests.standins.support import Collector, MemoryPayloadStore

    secret = "bench-secret"
    async with TelegramStandIn.running(thread=True) as tg:
        settings = TelegramSettings(
            token=tg.token,
            api_url=tg.api_url,
            payload_store=MemoryPayloadStore(),
            secret_token=secret,
            webhook_url="https://bot.example",
        )
        channel = TelegramChannel(settings)
        collected = Collector()
        app = Starlette(routes=channel.routes(collected))
        await channel.start(collected)
        try:
            answer = Outbound(
                text="Товар надлежащего качества можно вернуть в течение 14 дней. "
                "Оформите заявку на https://volt-shop.ru/returns",
                buttons=(Button("Сроки возврата денег", "faq:refund_time"),),
            )
            for i in range(10):
                await channel.send(str(9000 + i), answer)
            start = time.thread_time()
            for i in range(n):
                await channel.send(str(10_000 + i), answer)
            send = _ms(time.thread_time() - start, n)

            bodies = [
                json.dumps(tg.text_update(20_000 + i, "как вернуть товар?")).encode()
                for i in range(n + 10)
            ]
            headers = [
                (b"content-type", b"application/json"),
                (b"x-telegram-bot-api-secret-token", secret.encode()),
            ]

            async def call(body: bytes) -> None:
                scope = {
                    "type": "http",
                    "asgi": {"version": "3.0"},
                    "http_version": "1.1",
                    "method": "POST",
                    "scheme": "https",
                    "path": "/webhooks/telegram",
                    "raw_path": b"/webhooks/telegram",
                    "query_string": b"",
                    "root_path": "",
                    "headers": [*headers, (b"content-length", str(len(body)).encode())],
                    "client": ("127.0.0.1", 1),
                    "server": ("127.0.0.1", 443),
                }
                sent = False

                async def receive() -> dict[str, Any]:
                    nonlocal sent
                    if sent:
                        return {"type": "http.disconnect"}
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}

                async def send_(message: dict[str, Any]) -> None:
                    return None

                await app(scope, receive, send_)

            for body in bodies[:10]:
                await call(body)
            start = time.thread_time()
            for body in bodies[10:]:
                await call(body)
            webhook = _ms(time.thread_time() - start, n)
            assert len(collected.events) == n + 10, "the webhook did not hand over every update"
        finally:
            await channel.stop()
    return {"telegram_send_ms": send, "webhook_in_ms": webhook}


async def measure_engine(url: str, project: Any, model: Any, questions: list[str]) -> float:
    """CPU per message of inbox + engine + outbox (with the NLU's own cost included)."""
    from bot.channels.terminal import CollectingChannel
    from bot.config import Settings
    from bot.events import Inbound
    from bot.project import make_brain
    from bot.runtime import Runtime
    from bot.storage.db import Database

    collecting = CollectingChannel("telegram")
    runtime = Runtime(
        project,
        Settings(database_url=url),
        make_brain(project, model),
        db=Database(url),
        channels={"telegram": collecting},
    )
    await runtime.start()
    try:

        async def one(i: int, text: str) -> None:
            chat = str(30_000 + i)
            await runtime.submit(
                Inbound(
                    channel="telegram", external_id=f"u{i}", user_id=chat, chat_id=chat, text=text
                )
            )

        for i, text in enumerate(questions[:10]):
            await one(i, text)
            await collecting.wait_for(str(30_000 + i), 1, timeout=30)
        assert await runtime.drain(30)
        start = time.process_time()
        for i, text in enumerate(questions, start=100):
            await one(i, text)
            # One message at a time (what each costs, not how well they batch), waiting on
            # the delivery itself: polling for idleness would be measured too.
            await collecting.wait_for(str(30_000 + i), 1, timeout=30)
        assert await runtime.drain(30)
        total = time.process_time() - start
    finally:
        await runtime.stop()
    replies = sum(len(v) for v in collecting.sent.values())
    assert replies >= len(questions), f"{replies} replies to {len(questions)} questions"
    return _ms(total, len(questions))


async def _pg_reset() -> str:
    return await fresh_pg_database(PG_DB)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("-n", type=int, default=300, help="messages per step")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "cost_per_message.json"
    )
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from bench.webhook_load import faq_questions
    from bot.project import load_project, train

    threadpool_limits(limits=1)  # as the bot runs: one BLAS thread (see docs/nlu.md)
    project = load_project(ROOT)
    questions = (faq_questions() * 3)[: args.n]
    model, _, _ = train(project)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "n": len(questions),
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load_average_at_start": os.getloadavg(),
    }
    for pipeline in ("sparse+use", "sparse"):
        results[f"nlu_predict_ms[{pipeline}]"] = measure_nlu(project, questions, pipeline)
        print(f"nlu {pipeline}: {results[f'nlu_predict_ms[{pipeline}]']} ms", flush=True)
    results.update(asyncio.run(measure_telegram(len(questions))))
    print(
        f"telegram: {results['telegram_send_ms']} ms send, "
        f"{results['webhook_in_ms']} ms webhook in",
        flush=True,
    )
    nlu_default = results["nlu_predict_ms[sparse+use]"]
    with tempfile.TemporaryDirectory() as tmp:
        for db in args.db.split(","):
            url = f"sqlite:///{tmp}/bench.sqlite3" if db == "sqlite" else asyncio.run(_pg_reset())
            total = asyncio.run(measure_engine(url, project, model, questions))
            results[f"engine_ms[{db}]"] = round(total - nlu_default, 3)
            per_message = total + results["telegram_send_ms"] + results["webhook_in_ms"]
            results[f"bot_cpu_per_message_ms[{db}]"] = round(per_message, 3)
            cores = os.cpu_count() or 1
            results[f"ceiling_msgs_per_s_all_cores[{db}]"] = round(1000 * cores / per_message)
            print(
                f"{db}: engine {results[f'engine_ms[{db}]']} ms (+ NLU {nlu_default}); "
                f"bot CPU per message {per_message:.2f} ms",
                flush=True,
            )
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()

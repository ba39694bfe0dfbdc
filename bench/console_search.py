"""How fast the operator console answers over a long history (docs/benchmarks.md).

    python -m bench.console_search                 # SQLite and PostgreSQL, 200 000 messages
    python -m bench.console_search --db postgres --messages 500000

Fills a fresh database (SQLite in a temporary file; PostgreSQL ``zabota_bench_search`` on
``127.0.0.1:5432``, dropped and created) with customers, conversations and messages — Russian
texts with order numbers, names and phones — then times, with warm caches:

* «Найти» (``handoff.finder.find``): a name in another case, a phone typed with brackets, an
  order number from a message, a word in nobody's message, «№123»;
* one conversation's detail (``handoff.views.conversation_detail``) for a customer with 1000
  messages: the history, the delivery state of each reply, the customer card.

Each is run ``--repeat`` times; the median and the slowest go to
``bench/results/console_search.json``. Target: what an operator waits for after typing stays
under 300 ms (the slowest run) at 200 000 messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._procs import fresh_pg_database  # noqa: E402  (ZABOTA_BENCH_POSTGRES)

PG_DB = "zabota_bench_search"
TARGET_MS = 300.0
TEXTS = (
    "заказ {n} не пришёл, где он?",
    "как вернуть товар, чек потеряла",
    "доставка на Мира {k}, позвоните за час",
    "спасибо, всё получил",
    "курьер не приехал, заказ {n}",
)


async def fill(db_url: str, messages: int, customers: int) -> dict[str, Any]:
    """Customers with a phone and a name, a conversation each (the last one long), and
    ``messages`` messages. Returns what the queries look for."""
    from sqlalchemy import insert

    from bot.storage.db import Database, upgrade
    from bot.storage.models import Conversation, Customer, Message, utcnow

    await asyncio.to_thread(upgrade, db_url)
    db = Database(db_url)
    rng = random.Random(7)
    now = utcnow()
    async with db.write() as session:
        await session.execute(
            insert(Customer),
            [
                {
                    "id": c,
                    "display_name": f"Клиент {rng.choice(['Иванов', 'Петрова', 'Сидоров'])} {c}",
                    "phone": f"7912{c:07d}",
                    "created_at": now,
                }
                for c in range(1, customers + 1)
            ],
        )
        await session.execute(
            insert(Conversation),
            [
                {
                    "id": c,
                    "customer_id": c,
                    "owner": "closed",
                    "channel": "telegram",
                    "chat_id": str(c),
                    "context": {},
                    "unknown_streak": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for c in range(1, customers + 1)
            ],
        )
    long_one = customers  # the last customer has 1000 of the messages
    batch: list[dict[str, Any]] = []
    for i in range(messages):
        customer = long_one if i >= messages - 1000 else rng.randint(1, customers - 1)
        text = rng.choice(TEXTS).format(n=10_000_000 + i, k=i % 200)
        if i == messages // 2 + 1:  # the one the order-number search must find
            text = f"посылка {10_000_000 + i} пришла разбитой"
        batch.append(
            {
                "conversation_id": customer,
                "customer_id": customer,
                "channel": "telegram",
                "direction": "in" if i % 2 else "out",
                "author": "customer" if i % 2 else "bot",
                "kind": "message",
                "text": text,
                "data": {},
                "created_at": now,
            }
        )
        if len(batch) == 20_000:
            async with db.write() as session:
                await session.execute(insert(Message), batch)
            batch = []
    if batch:
        async with db.write() as session:
            await session.execute(insert(Message), batch)
    await db.dispose()
    return {
        "order": str(10_000_000 + messages // 2 + 1),  # an odd index: a customer's message
        "long_customer": long_one,
    }


async def measure(db_url: str, targets: dict[str, Any], repeat: int) -> dict[str, Any]:
    from bot.storage.db import Database
    from handoff import finder, views
    from handoff.config import HandoffConfig
    from handoff.sla_clock import SlaClock

    wall_clock = SlaClock(HandoffConfig(sla_in_working_hours=False))

    phone_digits = f"7912{int(targets['long_customer']) // 2:07d}"
    queries = {
        "name, other case": "ПЕТРОВА 4",
        "phone with brackets": f"+7 ({phone_digits[1:4]}) {phone_digits[4:7]}-"
        f"{phone_digits[7:9]}-{phone_digits[9:]}",
        "order number in a message": targets["order"],
        "word nobody wrote": "холодильник",
        "conversation number": "№42",
    }
    db = Database(db_url)
    results: dict[str, Any] = {}
    try:
        for label, query in queries.items():
            times = []
            found = 0
            for _ in range(repeat + 1):  # the first run warms the caches, not counted
                start = time.perf_counter()
                async with db.read() as session:
                    found = len(await finder.find(session, query))
                times.append((time.perf_counter() - start) * 1000)
            results[f"find: {label}"] = _summary(times[1:], found=found, query=query)
        times = []
        messages = 0
        for _ in range(repeat + 1):
            start = time.perf_counter()
            async with db.read() as session:
                detail = await views.conversation_detail(
                    session, targets["long_customer"], wall_clock
                )
            times.append((time.perf_counter() - start) * 1000)
            messages = len((detail or {}).get("messages", []))
        results["detail: 1000 messages"] = _summary(times[1:], found=messages)
    finally:
        await db.dispose()
    return results


def _summary(times: list[float], **extra: Any) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "within_target": max(times) <= TARGET_MS,
        **extra,
    }


async def _pg_reset() -> str:
    return await fresh_pg_database(PG_DB)


async def run(backend: str, messages: int, customers: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/search.sqlite3" if backend == "sqlite" else await _pg_reset()
        start = time.perf_counter()
        targets = await fill(url, messages, customers)
        filled = time.perf_counter() - start
        results = await measure(url, targets, repeat)
    return {"fill_seconds": round(filled, 1), "results": results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "console_search.json"
    )
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "messages": args.messages,
        "customers": args.customers,
        "repeat": args.repeat,
        "target_ms": TARGET_MS,
        "cpus": os.cpu_count(),
    }
    for backend in args.db.split(","):
        report[backend] = asyncio.run(run(backend, args.messages, args.customers, args.repeat))
        print(backend, json.dumps(report[backend], ensure_ascii=False, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"→ {args.out}")


if __name__ == "__main__":
    main()

"""How fast the lead's statistics page answers over a busy month (docs/benchmarks.md).

    python -m bench.statistics                  # SQLite and PostgreSQL, 30 days × 1000 handoffs
    python -m bench.statistics --db postgres --per-day 3000
    python -m bench.statistics --db sqlite --profile 30   # and where one month's run spends it

Fills a fresh database (SQLite in a temporary file; PostgreSQL ``zabota_bench_stats`` on
``127.0.0.1:5432``, dropped and created) with ``--days`` days of conversations: ``--per-day``
handed over to a person around the clock (a third of them at night, answered at the next
opening), each with an operator's reply, a rating for half of them, and as many more the bot
handled alone; 200 still wait; each answered one is closed minutes after the reply. Each
handover has its row in ``handoffs`` (``bot.storage.handoffs``: what the figures read — the
first answer, who gave it, when and how it ended) beside the conversation's own fields and the
closing transition, as the product writes them. Then times, with warm caches:

* the month's figures (``handoff.metrics.compute``, what ``GET /api/v1/metrics?days=30`` and the
  CSV run) on working hours — each wait measured on the team's clock
  (``handoff.team_hours.open_seconds``) — and on the wall clock;
* «Сейчас» (``handoff.live.snapshot``, refreshed every 10 s while the page is open).

The process freezes its start-up heap first (the demo's brain: ``bot.heap.freeze``), as the
console's server does after start-up, so full garbage collections walk only what the figures
allocate; ``--no-freeze`` measures as the runs before 2026-12-08 did (about 0.2–0.3 s more per
month: the collector walked the brain's ~220 000 objects several times per computation).

Each is run ``--repeat`` times; the median and the slowest go to
``bench/results/statistics.json``. ``--profile N`` then prints the N costliest functions of one
more month on working hours (``cProfile``, cumulative; the profiler slows it down). Target: the
page's figures within 2 s (the slowest run) for 30 000 handoffs a month — the statistics are
computed in Python from the period's rows (percentiles and local days differ between SQLite
and PostgreSQL; only dialect-neutral counts are left to the database; the period's indexes
carry the columns those reads need), and this is where that choice would stop holding.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._procs import fresh_pg_database  # noqa: E402  (ZABOTA_BENCH_POSTGRES)

PG_DB = "zabota_bench_stats"
TARGET_MS = 2000.0
OPERATORS = 20
WAITING = 200
_MSK = ZoneInfo("Europe/Moscow")


async def fill(db_url: str, days: int, per_day: int) -> int:
    """The month's rows; returns how many conversations were handed over."""
    from sqlalchemy import insert

    from bot.storage.db import Database, upgrade
    from bot.storage.models import (
        Conversation,
        Customer,
        Handoff,
        Message,
        Operator,
        Rating,
        Transition,
        utcnow,
    )

    await asyncio.to_thread(upgrade, db_url)
    db = Database(db_url)
    rng = random.Random(11)
    now = utcnow()
    start = now - timedelta(days=days)
    async with db.write() as session:
        await session.execute(
            insert(Operator),
            [
                {
                    "id": i,
                    "username": f"op{i}",
                    "display_name": f"Оператор {i}",
                    "password_hash": "-",
                    "role": "operator",
                    "status": "online" if i <= 5 else "offline",
                    "capacity": 5,
                    "teams": [],
                    "active": True,
                    "created_at": start,
                }
                for i in range(1, OPERATORS + 1)
            ],
        )
    handed = days * per_day
    total = handed * 2 + WAITING
    conversations: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    handoffs: list[dict[str, Any]] = []

    async def flush() -> None:
        async with db.write() as session:
            if conversations:
                await session.execute(insert(Conversation), conversations)
            if messages:
                await session.execute(insert(Message), messages)
            if ratings:
                await session.execute(insert(Rating), ratings)
            if transitions:
                await session.execute(insert(Transition), transitions)
            if handoffs:
                await session.execute(insert(Handoff), handoffs)
        conversations.clear()
        handoffs.clear()
        messages.clear()
        ratings.clear()
        transitions.clear()

    async with db.write() as session:
        await session.execute(
            insert(Customer),
            [
                {"id": c, "display_name": f"Клиент {c}", "created_at": start}
                for c in range(1, total + 1)
            ],
        )
    for c in range(1, total + 1):
        at = start + timedelta(seconds=rng.uniform(0, days * 86400 - 3600))
        escalated = c <= handed or c > handed * 2
        waiting = c > handed * 2
        if waiting:
            at = now - timedelta(minutes=rng.uniform(0, 90))
        answered = None
        operator = rng.randint(1, OPERATORS)
        if escalated and not waiting:
            hour = at.astimezone(_MSK).hour
            if hour >= 21 or hour < 9:  # asked at night: answered at the next opening
                opening = at.astimezone(_MSK).replace(hour=9, minute=0, second=0)
                if hour >= 21:
                    opening += timedelta(days=1)
                answered = opening.astimezone(UTC) + timedelta(seconds=rng.uniform(10, 300))
            else:
                answered = at + timedelta(seconds=rng.expovariate(1 / 45))
        conversations.append(
            {
                "id": c,
                "customer_id": c,
                "owner": "queued" if waiting else "closed",
                "channel": "telegram",
                "chat_id": str(c),
                "context": {},
                "unknown_streak": 0,
                "team": "support",
                "created_at": at,
                "updated_at": answered or at,
                "escalated_at": at if escalated else None,
                "escalation_reason": "request" if escalated else None,
                "first_response_at": answered,
                "operator_id": operator if answered else None,
            }
        )
        messages.append(_message(c, "customer", None, "позовите оператора", at))
        closed = None
        if answered is not None:
            messages.append(_message(c, "operator", operator, "Здравствуйте!", answered))
            closed = answered + timedelta(seconds=rng.uniform(60, 900))
            transitions.append(  # closed a few minutes later (the resolution time)
                {
                    "conversation_id": c,
                    "from_owner": "operator",
                    "to_owner": "closed",
                    "reason": "closed",
                    "actor": f"op{operator}",
                    "at": closed,
                }
            )
            if c % 2:
                ratings.append(
                    {
                        "conversation_id": c,
                        "customer_id": c,
                        "channel": "telegram",
                        "operator_id": operator,
                        "score": rng.choice((5, 5, 5, 4, 4, 3, 2)),
                        "created_at": answered + timedelta(minutes=5),
                    }
                )
        if escalated:  # its handover's row, as bot.storage.handoffs writes it
            handoffs.append(
                {
                    "conversation_id": c,
                    "reason": "request",
                    "escalated_at": at,
                    "first_response_at": answered,
                    "first_operator_id": operator if answered else None,
                    "ended_at": closed,
                    "outcome": "closed" if closed else None,
                }
            )
        if len(conversations) >= 5000:
            await flush()
    await flush()
    await db.dispose()
    return handed + WAITING


def _message(
    conversation: int, author: str, operator: int | None, text: str, at: datetime
) -> dict[str, Any]:
    return {
        "conversation_id": conversation,
        "customer_id": conversation,
        "channel": "telegram",
        "direction": "in" if author == "customer" else "out",
        "author": author,
        "operator_id": operator,
        "kind": "message",
        "text": text,
        "data": {},
        "created_at": at,
    }


async def measure(
    db_url: str, days: int, repeat: int, profile: int = 0, freeze: bool = True
) -> dict[str, Any]:
    from bot import heap
    from bot.storage.db import Database
    from bot.storage.models import utcnow
    from handoff import live
    from handoff.config import HandoffConfig, WorkingHours
    from handoff.metrics import compute
    from tests.handoff_kit import make_brain  # the demo project, its NLU stubbed

    brain = make_brain()
    if freeze:  # as the console's server after start-up (bot.heap): no full GC walks the brain
        heap.freeze()
    hours = WorkingHours(timezone="Europe/Moscow")  # 9:00–21:00 every day
    config = HandoffConfig(working_hours=hours)
    db = Database(db_url)
    results: dict[str, Any] = {}
    try:
        for label, clock in (("month, working hours", hours), ("month, wall clock", None)):
            times: list[float] = []
            cpu: list[float] = []
            figures: dict[str, Any] = {}
            for _ in range(repeat + 1):  # the first run warms the caches, not counted
                began, used = time.perf_counter(), time.process_time()
                async with db.read() as session:
                    figures = await compute(
                        session, utcnow() - timedelta(days=days), brain=brain, hours=clock
                    )
                times.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - used) * 1000)
            first = figures["first_response"]
            results[label] = _summary(
                times[1:],
                cpu[1:],
                escalated=first["escalated"],
                p50_seconds=first["p50_seconds"],
                within_goal_share=first["within_goal_share"],
            )
        times, cpu = [], []
        waiting = 0
        for _ in range(repeat + 1):
            began, used = time.perf_counter(), time.process_time()
            async with db.read() as session:
                now = await live.snapshot(session, config, utcnow())
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - used) * 1000)
            waiting = sum(team.waiting for team in now.teams)
        results["now («Сейчас»)"] = _summary(times[1:], cpu[1:], waiting=waiting)
        if profile:
            profiler = cProfile.Profile()
            async with db.read() as session:
                profiler.enable()
                await compute(session, utcnow() - timedelta(days=days), brain=brain, hours=hours)
                profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
    finally:
        await db.dispose()
        if freeze:
            gc.unfreeze()  # a caller's own objects (a test run) go back to the collector
    return results


def _summary(times: list[float], cpu: list[float], **extra: Any) -> dict[str, Any]:
    """Wall time (what the lead waits) and this process's CPU time (steadier on a busy host;
    PostgreSQL's own share is not in it): median and slowest, and the least CPU."""
    return {
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "cpu_min_ms": round(min(cpu), 1),
        "within_target": max(times) <= TARGET_MS,
        **extra,
    }


async def _settle(url: str) -> None:
    """Statistics on the fresh rows, as a running database keeps them (autovacuum's ANALYZE),
    so the measurement is not taken while autovacuum works through the new table."""
    from sqlalchemy import text

    from bot.storage.db import Database

    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE"))
            else:
                await connection.execute(text("ANALYZE"))
    finally:
        await db.dispose()


async def run(
    backend: str, days: int, per_day: int, repeat: int, profile: int = 0, freeze: bool = True
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            f"sqlite:///{tmp}/stats.sqlite3"
            if backend == "sqlite"
            else await fresh_pg_database(PG_DB)
        )
        began = time.perf_counter()
        handed = await fill(url, days, per_day)
        await _settle(url)
        filled = time.perf_counter() - began
        results = await measure(url, days, repeat, profile, freeze)
    return {"handed_over": handed, "fill_seconds": round(filled, 1), "results": results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave the start-up heap to the garbage collector (the runs before 2026-12-08)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "statistics.json")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "days": args.days,
        "per_day": args.per_day,
        "repeat": args.repeat,
        "target_ms": TARGET_MS,
        "cpus": os.cpu_count(),
        "frozen_heap": not args.no_freeze,
    }
    for backend in args.db.split(","):
        report[backend] = asyncio.run(
            run(backend, args.days, args.per_day, args.repeat, args.profile, not args.no_freeze)
        )
        print(backend, json.dumps(report[backend], ensure_ascii=False, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"→ {args.out}")


if __name__ == "__main__":
    main()

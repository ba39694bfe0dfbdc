"""Load benchmark through the Telegram webhook path (issue 3).

    python -m bench.webhook_load                      # SQLite and PostgreSQL, 25/50/75/100 msg/s
    python -m bench.webhook_load --db sqlite --rates 300 --duration 30   # the issue-3 target
    python -m bench.webhook_load --db none --rates 300,600   # the floor: the adapter alone

Three processes on 127.0.0.1 only:

* the **bot** (:mod:`bench._webhook_bot`): ``Runtime`` + ``add_channels`` + ``create_app`` under
  uvicorn, exactly what ``zabota run`` serves, in webhook mode;
* the **Telegram stand-in** (:mod:`bench._webhook_standin`): ``tests.standins.telegram``'s Bot
  API server, recording when each ``sendMessage`` arrives;
* this **load generator**: N simulated customers (round-robin, so each chat writes at most every
  ``chats / rate`` seconds) POSTing FAQ questions to the webhook open-loop at a fixed rate per
  step, with Telegram's secret-token header.

Latency = arrival of the reply at the stand-in − the moment the webhook POST was started (both
``time.monotonic``, which is CLOCK_MONOTONIC and system-wide on Linux). Every question is one the
model answers from the FAQ, so each message must get exactly one reply; after each step the
driver waits for all replies, and at the end counts replies per chat at the stand-in and
``outbox`` rows per chat in the database (lost = fewer, duplicated = more). Like Telegram, the
generator delivers an update again (after 1 s, up to 5 times) while it is not answered 200, so
a webhook request that fails on the wire is retried rather than counted as lost; each failure
is listed under ``errors``.

Results: ``bench/results/webhook_load.json`` and a markdown table (``.md`` next to it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench._loadgen import Load, Step
from bench._procs import (
    PG_SERVER,
    cpu_seconds,
    free_port,
    pg_admin,
    postgres_cpu,
    postgres_used,
    stop,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-stand-in-token"
PG_DB = "zabota_bench"
FLOOR = "none"  # --db none: bench._floor_bot, the adapter alone (no storage, NLU, dialogue)


# -- questions -----------------------------------------------------------------------------------


def faq_questions(limit: int | None = None) -> list[str]:
    """FAQ questions of the demo project that the trained model answers (one reply each)."""
    from bot.project import load_project, train
    from bot.readings import several_questions
    from handoff import escalation
    from nlu.api import Decision

    project = load_project(ROOT)
    answers_per_message = project.config.policy.max_answers_per_message
    model, _, _ = train(project)
    good = []
    for entry in project.kb.entries.values():
        if entry.human_only:
            continue
        for question in entry.questions:
            p = model.predict(question)
            target = project.kb.entries.get(p.intent or "")
            starts_flow = any(p.intent in flow.intents for flow in project.flows.values())
            if (
                p.decision is Decision.ANSWER
                and target is not None
                and not target.human_only
                and not starts_flow  # a flow asks back: not one question, one answer
                and escalation.detect(question, p, project.config.handoff, unknown_streak=0) is None
                and not several_questions(p, project.kb, answers_per_message)  # one answer
            ):
                good.append(question)
    return good[:limit] if limit else good


# -- analysis ------------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _analyse(
    load: Load, steps: list[Step], arrivals: dict[int, list[float]]
) -> list[dict[str, Any]]:
    # The k-th reply in a chat answers the k-th message (one reply each, per-chat order kept).
    reply_of: dict[int, float] = {}
    for chat, records in load.per_chat.items():
        got = arrivals.get(chat, [])
        for record, at in zip(records, got, strict=False):
            reply_of[id(record)] = at
    out = []
    for step in steps:
        latencies, from_due, acks, last = [], [], [], step.started
        for record in step.sent:
            at = reply_of.get(id(record))
            if record.acked_at:
                acks.append(record.acked_at - record.sent_at)
            if at is None:
                continue
            latencies.append(at - record.sent_at)
            from_due.append(at - record.due)
            last = max(last, at)
        n = len(step.sent)
        span = (last - step.started) or 1e-9
        send_span = (step.finished_sending - step.started) or 1e-9
        out.append(
            {
                "offered_rate": step.rate,
                "warmup": step.warmup,
                "duration_s": step.duration,
                "messages": n,
                "sent_rate": round(n / send_span, 1),
                "answered": len(latencies),
                "throughput_msgs_per_s": round(len(latencies) / span, 1),
                "latency_ms": {
                    "p50": _ms(_pct(latencies, 50)),
                    "p95": _ms(_pct(latencies, 95)),
                    "p99": _ms(_pct(latencies, 99)),
                    "max": _ms(max(latencies) if latencies else None),
                },
                "latency_from_schedule_ms": {
                    "p50": _ms(_pct(from_due, 50)),
                    "p99": _ms(_pct(from_due, 99)),
                },
                "webhook_ack_ms": {"p50": _ms(_pct(acks, 50)), "p99": _ms(_pct(acks, 99))},
                "http_errors": sum(1 for r in step.sent if r.status != 200),
                "cpu_percent": step.cpu,
                # [seconds into the step, latency ms] of the slowest replies: stalls that hit
                # many messages at once show as one instant here.
                "slowest": sorted(
                    (
                        [round(r.sent_at - step.started, 2), _ms(reply_of[id(r)] - r.sent_at)]
                        for r in step.sent
                        if id(r) in reply_of
                    ),
                    key=lambda pair: -(pair[1] or 0),
                )[:10],
            }
        )
    return out


async def _db_counts(url: str) -> dict[str, Any]:
    from sqlalchemy import text

    from bot.storage.db import Database

    db = Database(url)
    try:
        async with db.read() as session:
            by_status = dict(
                (
                    await session.execute(
                        text("SELECT status, count(*) FROM outbox GROUP BY status")
                    )
                ).all()
            )
            per_chat = dict(
                (
                    await session.execute(
                        text(
                            "SELECT chat_id, count(*) FROM outbox WHERE channel = 'telegram' "
                            "AND status = 'sent' GROUP BY chat_id"
                        )
                    )
                ).all()
            )
            inbound = await session.scalar(
                text("SELECT count(*) FROM messages WHERE direction = 'in'")
            )
    except Exception as exc:
        return {"error": repr(exc)}
    finally:
        await db.dispose()
    return {"outbox_by_status": by_status, "sent_per_chat": per_chat, "inbound_messages": inbound}


async def run_db(kind: str, args: argparse.Namespace, questions: list[str]) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="zabota-bench-"))
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    elif kind == FLOOR:
        url = ""
    else:
        await pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        await pg_admin(f'CREATE DATABASE "{PG_DB}"')
        url = f"{PG_SERVER}/{PG_DB}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    standin = bot = None
    bot_log = open(workdir / "bot.log", "w")  # noqa: SIM115
    try:
        standin = subprocess.Popen(
            [sys.executable, "-m", "bench._webhook_standin", TOKEN],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert standin.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(standin.stdout.readline), 30)
        standin_url = json.loads(line)["url"]
        port = free_port()
        bot = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench._floor_bot" if kind == FLOOR else "bench._webhook_bot",
                "--port",
                str(port),
                "--database-url",
                url,
                "--api-url",
                standin_url,
                "--token",
                TOKEN,
                # one argument: a token_urlsafe may start with "-", which argparse would take
                # for an option (1 run in 64 failed to start)
                f"--secret={secrets.token_urlsafe(24)}",
                "--global-rate",
                str(args.global_rate),
                "--per-chat-interval",
                str(args.per_chat_interval),
                "--log-level",
                args.log_level,
                "--workers",
                str(args.workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=bot_log,
            stderr=subprocess.STDOUT,
        )
        connector = aiohttp.TCPConnector(limit=args.connections, force_close=False)
        async with aiohttp.ClientSession(connector=connector) as session:
            load = None
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if bot.poll() is not None:
                    raise RuntimeError(f"bot exited: {(workdir / 'bot.log').read_text()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(standin_url + "/bench/count") as r:
                        hook = (await r.json())["webhook"]
                    if hook:
                        async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                            if r.status == 200:
                                load = Load(hook, standin_url, args.chats, questions)
                                break
                await asyncio.sleep(0.1)
            if load is None:
                raise RuntimeError("the bot did not register its webhook in time")
            plan = []
            if args.warmup > 0:
                plan.append(Step(min(args.rates), args.warmup, warmup=True))
            plan += [Step(rate, args.duration) for rate in args.rates]
            pids = {"bot": bot.pid, "standin": standin.pid, "loadgen": os.getpid()}
            for step in plan:
                before = {k: cpu_seconds(p, tree=k == "bot") for k, p in pids.items()}
                pg_before = postgres_cpu()
                t = time.monotonic()
                await load.run_step(session, step)
                ok = await load.drain(session, args.drain_timeout)
                step.drained_at = time.monotonic()
                wall = step.drained_at - t
                step.cpu = {
                    k: round(100 * (cpu_seconds(p, tree=k == "bot") - before[k]) / wall)
                    for k, p in pids.items()
                }
                if kind == "postgres":
                    used = postgres_used(pg_before, postgres_cpu())
                    step.cpu["postgres"] = round(100 * used / wall)
                tag = " (warm-up)" if step.warmup else ""
                print(
                    f"  [{kind}] {step.rate:g}/s × {step.duration:g}s{tag}: "
                    f"{len(step.sent)} sent, drained={ok}, cpu={step.cpu}",
                    flush=True,
                )
                if not ok:
                    break
                await asyncio.sleep(args.pause)
            state = await load.state(session, full=True)
        arrivals = {int(c): v for c, v in state["arrivals"].items()}
        steps = _analyse(load, plan, arrivals)
        db = await _db_counts(url) if url else {}
        lost = dup = 0
        db_mismatch = 0
        sent_per_chat = db.get("sent_per_chat", {})
        for chat, records in load.per_chat.items():
            got = len(arrivals.get(chat, []))
            lost += max(0, len(records) - got)
            dup += max(0, got - len(records))
            if url and sent_per_chat.get(str(chat), 0) != len(records):
                db_mismatch += 1
        unknown_chats = sorted(set(arrivals) - set(load.per_chat))
        return {
            "database": kind,
            "steps": steps,
            "messages": load.total_sent,
            "replies": state["replies"],
            "chat_actions": state["chat_actions"],
            "lost": lost,
            "duplicated": dup,
            "replies_to_unknown_chats": len(unknown_chats),
            "errors": dict(load.errors),
            "db": {
                "outbox_by_status": db.get("outbox_by_status", db.get("error")),
                "inbound_messages": db.get("inbound_messages"),
                "chats_where_outbox_sent_rows_differ": db_mismatch,
            },
        }
    finally:
        stop(bot)
        stop(standin)
        bot_log.close()
        if kind == "postgres":
            with contextlib.suppress(Exception):
                await pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        if not args.keep:
            for p in workdir.iterdir():
                p.unlink()
            workdir.rmdir()
        else:
            print(f"  kept {workdir}", flush=True)


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| DB | offered msg/s | achieved msg/s | p50 ms | p95 ms | p99 ms | max ms "
        "| lost | dup | CPU % bot / stand-in / loadgen / PostgreSQL |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in result["runs"]:
        for s in run["steps"]:
            if s["warmup"]:
                continue
            lat = s["latency_ms"]
            cpu = s["cpu_percent"]
            lines.append(
                f"| {run['database']} | {s['offered_rate']:g} | {s['throughput_msgs_per_s']} "
                f"| {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} "
                f"| {s['messages'] - s['answered']} | – "
                f"| {cpu.get('bot')} / {cpu.get('standin')} / {cpu.get('loadgen')}"
                f" / {cpu.get('postgres', '–')} |"
            )
        lines.append(
            f"| {run['database']} total | | {run['messages']} msgs | | | | "
            f"| {run['lost']} | {run['duplicated']} | outbox {run['db']['outbox_by_status']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--db",
        default="sqlite,postgres",
        help="sqlite,postgres; 'none' measures the floor: the Telegram adapter alone",
    )
    parser.add_argument(
        "--rates", default="25,50,75,100", help="offered messages/s per step, comma-separated"
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per step")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds (lowest rate)")
    parser.add_argument("--pause", type=float, default=1.0, help="idle seconds between steps")
    parser.add_argument("--chats", type=int, default=1000, help="simulated customers")
    parser.add_argument(
        "--global-rate",
        type=float,
        default=0.0,
        help="channels.telegram.global_rate for the bot (0 = unlimited)",
    )
    parser.add_argument(
        "--per-chat-interval",
        type=float,
        default=1.0,
        help="channels.telegram.per_chat_interval for the bot",
    )
    parser.add_argument("--connections", type=int, default=256, help="load-generator pool")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=45.0,
        help="seconds to wait for all replies after a step; else stop there",
    )
    parser.add_argument("--log-level", default="INFO", help="the bot's log level")
    parser.add_argument(
        "--workers", type=int, default=1, help="bot processes (zabota run --workers; PostgreSQL)"
    )
    parser.add_argument("--questions", type=int, default=0, help="limit distinct questions")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "webhook_load.json"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (bot.log)")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r]
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]

    questions = faq_questions(args.questions or None)
    print(
        f"{len(questions)} FAQ questions, {args.chats} customers, rates {args.rates}, "
        f"{args.duration:g} s per step",
        flush=True,
    )
    runs = [asyncio.run(run_db(kind, args, questions)) for kind in kinds]
    result = {
        "benchmark": "telegram webhook → reply at the Bot API stand-in",
        "command": "python -m bench.webhook_load " + " ".join(argv or sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "limits": {
            "global_rate": args.global_rate,
            "per_chat_interval": args.per_chat_interval,
            "chats": args.chats,
            "bot_log_level": args.log_level,
        },
        "distinct_questions": len(questions),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    table = markdown(result)
    args.out.with_suffix(".md").write_text(table)
    print(table)
    ok = all(r["lost"] == 0 and r["duplicated"] == 0 for r in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

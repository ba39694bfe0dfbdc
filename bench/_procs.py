"""Process helpers of the load benchmark: ports, CPU readings from ``/proc``, stopping."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Any

PG_SERVER = os.environ.get("ZABOTA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL server process on this machine (during a run, only the
    bench uses the server). Compare two readings with :func:`postgres_used`."""
    found: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:
            continue
        if head.endswith("(postgres"):
            fields = rest.split()
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return found


def postgres_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings; a process that exited in between takes its share with
    it (so this is a lower bound), one that started counts from zero."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


def cpu_seconds(pid: int, *, tree: bool = False) -> float:
    """CPU time of the process, with ``tree`` plus its live children's (the bot's workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split() if tree else []
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    return own + sum(cpu_seconds(int(child), tree=True) for child in children)


def stop(proc: subprocess.Popen[Any] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_pg_database(name: str) -> str:
    """Drop and create PostgreSQL database ``name`` on :data:`PG_SERVER`; return its URL."""
    import asyncpg

    conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{PG_SERVER}/{name}"

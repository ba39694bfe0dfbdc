"""How fast a customer gets the bot's answer in the web chat of a real ``zabota run``.

    python -m bench.answer_latency [--questions 100]

Starts ``zabota run`` on a copy of the demo project (SQLite), measures process start → healthy
(cold start), then for each FAQ question (held-out paraphrases from tests/data/demo_heldout.tsv,
one at a time, as a customer types them) the time from the web chat POST to the bot's reply
being readable by the page's long-poll. Results: bench/results/answer_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "answer_latency.json"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _questions(limit: int) -> list[str]:
    rows = (ROOT / "tests" / "data" / "demo_heldout.tsv").read_text(encoding="utf-8").splitlines()
    texts = [r.split("\t")[0] for r in rows if r and not r.endswith("\toos")]
    return texts[:limit]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="zabota-latency-"))
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "data", work / "data")
    subprocess.run(  # train once, so cold start measures starting, not training
        [sys.executable, "-m", "bot.cli", "--project", str(work), "train"],
        check=True,
        capture_output=True,
    )
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VIBER_"))}
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--project", str(work), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            cold_start = time.monotonic() - started
            latencies: list[float] = []
            for n, question in enumerate(_questions(args.questions)):
                session = client.post("/webchat/api/session").json()  # a new customer each time
                t0 = time.perf_counter()
                client.post("/webchat/api/send", json={**session, "text": question, "id": str(n)})
                while True:
                    found = client.get(
                        "/webchat/api/messages", params={**session, "after": "0", "wait": "5"}
                    ).json()["messages"]
                    if any(m["author"] != "customer" for m in found):
                        break
                latencies.append((time.perf_counter() - t0) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "benchmark": "web chat answer latency (zabota run, SQLite, one customer at a time)",
        "command": "python -m bench.answer_latency",
        "questions": len(latencies),
        "cold_start_seconds": round(cold_start, 2),
        "latency_ms": {
            "p50": _pct(latencies, 0.5),
            "p95": _pct(latencies, 0.95),
            "p99": _pct(latencies, 0.99),
            "max": round(max(latencies), 1),
            "mean": round(statistics.fmean(latencies), 1),
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

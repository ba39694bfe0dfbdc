"""The load generator of the webhook benchmark: Telegram updates posted at a fixed rate (open
loop), redelivered as Telegram does, and the stand-in's record of the replies."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

CHAT_BASE = 7_000_000_000
REDELIVERIES = 5  # an update not answered 200 is sent again, as Telegram does …
REDELIVER_AFTER = 1.0  # … after this many seconds (latency still counts from the first POST)


@dataclass
class Sent:
    chat: int
    sent_at: float  # monotonic, when the POST started
    due: float  # monotonic, when the open-loop schedule wanted it
    status: int = 0
    acked_at: float = 0.0


@dataclass
class Step:
    rate: float
    duration: float
    warmup: bool = False
    sent: list[Sent] = field(default_factory=list)
    started: float = 0.0
    finished_sending: float = 0.0
    drained_at: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)


def _update(update_id: int, chat: int, text: str) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private", "first_name": "Клиент"},
                "from": {
                    "id": chat,
                    "is_bot": False,
                    "first_name": "Клиент",
                    "language_code": "ru",
                },
                "text": text,
            },
        },
        ensure_ascii=False,
    ).encode()


class Load:
    def __init__(
        self, webhook: dict[str, Any], standin: str, chats: int, questions: list[str]
    ) -> None:
        self.url = str(webhook["url"])
        self.headers = {
            "X-Telegram-Bot-Api-Secret-Token": str(webhook.get("secret_token", "")),
            "Content-Type": "application/json",
        }
        self.standin = standin
        self.chats = [CHAT_BASE + i for i in range(chats)]
        self.questions = questions
        self.next_message = 0
        self.per_chat: dict[int, list[Sent]] = {c: [] for c in self.chats}
        self.errors: Counter[str] = Counter()
        self.total_sent = 0

    async def _post(self, session: aiohttp.ClientSession, body: bytes, record: Sent) -> None:
        """POST the update; like Telegram, deliver it again while it is not answered 200."""
        for attempt in range(1 + REDELIVERIES):
            if attempt:
                await asyncio.sleep(REDELIVER_AFTER)
            try:
                async with session.post(self.url, data=body, headers=self.headers) as response:
                    await response.read()
                    record.status = response.status
                    if response.status == 200:
                        break
                    self.errors[f"http {response.status}"] += 1
            except Exception as exc:
                self.errors[f"{type(exc).__name__}: {exc}"[:160]] += 1
        record.acked_at = time.monotonic()

    async def run_step(self, session: aiohttp.ClientSession, step: Step) -> None:
        n = max(1, round(step.rate * step.duration))
        tasks: list[asyncio.Task[None]] = []
        step.started = t0 = time.monotonic() + 0.02
        for i in range(n):
            due = t0 + i / step.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            k = self.next_message
            self.next_message += 1
            chat = self.chats[k % len(self.chats)]
            text = self.questions[(k * 7919) % len(self.questions)]
            body = _update(1_000_000 + k, chat, text)
            record = Sent(chat, time.monotonic(), due)
            self.per_chat[chat].append(record)
            step.sent.append(record)
            tasks.append(asyncio.create_task(self._post(session, body, record)))
        step.finished_sending = time.monotonic()
        await asyncio.gather(*tasks)
        self.total_sent += n

    async def state(self, session: aiohttp.ClientSession, full: bool = False) -> dict[str, Any]:
        path = "/bench/state" if full else "/bench/count"
        async with session.get(self.standin + path) as response:
            return await response.json()

    async def drain(self, session: aiohttp.ClientSession, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (await self.state(session))["replies"] >= self.total_sent:
                return True
            await asyncio.sleep(0.05)
        return False

"""Channels without a messenger: the terminal chat and the collecting channel for tests.

Both go through the real outbox like Telegram and Viber do, so ``zabota chat`` and the
dialogue tests exercise the same path a customer's message takes in production.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import TextIO

from bot.channels.base import Capabilities, Channel
from bot.events import Button, Outbound


class CollectingChannel(Channel):
    """Keeps what each chat was sent (Rasa's ``CollectingOutputChannel``, as a real channel)."""

    capabilities = Capabilities(max_text_length=4096)

    def __init__(self, name: str = "test", *, files: bool = False) -> None:
        self.name = name
        self.files = files  # whether it takes operators' files (the console asks)
        self.sent: dict[str, list[Outbound]] = defaultdict(list)
        self.typing: list[str] = []  # chats shown «typing…», in order
        self._new = asyncio.Condition()

    async def send(self, chat_id: str, message: Outbound) -> Sequence[str]:
        self.sent[chat_id].append(message)
        async with self._new:
            self._new.notify_all()
        return [f"{chat_id}:{len(self.sent[chat_id])}"]

    async def notify_typing(self, chat_id: str) -> None:
        self.typing.append(chat_id)

    def accepts_files(self) -> bool:
        return self.files

    async def wait_for(self, chat_id: str, count: int, timeout: float = 5.0) -> list[Outbound]:
        """Wait until ``chat_id`` has received ``count`` messages in total."""
        async with asyncio.timeout(timeout), self._new:
            await self._new.wait_for(lambda: len(self.sent[chat_id]) >= count)
        return self.sent[chat_id]


class TerminalChannel(Channel):
    """Prints replies; remembers the last buttons so the user can press one by its number (at
    a terminal) or by its title."""

    name = "terminal"
    capabilities = Capabilities(max_text_length=100_000)

    def __init__(self, out: TextIO, *, user: str, numbered: bool = True) -> None:
        self.out = out
        self.chats = frozenset({user})  # another `zabota chat` on the database has its own
        self.numbered = numbered
        self._buttons: list[Button] = []

    async def send(self, chat_id: str, message: Outbound) -> Sequence[str]:
        who = {"operator": "Оператор", "system": "Система"}.get(message.author, "Бот")
        lines = [f"{who}: {message.text}"]
        callbacks = [b for b in message.buttons if not b.url]
        if message.buttons:
            self._buttons = callbacks
            number = 0
            for button in message.buttons:
                if button.url:
                    lines.append(f"  [{button.title}] {button.url}")
                else:
                    number += 1
                    lines.append(
                        f"  {number}. {button.title}" if self.numbered else f"  [{button.title}]"
                    )
        print("\n".join(lines), file=self.out, flush=True)
        return []

    def button_for(self, line: str) -> str | None:
        """The payload of button ``line``, if it names one: its exact title (case ignored), or
        its number when the buttons are numbered (a person at a terminal). From a pipe the
        buttons have no numbers, and a line of digits is what the customer typed — an order
        number, an answer «2» — as it would be in a messenger."""
        text = line.strip()
        if self.numbered and text.isdigit() and 1 <= int(text) <= len(self._buttons):
            return self._buttons[int(text) - 1].payload
        for button in self._buttons:
            if button.title.lower() == text.lower():
                return button.payload
        return None

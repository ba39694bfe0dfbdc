"""A test bot that reads like a conversation (Errbot's ``testbot``, over the real pipeline).

    alice = bot.customer("alice")
    await alice.say("как вернуть товар?")
    assert "14 дней" in alice.last_text

Each ``say``/``press`` goes through ``Engine.process`` and the real outbox to a
:class:`CollectingChannel`, so a test sees exactly what the customer would.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.channels.terminal import CollectingChannel
from bot.config import Settings
from bot.engine import Brain, Outcome
from bot.events import Inbound, InboundKind, Outbound
from bot.ownership import Owner
from bot.project import Project
from bot.runtime import Runtime
from bot.storage.db import Database

_ids = itertools.count(1)


@dataclass
class Customer:
    bot: TestBot
    user: str
    channel: str
    seen: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def sent(self) -> list[Outbound]:
        return self.bot.channels[self.channel].sent[self.user]

    async def _send(self, event: Inbound) -> list[Outbound]:
        outcome = await self.bot.runtime.process(event)
        self.outcomes.append(outcome)
        assert await self.bot.runtime.outbox.wait_idle(timeout=10), "outbox did not drain"
        new = self.sent[self.seen :]
        self.seen = len(self.sent)
        return new

    def event(self, **kwargs: object) -> Inbound:
        values: dict[str, object] = {
            "channel": self.channel,
            "external_id": f"ev-{next(_ids)}",
            "user_id": self.user,
            "chat_id": self.user,
            "display_name": self.user.title(),
        }
        values.update(kwargs)
        return Inbound(**values)  # type: ignore[arg-type]

    async def say(self, text: str, **kwargs: object) -> list[Outbound]:
        return await self._send(self.event(text=text, **kwargs))

    async def start(self, param: str | None = None) -> list[Outbound]:
        return await self._send(self.event(kind=InboundKind.START, start_param=param))

    async def press(self, title: str) -> list[Outbound]:
        """Press the button titled ``title`` on the newest message that has one."""
        for message in reversed(self.sent):
            for button in message.buttons:
                if button.title == title and not button.url:
                    return await self._send(
                        self.event(kind=InboundKind.BUTTON, payload=button.payload, text=title)
                    )
        raise AssertionError(
            f"no button {title!r} in {[b.title for m in self.sent for b in m.buttons]}"
        )

    async def redeliver(self, event: Inbound) -> list[Outbound]:
        return await self._send(event)

    @property
    def last(self) -> Outbound:
        assert self.sent, "the customer has received nothing"
        return self.sent[-1]

    @property
    def last_text(self) -> str:
        return self.last.text

    @property
    def last_outcome(self) -> Outcome:
        return self.outcomes[-1]

    def buttons(self) -> list[str]:
        return [b.title for b in self.last.buttons]


class TestBot:
    __test__ = False

    def __init__(self, runtime: Runtime, channels: dict[str, CollectingChannel]) -> None:
        self.runtime = runtime
        self.channels = channels

    def customer(self, user: str, channel: str = "telegram") -> Customer:
        return Customer(self, user, channel)

    async def operator(
        self, login: str, *, name: str, status: str = "online", capacity: int = 3
    ) -> int:
        """An operator of every team, «В сети», «Не на месте» (away) or «Не в сети»."""
        from handoff.auth import create_operator

        async with self.runtime.db.write() as session:
            operator = await create_operator(
                session, login, f"{login}-pass-1", display_name=name, capacity=capacity
            )
            operator.status = status
            return operator.id

    async def busy_operator(self, login: str = "boris", *, name: str = "Борис") -> int:
        """An operator online with every slot taken (one slot, and a customer of their own in
        it): the queue has somebody to wait for, so the bot names the minutes."""
        operator = await self.operator(login, name=name, capacity=1)
        theirs = self.customer(f"{login}-customer")
        await theirs.say("позовите оператора")
        assert theirs.last_outcome.owner is Owner.OPERATOR
        return operator


async def start_bot(
    project: Project,
    brain: Brain,
    db_url: str,
    *,
    clock: Callable[[], datetime] | None = None,
    channels: tuple[str, ...] = ("telegram", "viber", "webchat"),
) -> TestBot:
    collecting = {name: CollectingChannel(name) for name in channels}
    runtime = Runtime(
        project,
        Settings(database_url=db_url),
        brain,
        db=Database(db_url),
        channels=dict(collecting),
    )
    if clock is not None:
        runtime.engine.clock = clock
    await runtime.start(migrate=False)
    return TestBot(runtime, collecting)


ROOT = Path(__file__).resolve().parent.parent

"""A small, real handoff stack for tests: engine, outbox, a collecting channel, the service.

Only the NLU is a stand-in (it understands nothing, so «оператор» escalates by phrase and two
misses escalate by streak); everything else — storage, state machine, outbox — is the product.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from bot.bus import Bus
from bot.channels.terminal import CollectingChannel
from bot.config import ProjectConfig, load_config, load_domain
from bot.engine import Brain, Engine
from bot.events import Inbound, InboundKind, Outbound
from bot.outbox import OutboxSender
from bot.storage.db import Database
from bot.storage.models import Conversation, Handoff, Message, Operator
from handoff.auth import create_operator
from handoff.config import HandoffConfig
from handoff.service import HandoffService
from handoff.sla_clock import SlaClock
from handoff.waiting import WaitingNotices
from handoff.web import Console, routes
from knowledge_base.loader import load_kb
from nlu.api import Decision, IntentScore, Prediction

if TYPE_CHECKING:
    from tests.dialogue import TestBot

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-9"
_ids = itertools.count(1)

WALL_CLOCK = SlaClock(HandoffConfig(sla_in_working_hours=False))
"""A first-response goal of 60 s on the wall clock (the views' timers without hours)."""


class FakeNLU:
    """Rejects everything except messages naming a known intent word, with a fixed ranking."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = known or {"доставка": "delivery_time"}

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(t) for t in texts]

    def predict(self, text: str) -> Prediction:
        for word, intent in self.known.items():
            if word in text.lower():
                ranking = (IntentScore(intent, 0.91), IntentScore("order_status", 0.05))
                return Prediction(text, intent, 0.91, Decision.ANSWER, ranking)
        ranking = (IntentScore("delivery_time", 0.31), IntentScore("payment_methods", 0.22))
        return Prediction(text, "delivery_time", 0.31, Decision.REJECT, ranking)

    def fit(self, examples: Any) -> None:  # pragma: no cover - never trained
        raise NotImplementedError

    def save(self, path: Path) -> None:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def load(cls, path: Path) -> Self:  # pragma: no cover
        raise NotImplementedError

    @property
    def intents(self) -> list[str]:
        return sorted(set(self.known.values()))


def make_brain(*, always_open: bool = True) -> Brain:
    config: ProjectConfig = load_config(ROOT / "config.yml")
    config.handoff.working_hours.always_open = always_open
    kb = load_kb([ROOT / p for p in config.knowledge_base])
    return Brain(config=config, domain=load_domain(ROOT / "domain.yml"), kb=kb, nlu=FakeNLU())


def without_responses(brain: Brain, *names: str) -> Brain:
    """``brain`` as a project whose domain.yml lacks the responses ``names``."""
    responses = {k: v for k, v in brain.domain.responses.items() if k not in names}
    return dataclasses.replace(brain, domain=dataclasses.replace(brain.domain, responses=responses))


@contextlib.asynccontextmanager
async def demo_bot_without(
    db_url: str, project: Any, model: Any, *names: str
) -> AsyncIterator[TestBot]:
    """The demo bot, running, as a project whose domain.yml lacks the responses ``names``: what
    deleting an optional phrase falls back to."""
    from tests.conftest import brain_for
    from tests.dialogue import start_bot

    bot = await start_bot(project, without_responses(brain_for(project, model), *names), db_url)
    try:
        yield bot
    finally:
        await bot.runtime.stop()


@dataclass
class Stack:
    db: Database
    bus: Bus
    engine: Engine
    outbox: OutboxSender
    channel: CollectingChannel
    service: HandoffService

    async def say(self, user: str, text: str = "", *, payload: str | None = None) -> int:
        """The customer ``user`` writes (or presses ``payload``); returns the conversation id."""
        event = Inbound(
            channel=self.channel.name,
            external_id=f"e{next(_ids)}",
            user_id=user,
            chat_id=user,
            kind=InboundKind.BUTTON if payload else InboundKind.TEXT,
            text=text,
            payload=payload,
            display_name=f"Клиент {user}",
        )
        outcome = await self.engine.process(event)
        await self.outbox.wait_idle(5)
        assert outcome.conversation_id is not None or payload
        return outcome.conversation_id or 0

    async def escalate(self, user: str) -> int:
        return await self.say(user, "позовите оператора")

    async def delivered(self, user: str) -> list[Outbound]:
        await self.outbox.wait_idle(5)
        return list(self.channel.sent[user])

    async def texts(self, user: str) -> list[str]:
        """What ``user`` has read so far, oldest first."""
        return [m.text for m in await self.delivered(user)]

    async def events(self, conversation_id: int) -> list[str]:
        """The conversation's history lines («Назначено оператору …»), oldest first."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(Message.text)
                .where(Message.conversation_id == conversation_id, Message.kind == "event")
                .order_by(Message.id)
            )
            return list(rows)

    def waiting_notices(self) -> WaitingNotices:
        """The maintenance job that tells customers kept past their promised wait."""
        brain = self.engine.brain
        return WaitingNotices(
            self.db, self.bus, lambda: (brain.config.handoff, brain.domain), self.outbox.wake
        )

    async def conversation(self, conversation_id: int) -> Conversation:
        async with self.db.read() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            return conversation

    async def operator(
        self,
        username: str,
        *,
        teams: list[str] | None = None,
        capacity: int = 3,
        status: str = "online",
        role: str = "operator",
        name: str | None = None,
    ) -> int:
        async with self.db.write() as session:
            operator = await create_operator(
                session,
                username,
                PASSWORD,
                role=role,
                teams=teams,
                capacity=capacity,
                display_name=name or username.capitalize(),
            )
            operator.status = status
            return operator.id

    async def busy_operator(self, username: str = "boris", *, name: str | None = None) -> int:
        """An operator online with every slot taken (one slot, and a customer of their own in
        it): the queue has somebody to wait for, so the bot names the minutes."""
        operator = await self.operator(username, capacity=1, name=name)
        taken = await self.escalate(f"{username}-customer")
        assert (await self.conversation(taken)).operator_id == operator
        return operator

    async def operator_row(self, operator_id: int) -> Operator:
        async with self.db.read() as session:
            row = await session.scalar(select(Operator).where(Operator.id == operator_id))
            assert row is not None
            return row


@contextlib.asynccontextmanager
async def stack(db: Database, brain: Brain | None = None) -> AsyncIterator[Stack]:
    bus = Bus()
    channel = CollectingChannel("test")
    outbox = OutboxSender(db, {channel.name: channel}, bus, poll_interval=0.05)
    brain = brain or make_brain()
    engine = Engine(db, brain, bus, outbox=outbox)
    service = HandoffService(db, bus, lambda: engine.brain, outbox.wake)
    await outbox.start()
    try:
        yield Stack(db, bus, engine, outbox, channel, service)
    finally:
        await outbox.stop()


def conversation(
    customer_id: int,
    owner: str,
    start: datetime,
    answered_after: float | None,
    *,
    escalated: bool = True,
    ended: tuple[datetime, str] | None = None,
) -> Conversation:
    """A conversation that started at ``start``, handed over then (if ``escalated``) and
    first answered by a person ``answered_after`` seconds later (None: not yet), with its
    handoff's row (:mod:`bot.storage.handoffs`). The handoff lasts while people have it
    (``queued``, ``operator``); else it ended when ``ended`` says — (when, the owner change's
    reason) — or, not said, by an owner change nobody kept, at its first answer (or start)."""
    answered = start + timedelta(seconds=answered_after) if answered_after is not None else None
    handoff = Handoff(reason=None, escalated_at=start, first_response_at=answered)
    if ended is not None:
        handoff.ended_at, handoff.outcome = ended
    elif owner not in ("queued", "operator"):
        handoff.ended_at = answered or start
    return Conversation(
        customer_id=customer_id,
        owner=owner,
        channel="test",
        chat_id="c",
        context={},
        unknown_streak=0,
        created_at=start,
        updated_at=start,
        escalated_at=start if escalated else None,
        first_response_at=answered,
        handoffs=[handoff] if escalated else [],
    )


def operator_reply(conversation: Conversation, operator_id: int, at: datetime) -> Message:
    """An operator's message in ``conversation`` sent at ``at``."""
    return Message(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        direction="out",
        author="operator",
        operator_id=operator_id,
        kind="message",
        text="ok",
        data={},
        created_at=at,
    )


@dataclass
class Env:
    """The console's app over a :class:`Stack`, for HTTP tests."""

    s: Stack
    app: Starlette

    def client(self, address: str = "127.0.0.1", **kwargs: object) -> httpx.AsyncClient:
        """A browser of the console (at ``address``: what the login limits see)."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 50123))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def console_env(db: Database, brain: Brain | None = None) -> AsyncIterator[Env]:
    async with stack(db, brain) as s:
        console = Console(db, s.bus, s.service, lambda: s.engine.brain, b"k" * 32)
        yield Env(s, Starlette(routes=routes(console)))


async def login(client: httpx.AsyncClient, username: str) -> str:
    """Log ``username`` in (password :data:`PASSWORD`); the client sends the CSRF token."""
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf"]
    client.headers["X-CSRF-Token"] = csrf
    return csrf


async def customer_card(client: httpx.AsyncClient, conversation_id: int) -> dict[str, Any]:
    """The customer card of a conversation, as the console gets it."""
    response = await client.get(f"/api/v1/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    card: dict[str, Any] = response.json()["customer_card"]
    return card


async def admin_and_customer(env: Env, user: str = "c1") -> tuple[int, int]:
    """An administrator «boss» (away, so nothing is assigned) and a customer who said hello:
    the conversation's and the customer's ids."""
    await env.s.operator("boss", role="admin", name="Босс", status="away")
    conversation = await env.s.say(user, "здравствуйте")
    return conversation, (await env.s.conversation(conversation)).customer_id

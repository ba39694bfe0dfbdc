"""The durable outbox: order per chat, rate limits, retries, permanent failures, restarts.

A scripted channel plays the messenger: each ``send`` pops the next scripted result.
Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.channels.base import (
    Capabilities,
    Channel,
    DeliveryError,
    PermanentError,
    RetryAfter,
    TransientError,
)
from bot.events import Inbound, Outbound
from bot.outbox import OutboxSender
from bot.storage import outgoing, repo
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, OutboxItem, utcnow


class ScriptedChannel(Channel):
    name = "scripted"

    def __init__(self, per_chat_interval: float = 0.0, global_rate: float = 0.0) -> None:
        self.capabilities = Capabilities(
            max_text_length=4096, per_chat_interval=per_chat_interval, global_rate=global_rate
        )
        self.script: deque[DeliveryError | None] = deque()
        self.delivered: dict[str, list[str]] = defaultdict(list)
        self.attempts: list[tuple[str, str, float]] = []
        self.arrived = asyncio.Event()

    async def send(self, chat_id: str, message: Outbound) -> Sequence[str]:
        loop = asyncio.get_running_loop()
        self.attempts.append((chat_id, message.text, loop.time()))
        outcome = self.script.popleft() if self.script else None
        if outcome is not None:
            raise outcome
        self.delivered[chat_id].append(message.text)
        self.arrived.set()
        return [f"m{len(self.delivered[chat_id])}"]


async def conversation_for(db: Database, chat: str, channel: str = "scripted") -> Conversation:
    async with db.write() as s:
        identity = await repo.get_or_create_identity(
            s, Inbound(channel=channel, external_id=chat, user_id=chat, chat_id=chat)
        )
        conv, _ = await repo.open_conversation(s, identity.customer_id, channel, chat)
        return conv


async def enqueue(db: Database, conv: Conversation, *texts: str) -> None:
    async with db.write() as s:
        fresh = await s.get(Conversation, conv.id)
        assert fresh is not None
        for text in texts:
            outgoing.enqueue(s, fresh, Outbound(text=text))


async def run_sender(db: Database, channel: Channel) -> OutboxSender:
    sender = OutboxSender(db, {channel.name: channel})
    await sender.start()
    return sender


async def statuses(db: Database) -> list[tuple[str, str]]:
    async with db.read() as s:
        rows = await s.execute(
            select(OutboxItem.payload, OutboxItem.status).order_by(OutboxItem.id)
        )
        return [(p["text"], st) for p, st in rows.all()]


async def test_messages_to_one_chat_arrive_in_order(db: Database) -> None:
    channel = ScriptedChannel()
    conv = await conversation_for(db, "c1")
    await enqueue(db, conv, *[f"сообщение {i}" for i in range(10)])
    sender = await run_sender(db, channel)
    try:
        assert await sender.wait_idle(5, scheduled=True)
    finally:
        await sender.stop()
    assert channel.delivered["c1"] == [f"сообщение {i}" for i in range(10)]
    assert {st for _, st in await statuses(db)} == {"sent"}


async def test_retry_after_is_respected_and_later_messages_wait(db: Database) -> None:
    channel = ScriptedChannel()
    channel.script.append(RetryAfter(0.3))
    conv = await conversation_for(db, "c1")
    await enqueue(db, conv, "первое", "второе")
    sender = await run_sender(db, channel)
    try:
        assert await sender.wait_idle(5, scheduled=True)
    finally:
        await sender.stop()
    assert channel.delivered["c1"] == ["первое", "второе"]
    first_try, retry = channel.attempts[0][2], channel.attempts[1][2]
    assert channel.attempts[1][1] == "первое"
    assert retry - first_try >= 0.29  # waited the server's retry_after before anything else


async def test_server_errors_are_retried_with_backoff_until_success(db: Database) -> None:
    channel = ScriptedChannel()
    channel.script.extend([TransientError("500"), TransientError("502")])
    conv = await conversation_for(db, "c1")
    await enqueue(db, conv, "ответ")
    sender = await run_sender(db, channel)
    try:
        assert await sender.wait_idle(10, scheduled=True)
    finally:
        await sender.stop()
    assert channel.delivered["c1"] == ["ответ"]
    assert [a[1] for a in channel.attempts] == ["ответ"] * 3
    async with db.read() as s:
        item = await s.scalar(select(OutboxItem))
        assert item is not None and item.attempts == 3 and item.status == "sent"


async def test_a_blocked_customer_is_a_permanent_failure_shown_to_operators(db: Database) -> None:
    channel = ScriptedChannel()
    channel.script.append(PermanentError("Forbidden: bot was blocked by the user"))
    conv = await conversation_for(db, "c1")
    await enqueue(db, conv, "ответ", "ещё ответ")
    sender = await run_sender(db, channel)
    try:
        assert await sender.wait_idle(5, scheduled=True)
    finally:
        await sender.stop()
    assert await statuses(db) == [("ответ", "failed"), ("ещё ответ", "sent")]
    async with db.read() as s:
        events = (await s.scalars(select(Message).where(Message.kind == "event"))).all()
    # The operator reads what it means; the messenger's own words stay in the row's data.
    assert [e.text for e in events] == [
        "Сообщение не доставлено: клиент заблокировал бота или отписался"
    ]
    assert events[0].data["error"] == "Forbidden: bot was blocked by the user"


async def test_per_chat_interval_spaces_messages_but_not_other_chats(db: Database) -> None:
    channel = ScriptedChannel(per_chat_interval=0.2)
    a, b = await conversation_for(db, "a"), await conversation_for(db, "b")
    await enqueue(db, a, "a1", "a2")
    await enqueue(db, b, "b1")
    sender = await run_sender(db, channel)
    try:
        assert await sender.wait_idle(5, scheduled=True)
    finally:
        await sender.stop()
    times = {text: t for _, text, t in channel.attempts}
    assert times["a2"] - times["a1"] >= 0.19
    assert abs(times["b1"] - times["a1"]) < 0.15


async def test_restart_resumes_unsent_messages_without_sending_twice(db: Database) -> None:
    conv = await conversation_for(db, "c1")
    await enqueue(db, conv, "уже отправлено", "зависло при отправке", "не отправлено")
    async with db.write() as s:
        rows = (await s.scalars(select(OutboxItem).order_by(OutboxItem.id))).all()
        rows[0].status, rows[0].sent_at = "sent", utcnow()
        # The previous process claimed this one and died: its lease has run out.
        rows[1].status, rows[1].claimed_until = "sending", utcnow() - timedelta(seconds=1)
    channel = ScriptedChannel()
    sender = await run_sender(db, channel)  # "after the restart"
    try:
        assert await sender.wait_idle(5, scheduled=True)
    finally:
        await sender.stop()
    assert channel.delivered["c1"] == ["зависло при отправке", "не отправлено"]


async def test_a_live_claim_of_another_process_is_not_stolen(db: Database) -> None:
    conv = await conversation_for(db, "c1")
    await enqueue(db, conv, "занято другим процессом", "следующее")
    async with db.write() as s:
        await s.execute(
            update(OutboxItem)
            .where(OutboxItem.payload.is_not(None))
            .values(status="sending", claimed_until=utcnow() + timedelta(seconds=30))
        )
    channel = ScriptedChannel()
    sender = await run_sender(db, channel)
    try:
        await sender.pump()
        await asyncio.sleep(0.2)
    finally:
        await sender.stop()
    assert channel.attempts == []


async def test_global_rate_limit(db: Database) -> None:
    channel = ScriptedChannel(global_rate=20)
    for i in range(30):
        conv = await conversation_for(db, f"chat{i}")
        await enqueue(db, conv, f"m{i}")
    sender = await run_sender(db, channel)
    try:
        assert await sender.wait_idle(10, scheduled=True)
    finally:
        await sender.stop()
    times = sorted(t for *_, t in channel.attempts)
    assert len(times) == 30
    assert times[-1] - times[0] >= 0.45  # 30 messages at 20/s with a bucket of 20


async def test_stop_returns_even_when_a_wake_up_races_the_cancellation(db: Database) -> None:
    # Python 3.11's ``asyncio.wait_for`` could swallow a cancellation that arrived just as the
    # awaited event fired; the sender loop then ran on and ``stop()`` never returned (a CI run
    # hung on it for 90 minutes). Wake the sender and stop it a few loop ticks later, for every
    # small number of ticks, so that some stop lands in that window.
    channel = ScriptedChannel()
    sender = OutboxSender(db, {channel.name: channel}, poll_interval=30)
    for ticks in [0, 1, 2, 3, 4, 5] * 5:
        await sender.start()
        assert await sender.wait_idle(5)
        await asyncio.sleep(0.01)  # the sender has pumped and sleeps in its wait
        sender.wake()
        for _ in range(ticks):
            await asyncio.sleep(0)
        async with asyncio.timeout(5):
            await sender.stop()
        assert sender._task is None and sender._flusher is None


async def test_a_message_queued_while_the_sender_is_busy_is_not_left_waiting(
    db: Database,
) -> None:
    # A reply committed while the sender is inside pump() wakes it; that wake-up must not be
    # lost, or the reply waits for the next poll (here 30 s) instead of going out at once.
    channel = ScriptedChannel()
    late = await conversation_for(db, "c2")

    class Busy(OutboxSender):
        queued_during_pump = False

        async def pump(self) -> float:
            delay = await super().pump()
            if not self.queued_during_pump:
                self.queued_during_pump = True
                await enqueue(db, late, "ответ, пришедший во время pump")
                self.wake()
            return delay

    sender = Busy(db, {channel.name: channel}, poll_interval=30)  # nothing due at first
    await sender.start()
    try:
        # Not wait_idle(): it wakes the sender itself and would hide a lost wake-up.
        async with asyncio.timeout(5):
            await channel.arrived.wait()
    finally:
        await sender.stop()
    assert channel.delivered["c2"] == ["ответ, пришедший во время pump"]


async def test_stop_lets_a_running_pump_finish_its_database_call(db: Database) -> None:
    """A pump cancelled mid-query leaves the query running in aiosqlite's thread, which then
    reports to a closed event loop; stop() lets the pump reach its own stop check instead."""
    channel = ScriptedChannel()
    sender = OutboxSender(db, {channel.name: channel})
    in_pump, finished = asyncio.Event(), []

    async def slow_pump() -> float:
        in_pump.set()
        await asyncio.sleep(0.2)  # a database call in flight
        finished.append(True)
        return 1.0

    sender.pump = slow_pump  # type: ignore[method-assign]
    await sender.start()
    await in_pump.wait()
    await sender.stop()
    assert finished == [True]


# --- The engine's reply, leased in the message's own transaction ----------------------------


def _count_pumps(sender: OutboxSender) -> list[int]:
    """Counts ``sender.pump`` calls from now on (``[n]``)."""
    calls = [0]
    original = sender.pump

    async def counting() -> float:
        calls[0] += 1
        return await original()

    sender.pump = counting  # type: ignore[method-assign]
    return calls


async def test_a_faq_answer_is_sent_right_after_its_commit_without_a_pump(bot: Any) -> None:
    runtime, telegram = bot.runtime, bot.channels["telegram"]
    runtime.outbox.poll_interval = 60.0  # no idle polling during the test
    assert await runtime.outbox.wait_idle(5)
    pumps = _count_pumps(runtime.outbox)
    pumps_when_sent: list[int] = []
    send = telegram.send

    async def recording(chat_id: str, message: Outbound) -> list[str]:
        pumps_when_sent.append(pumps[0])
        return await send(chat_id, message)

    telegram.send = recording  # type: ignore[method-assign]
    outcome = await runtime.process(bot.customer("alice").event(text="как вернуть товар?"))
    assert outcome.claimed is not None
    sent = await telegram.wait_for("alice", 1)
    assert "14 дней" in sent[0].text
    assert pumps_when_sent == [0]  # it went out before any pump ran


async def test_a_reply_waits_behind_its_chats_earlier_message(bot: Any) -> None:
    runtime, telegram = bot.runtime, bot.channels["telegram"]
    alice = bot.customer("alice")
    await alice.say("здравствуйте")
    async with runtime.db.write() as session:  # an earlier message, held back (a 429's wait)
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None
        outgoing.enqueue(session, conversation, Outbound(text="Сначала это"))
    async with runtime.db.write() as session:
        await session.execute(
            update(OutboxItem)
            .where(OutboxItem.status == "pending")
            .values(next_attempt_at=utcnow() + timedelta(seconds=30))
        )
    before = len(telegram.sent["alice"])
    outcome = await runtime.process(alice.event(text="как вернуть товар?"))
    assert outcome.claimed is None  # not leased: it would overtake «Сначала это»
    await asyncio.sleep(0.3)
    assert len(telegram.sent["alice"]) == before
    async with runtime.db.read() as session:
        waiting = (
            await session.scalars(
                select(OutboxItem.payload)
                .where(OutboxItem.status == "pending")
                .order_by(OutboxItem.id)
            )
        ).all()
    assert len(waiting) == 2 and waiting[0]["text"] == "Сначала это"


async def test_a_reply_queued_behind_one_in_flight_follows_it_at_once(bot: Any) -> None:
    runtime, telegram = bot.runtime, bot.channels["telegram"]
    runtime.outbox.poll_interval = 60.0  # only a wake-up can send the second reply in time
    assert await runtime.outbox.wait_idle(5)
    send = telegram.send

    async def slow(chat_id: str, message: Outbound) -> list[str]:
        await asyncio.sleep(0.3)  # the first reply is still in flight when the second is queued
        return await send(chat_id, message)

    telegram.send = slow  # type: ignore[method-assign]
    alice = bot.customer("alice")
    loop = asyncio.get_running_loop()
    started = loop.time()
    first = await runtime.process(alice.event(text="как вернуть товар?"))
    second = await runtime.process(alice.event(text="сколько стоит доставка?"))
    assert first.claimed is not None and second.claimed is None  # the chat was busy
    sent = await telegram.wait_for("alice", 2, timeout=10)
    assert loop.time() - started < 3
    assert "14 дней" in sent[0].text and "14 дней" not in sent[1].text


async def test_two_terminal_chats_on_one_database_print_only_their_own_replies(
    db: Database,
) -> None:
    """Two `zabota chat` processes (QA8 L7): each outbox sends only its own user's replies."""
    import io

    from bot.channels.terminal import TerminalChannel

    anna_out, boris_out = io.StringIO(), io.StringIO()
    anna = await run_sender(db, TerminalChannel(anna_out, user="anna"))
    boris = await run_sender(db, TerminalChannel(boris_out, user="boris"))
    try:
        await enqueue(db, await conversation_for(db, "anna", "terminal"), "Анне: заказ в пути")
        await enqueue(db, await conversation_for(db, "boris", "terminal"), "Борису: возврат")
        for sender in (anna, boris):
            sender.wake()
        assert await anna.wait_idle(5, channel="terminal")  # not Boris's row: his own process
        assert await boris.wait_idle(5, channel="terminal")
    finally:
        await anna.stop()
        await boris.stop()
    assert anna_out.getvalue() == "Бот: Анне: заказ в пути\n"
    assert boris_out.getvalue() == "Бот: Борису: возврат\n"

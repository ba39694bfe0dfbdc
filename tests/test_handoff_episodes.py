"""Every handover to people counts once in the lead's statistics, and a conversation handed
over again leaves the figures of its earlier handovers as they were (bot/storage/handoffs.py).

QA's case: Анна answered a customer twice and gave the conversation back to the bot; the
customer then asked where their order was, and the flow handed the same conversation over
again. The first handover's first response, its later reply and its resolution vanished from
the statistics, Анна's median jumped, and «Передано операторам» lost one.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.events import Inbound, InboundKind
from bot.project import load_project
from bot.storage import erasure
from bot.storage.db import Database, upgrade
from bot.storage.export import personal_data
from bot.storage.models import (
    Conversation,
    Customer,
    Handoff,
    Message,
    Operator,
    Transition,
    utcnow,
)
from handoff.metrics import compute
from tests.conftest import downgrade
from tests.handoff_kit import ROOT, FakeNLU, Stack, conversation, make_brain, stack


def orders_brain() -> Any:
    """The demo project with its flows; «заказ» starts «Где мой заказ»."""
    brain = make_brain()
    brain.flows = load_project(ROOT).flows
    brain.nlu = FakeNLU({"заказ": "order_status", "доставка": "delivery_time"})
    return brain


async def figures(s: Stack, since: datetime, until: datetime | None = None) -> dict[str, Any]:
    async with s.db.read() as session:
        return await compute(session, since, until, brain=s.engine.brain)


async def handoffs_of(db: Database, conversation_id: int) -> list[Handoff]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id)
        )
        return list(rows)


async def press(s: Stack, user: str, title: str) -> int:
    """The customer presses the button titled ``title`` under the bot's latest message."""
    latest = (await s.delivered(user))[-1]
    button = next(b for b in latest.buttons if b.title == title)
    return await s.say(user, title, payload=button.payload)


async def test_a_second_handover_leaves_the_first_ones_figures_as_they_were(db: Database) -> None:
    since = utcnow() - timedelta(hours=1)
    async with stack(db, orders_brain()) as s:
        anna = await s.operator("anna", name="Анна", status="away")  # takes nothing by herself
        conv = await s.escalate("c1")
        await s.service.reply(conv, anna, "Здравствуйте! Смотрю.")
        await s.say("c1", "а можно побыстрее?")
        await s.service.reply(conv, anna, "Уже почти.")
        await s.service.return_to_bot(conv, anna)
        until = utcnow()
        before = await figures(s, since, until)
        assert before["first_response"]["escalated"] == 1
        assert before["first_response"]["answered"] == 1
        assert before["replies"]["answered"] == 1
        assert before["resolution"]["resolved"] == 1
        [anna_before] = before["operators"]
        assert (anna_before["operator"], anna_before["resolved"]) == ("Анна", 1)

        # The customer asks where the order is; the order is late: the flow hands over again.
        assert await s.say("c1", "где мой заказ") == conv
        await s.say("c1", "12345678")
        assert await press(s, "c1", "Нет, заказ задерживается") == conv
        assert (await s.conversation(conv)).owner == "queued"

        # The same period reads the same figures: the past did not change.
        again = await figures(s, since, until)
        for key in ("first_response", "replies", "resolution", "operators", "handoffs"):
            assert again[key] == before[key], key
        # And now: two handovers, the first one answered and resolved, the second one waiting.
        now = await figures(s, since)
    first = now["first_response"]
    assert (first["escalated"], first["answered"], first["waiting"]) == (2, 1, 1)
    assert first["p50_seconds"] == before["first_response"]["p50_seconds"]
    assert now["replies"] == before["replies"]
    assert now["resolution"] == before["resolution"]
    [anna_now] = now["operators"]
    assert anna_now["first_response_p50_seconds"] == anna_before["first_response_p50_seconds"]
    assert (anna_now["resolved"], anna_now["reply_p50_seconds"]) == (
        1,
        anna_before["reply_p50_seconds"],
    )
    assert [(r["reason"], r["count"]) for r in now["handoffs"]["reasons"]] == [
        ("customer_request", 1),
        ("flow", 1),
    ]
    assert now["deflection"]["without_person"] == 0  # one conversation, handed over

    first_handover, second = await handoffs_of(db, conv)
    assert (first_handover.reason, first_handover.outcome) == (
        "customer_request",
        "returned_to_bot",
    )
    assert first_handover.first_operator_id == anna
    assert first_handover.first_response_at is not None and first_handover.ended_at is not None
    assert (second.reason, second.first_response_at, second.ended_at) == ("flow", None, None)


async def test_a_withdrawn_call_and_a_new_one_are_two_different_things(db: Database) -> None:
    """The customer takes the first call back before anyone answers, then asks again and is
    answered: one cancelled call, one handover, answered."""
    async with stack(db) as s:
        anna = await s.operator("anna", name="Анна", status="away")
        conv = await s.escalate("c1")
        await s.say("c1", "Отменить вызов оператора", payload="/cancel_handoff")
        assert (await s.conversation(conv)).owner == "bot"
        assert await s.escalate("c1") == conv
        await s.service.reply(conv, anna, "Здравствуйте!")
        data = await figures(s, utcnow() - timedelta(hours=1))
    first = data["first_response"]
    assert (first["cancelled"], first["escalated"], first["answered"]) == (1, 1, 1)
    cancelled, answered = await handoffs_of(db, conv)
    assert (cancelled.outcome, cancelled.first_response_at) == ("customer_cancelled", None)
    assert answered.first_operator_id == anna and answered.ended_at is None


async def test_an_operator_joining_the_bot_twice_starts_two_handovers(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", name="Анна")
        conv = await s.say("c1", "доставка в Казань")
        await s.service.take(conv, anna)
        await s.service.reply(conv, anna, "Подскажу по доставке.")
        await s.service.return_to_bot(conv, anna)
        await s.say("c1", "а в Самару?")
        await s.service.take(conv, anna)
        data = await figures(s, utcnow() - timedelta(hours=1))
    assert [(h.reason, h.outcome) for h in await handoffs_of(db, conv)] == [
        ("operator_joined", "returned_to_bot"),
        ("operator_joined", None),
    ]
    first = data["first_response"]
    assert (first["escalated"], first["answered"], first["waiting"]) == (2, 1, 1)


async def test_the_history_says_who_took_and_closed_it_whatever_their_gender(
    db: Database,
) -> None:
    async with stack(db) as s:
        maria = await s.operator("maria", name="Мария", status="away")
        conv = await s.escalate("c1")
        await s.service.take(conv, maria)
        await s.service.close(conv, maria)
        lines = await s.events(conv)
    assert "Мария взял(а) диалог" in lines
    assert "Диалог закрыл(а) Мария" in lines


async def a_web_visit(s: Stack, user: str) -> int:
    """A visitor opens the web chat (the bot greets them) and writes nothing."""
    outcome = await s.engine.process(
        Inbound(
            channel=s.channel.name,
            external_id=f"open-{user}",
            user_id=user,
            chat_id=user,
            kind=InboundKind.START,
            text="",
        )
    )
    assert outcome.conversation_id is not None
    return outcome.conversation_id


async def test_visitors_who_only_opened_the_chat_are_not_resolved_without_a_person(
    db: Database,
) -> None:
    """QA: «Решено без оператора 40% (2 из 5)», both 2 being visitors who never wrote."""
    async with stack(db) as s:
        for user in ("v1", "v2"):
            await a_web_visit(s, user)
        for user in ("c1", "c2", "c3"):
            await s.escalate(user)
        # Opened the chat, then asked: that is a conversation the bot handled alone.
        await a_web_visit(s, "v3")
        await s.say("v3", "доставка в Казань")
        data = await figures(s, utcnow() - timedelta(hours=1))
    assert data["deflection"] == {"conversations": 4, "without_person": 1, "rate": 0.25}
    assert [(c["conversations"], c["handed_over"]) for c in data["channels"]] == [(4, 3)]


async def test_a_telegram_start_alone_is_no_conversation_the_bot_resolved(db: Database) -> None:
    """Telegram's «Start» button sends «/start»: the bot greets, nothing was asked."""
    async with stack(db) as s:
        await s.escalate("c1")
        for user, text in (("t1", "/start"), ("t2", "/start"), ("t3", "/start faq_delivery_cost")):
            event = Inbound(
                channel=s.channel.name,
                external_id=f"start-{user}",
                user_id=user,
                chat_id=user,
                kind=InboundKind.START,
                text=text,
                start_param=text.partition(" ")[2] or None,
            )
            assert (await s.engine.process(event)).conversation_id is not None
        await s.say("t2", "доставка в Казань")  # then asked: the bot handled that alone
        data = await figures(s, utcnow() - timedelta(hours=1))
    # c1 went to a person; t2 asked, t3 came by a link to an answer; t1 only pressed «Start».
    assert data["deflection"] == {"conversations": 3, "without_person": 2, "rate": 0.667}


async def test_a_photo_without_words_is_writing(db: Database) -> None:
    """An empty text with an attachment is a customer who wrote (a photo of the receipt)."""
    now = utcnow()
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        session.add(customer)
        await session.flush()
        photo, opened = (conversation(customer.id, "bot", now, None, escalated=False) for _ in "ab")
        session.add_all([photo, opened])
        await session.flush()
        for c, data in ((photo, {"attachments": [{"kind": "photo"}]}), (opened, {})):
            session.add(
                Message(
                    conversation_id=c.id,
                    customer_id=customer.id,
                    channel="test",
                    direction="in",
                    author="customer",
                    kind="message",
                    text="",
                    data=data,
                    created_at=now,
                )
            )
    async with db.read() as session:
        data = await compute(session, now - timedelta(hours=1), brain=make_brain())
    assert data["deflection"] == {"conversations": 1, "without_person": 1, "rate": 1.0}


async def test_the_export_lists_each_handover_and_erasure_keeps_them(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", name="Анна", status="away")
        conv = await s.escalate("c1")
        await s.service.reply(conv, anna, "Здравствуйте!")
        await s.service.return_to_bot(conv, anna)
        await s.escalate("c1")
        async with db.read() as session:
            customer_id = (await session.get(Conversation, conv)).customer_id  # type: ignore[union-attr]
            exported = await personal_data(session, customer_id)
        [dialogue] = exported.conversations
        assert [(h.reason, h.first_operator, h.outcome) for h in dialogue.handoffs] == [
            ("customer_request", "Анна", "returned_to_bot"),
            ("customer_request", None, None),
        ]
        assert '"first_operator": "Анна"' in exported.to_json()
        before = await figures(s, utcnow() - timedelta(hours=1))
        async with db.write() as session:
            await erasure.forget_customer(session, customer_id, actor="admin:boss")
        after = await figures(s, utcnow() - timedelta(hours=1))
    # Times and reasons carry nobody's personal data: they stay, the open one ends.
    assert [h.outcome for h in await handoffs_of(db, conv)] == ["returned_to_bot", "erased"]
    for key in ("replies", "resolution", "deflection"):
        assert after[key] == before[key], key
    assert after["first_response"]["escalated"] == before["first_response"]["escalated"] == 2


async def test_the_upgrade_rebuilds_past_handovers_from_the_owner_changes(fresh_url: str) -> None:
    """A database of the version that kept only the latest handover on the conversation: the
    migration brings the earlier one back from the transitions and the operators' messages."""
    await asyncio.to_thread(upgrade, fresh_url, "0019")
    t0 = utcnow() - timedelta(hours=1)

    def at(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    db = Database(fresh_url)
    try:
        async with db.write() as session:
            # Written column by column: the model has columns that 0019 does not.
            anna_id, boris_id = (
                await session.scalars(
                    insert(Operator).returning(Operator.id),
                    [
                        {
                            "username": u,
                            "display_name": n,
                            "password_hash": "-",
                            "teams": [],
                            "created_at": t0,
                        }
                        for u, n in (("anna", "Анна"), ("boris", "Борис"))
                    ],
                )
            ).all()
            customer = Customer(display_name="К", created_at=t0)
            session.add(customer)
            await session.flush()

            def row(owner: str, escalated: datetime, reason: str, **more: Any) -> Conversation:
                return Conversation(
                    customer_id=customer.id,
                    owner=owner,
                    channel="test",
                    chat_id="c",
                    context={},
                    created_at=at(-60),
                    updated_at=at(1800),
                    escalated_at=escalated,
                    escalation_reason=reason,
                    **more,
                )

            # Анна answered in 2 min, once more later, gave it back to the bot at 10 min; the
            # flow handed it over again at 30 min, which overwrote the row.
            twice = row("queued", at(1800.00005), "flow")
            # Handed over with no owner change kept: the row alone tells it.
            alone = row("closed", t0, "customer_request", first_response_at=at(60))
            alone.closed_at = at(300)
            # Taken back by the customer before anyone answered.
            withdrawn = row("bot", t0, "customer_request")
            session.add_all([twice, alone, withdrawn])
            await session.flush()

            def moved(c: Conversation, was: str, now: str, why: str, when: float) -> Transition:
                return Transition(
                    conversation_id=c.id,
                    from_owner=was,
                    to_owner=now,
                    reason=why,
                    actor="test",
                    at=at(when),
                )

            def said(c: Conversation, who: int | None, when: float) -> Message:
                return Message(
                    conversation_id=c.id,
                    customer_id=customer.id,
                    channel="test",
                    direction="out" if who else "in",
                    author="operator" if who else "customer",
                    operator_id=who,
                    kind="message",
                    text="…",
                    data={},
                    created_at=at(when),
                )

            session.add_all(
                [
                    moved(twice, "bot", "queued", "customer_request", 0),
                    moved(twice, "queued", "operator", "taken_by_reply", 120),
                    moved(twice, "operator", "bot", "returned_to_bot", 600),
                    moved(twice, "bot", "queued", "flow", 1800),
                    moved(withdrawn, "bot", "queued", "customer_request", 0),
                    moved(withdrawn, "queued", "bot", "customer_cancelled", 30),
                    said(twice, None, -60),
                    said(twice, anna_id, 120),
                    said(twice, None, 200),
                    said(twice, anna_id, 300),
                    said(twice, None, 1700),
                    said(alone, None, -60),
                    said(alone, boris_id, 60),
                    said(withdrawn, None, -60),
                ]
            )
        await asyncio.to_thread(upgrade, fresh_url)
        async with db.read() as session:
            rebuilt = (await session.scalars(select(Handoff).order_by(Handoff.id))).all()
            data = await compute(session, t0 - timedelta(hours=1), brain=make_brain())
    finally:
        await db.dispose()
    by_conversation = {
        (h.conversation_id, h.escalated_at): (
            h.reason,
            h.first_response_at,
            h.first_operator_id,
            h.ended_at,
            h.outcome,
        )
        for h in rebuilt
    }
    assert by_conversation == {
        (twice.id, t0): ("customer_request", at(120), anna_id, at(600), "returned_to_bot"),
        (twice.id, at(1800.00005)): ("flow", None, None, None, None),
        (alone.id, t0): ("customer_request", at(60), boris_id, at(300), None),
        (withdrawn.id, t0): ("customer_request", None, None, at(30), "customer_cancelled"),
    }
    first = data["first_response"]
    assert (first["escalated"], first["cancelled"], first["answered"]) == (3, 1, 2)
    assert (first["p50_seconds"], first["waiting"]) == (90.0, 1)
    assert data["replies"] == {
        "answered": 1,
        "p50_seconds": 100.0,
        "p90_seconds": 100.0,
        "written": 1,
        "waiting": 0,  # the one later message was answered; the handover has ended anyway
    }
    # Only the handover whose end is known (given back to the bot at 10 min) is resolved.
    assert data["resolution"] == {"resolved": 1, "p50_seconds": 600.0, "p90_seconds": 600.0}
    await asyncio.to_thread(downgrade, fresh_url, "0019")

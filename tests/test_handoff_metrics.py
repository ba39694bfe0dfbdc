"""Manager metrics on known data: response percentiles, load per day, CSAT, deflection, why
and after which questions conversations reach a person."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import Brain
from bot.project import load_project
from bot.storage import erasure
from bot.storage.db import Database
from bot.storage.models import (
    Conversation,
    Customer,
    Handoff,
    Message,
    Operator,
    Rating,
    utcnow,
)
from handoff.metrics import compute, percentile
from handoff.metrics_csv import to_csv
from tests.handoff_kit import ROOT, FakeNLU, conversation, make_brain, operator_reply, stack


@functools.cache
def demo() -> Brain:
    """The demo project's knowledge base (the topics are its entries) and handoff settings."""
    return make_brain()


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_values() -> None:
    """QA: with two waits of 2:00 and 3:56 the operator's «медиана» read 2 мин."""
    assert percentile([], 0.5) is None
    assert percentile([120, 236], 0.5) == 178
    assert percentile([10, 20, 30, 40], 0.5) == 25
    assert percentile([30, 10, 20], 0.5) == 20
    assert percentile([5], 0.9) == 5
    # The 90th percentile is interpolated the same way (Excel's PERCENTILE.INC), within the
    # values: never past the slowest, and the slowest of two only at 100 %.
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == 91
    assert percentile([120, 236], 0.9) == 224.4
    assert percentile([120, 236], 1.0) == 236


def an_operator(username: str, name: str) -> Operator:
    return Operator(
        username=username,
        display_name=name,
        password_hash="x",
        role="operator",
        status="online",
        capacity=3,
        teams=[],
        active=True,
        created_at=utcnow(),
    )


async def a_customer_anna_and_boris(session: AsyncSession) -> tuple[Customer, Operator, Operator]:
    customer = Customer(display_name="К", created_at=utcnow())
    anna, boris = an_operator("anna", "Анна"), an_operator("boris", "Борис")
    session.add_all([customer, anna, boris])
    await session.flush()
    return customer, anna, boris


async def test_metrics_on_known_conversations(db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        operator, boris = an_operator("anna", "Анна"), an_operator("boris", "Борис")
        session.add_all([customer, operator, boris])
        await session.flush()

        def conv(owner: str, response: float | None, escalated: bool = True) -> Conversation:
            start = now - timedelta(minutes=30)
            return conversation(customer.id, owner, start, response, escalated=escalated)

        answered = [conv("closed", s) for s in (10, 20, 30, 40, 100)]
        waiting = conv("queued", None)
        bot_only = [conv("closed", None, escalated=False) for _ in range(4)]
        session.add_all([*answered, waiting, *bot_only])
        await session.flush()
        session.add_all(asked(c) for c in bot_only)  # the bot answered these alone
        for c in answered[:3]:
            for _ in range(2):  # two replies in one conversation count once
                session.add(operator_reply(c, operator.id, now))
        session.add(operator_reply(answered[3], boris.id, now))
        for c, score in zip(answered, (5, 4, 2, 5), strict=False):
            session.add(
                Rating(
                    conversation_id=c.id,
                    customer_id=customer.id,
                    operator_id=operator.id,
                    score=score,
                    reason="slow" if score == 2 else None,
                    faq_ids=[],
                    channel="test",
                    created_at=now,
                )
            )
    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo(), goal_seconds=60)
    assert data["first_response"] == {
        "escalated": 6,
        "cancelled": 0,
        "answered": 5,
        "p50_seconds": 30.0,
        "p90_seconds": 76.0,  # between the fourth (40 s) and the slowest (100 s)
        "within_goal_share": 0.667,  # the conversation queued for 30 minutes is late too
        "goal_seconds": 60,
        "working_hours_only": False,  # no hours given: the wall clock
        "within_goal": 4,
        "late": 2,
        "waiting": 1,
        "waiting_over_goal": 1,
    }
    assert [(r["operator"], r["conversations"]) for r in data["per_operator_day"]] == [
        ("Анна", 3),
        ("Борис", 1),
    ]
    # The per-agent report: Анна answered three first (10, 20, 30 s) and got the ratings;
    # Борис answered one (40 s) and has none yet.
    assert data["operators"] == [
        {
            "operator_id": operator.id,
            "operator": "Анна",
            "conversations": 3,
            "first_response_p50_seconds": 20.0,
            "reply_p50_seconds": None,  # no customer wrote after the first answer
            "resolved": 0,  # nobody closed anything yet
            "resolution_p50_seconds": None,
            "ratings": 4,
            "csat_average": 4.0,
            "low_ratings": 1,
        },
        {
            "operator_id": boris.id,
            "operator": "Борис",
            "conversations": 1,
            "first_response_p50_seconds": 40.0,
            "reply_p50_seconds": None,
            "resolved": 0,
            "resolution_p50_seconds": None,
            "ratings": 0,
            "csat_average": None,
            "low_ratings": 0,
        },
    ]
    assert data["csat"] == {
        "ratings": 4,
        "average": 4.0,
        "share_4_5": 0.75,
        "reasons": [{"reason": "slow", "title": "Долго ждал ответа", "count": 1}],
    }
    assert data["deflection"] == {"conversations": 10, "without_person": 4, "rate": 0.4}
    assert data["resolution"] == {"resolved": 0, "p50_seconds": None, "p90_seconds": None}
    assert data["channels"] == [
        {
            "channel": "test",
            "conversations": 10,
            "handed_over": 6,
            "without_person_rate": 0.4,
            "ratings": 4,
            "csat_average": 4.0,
        }
    ]


async def test_each_messenger_has_its_own_line(db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        customer, anna, _ = await a_customer_anna_and_boris(session)
        by_channel: dict[str, list[Conversation]] = {}
        for channel, handed, bot_only in (("telegram", 2, 3), ("viber", 1, 0), ("webchat", 0, 1)):
            for n in range(handed + bot_only):
                start = now - timedelta(hours=1)
                c = conversation(customer.id, "closed", start, 10, escalated=n < handed)
                c.channel = channel
                by_channel.setdefault(channel, []).append(c)
                session.add(c)
        await session.flush()
        session.add_all(asked(c) for line in by_channel.values() for c in line)
        session.add_all(
            Rating(
                conversation_id=by_channel[channel][n].id,
                customer_id=customer.id,
                operator_id=anna.id,
                score=score,
                faq_ids=[],
                channel=channel,
                created_at=now,
            )
            for channel, n, score in (("telegram", 0, 5), ("telegram", 1, 2), ("viber", 0, 4))
        )
    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo(), goal_seconds=60)
    assert [
        (
            c["channel"],
            c["conversations"],
            c["handed_over"],
            c["without_person_rate"],
            c["csat_average"],
        )
        for c in data["channels"]
    ] == [("telegram", 5, 2, 0.6, 3.5), ("viber", 1, 1, 0.0, 4.0), ("webchat", 1, 0, 1.0, None)]


async def test_later_replies_wait_from_the_customers_first_unanswered_message(
    db: Database,
) -> None:
    now = utcnow()
    start = now - timedelta(hours=1)

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    async with db.write() as session:
        customer, anna, boris = await a_customer_anna_and_boris(session)
        talk = conversation(customer.id, "operator", start, 30)
        session.add(talk)
        await session.flush()

        def customer_says(seconds: float) -> Message:
            return Message(
                conversation_id=talk.id,
                customer_id=customer.id,
                channel="test",
                direction="in",
                author="customer",
                kind="message",
                text="…",
                data={},
                created_at=at(seconds),
            )

        session.add_all(
            [
                customer_says(0),  # the question before the handoff: the first response's
                operator_reply(talk, anna.id, at(30)),
                customer_says(100),  # three messages in a row wait once, from the first
                customer_says(105),
                customer_says(120),
                operator_reply(talk, anna.id, at(140)),  # 40 s
                operator_reply(talk, anna.id, at(150)),  # nothing new to answer
                customer_says(300),
                operator_reply(talk, boris.id, at(400)),  # 100 s, after a transfer
                customer_says(500),  # unanswered yet: no reply time
            ]
        )
    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo(), goal_seconds=60)
    # The median of 40 s and 100 s is their mean.
    # Five messages after the first answer; the last one still waits for a person.
    assert data["replies"] == {
        "answered": 2,
        "p50_seconds": 70.0,
        "p90_seconds": 94.0,
        "written": 5,
        "waiting": 1,
    }
    by_name = {r["operator"]: r["reply_p50_seconds"] for r in data["operators"]}
    assert by_name == {"Анна": 40.0, "Борис": 100.0}
    assert data["first_response"]["p50_seconds"] == 30.0


async def test_six_messages_after_the_first_answer_wait_and_are_counted(db: Database) -> None:
    """QA: «после первого ответа клиенты ещё не писали» while a customer had sent six messages
    nobody answered — no reply time yet, but six messages waiting."""
    now = utcnow()
    start = now - timedelta(hours=1)
    async with db.write() as session:
        customer, anna, _ = await a_customer_anna_and_boris(session)
        talk = conversation(customer.id, "operator", start, 30)
        session.add(talk)
        await session.flush()
        session.add_all(
            [
                operator_reply(talk, anna.id, start + timedelta(seconds=30)),
                *(
                    Message(
                        conversation_id=talk.id,
                        customer_id=customer.id,
                        channel="test",
                        direction="in",
                        author="customer",
                        kind="message",
                        text=f"Вы тут? {n}",
                        data={},
                        created_at=start + timedelta(seconds=60 + n),
                    )
                    for n in range(6)
                ),
            ]
        )
    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo(), goal_seconds=60)
    assert data["replies"] == {
        "answered": 0,
        "p50_seconds": None,
        "p90_seconds": None,
        "written": 6,
        "waiting": 6,
    }
    # The CSV says what the page says («ответов ещё не было, ждут ответа: 6 сообщений»).
    rows = dict(line.split(";", 1) for line in to_csv(data).split("\r\n")[:40] if ";" in line)
    assert rows["Сообщений клиентов после первого ответа"] == "6"
    assert rows["Из них ждут ответа сейчас"] == "6"


async def test_resolution_runs_from_the_handoff_until_a_person_lets_go(db: Database) -> None:
    now = utcnow()
    start = now - timedelta(hours=2)

    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    async with db.write() as session:
        customer, anna, boris = await a_customer_anna_and_boris(session)
        # Анна answers and closes after 15 minutes; Борис's last word is at 20 minutes, the
        # customer is silent and it closes at 80 (the silence is not the team's time); Анна
        # answers and gives one back to the bot at 5 minutes; one is still with a person; and
        # a customer took the request back before anyone answered.
        closed, silent, returned, open_, cancelled = (
            conversation(customer.id, owner, start, answered, ended=ended)
            for owner, answered, ended in (
                ("closed", 60, (at(15), "closed")),
                ("closed", 120, (at(80), "customer_silent")),
                ("bot", 60, (at(5), "returned_to_bot")),
                ("operator", 60, None),
                ("bot", None, (at(3), "customer_cancelled")),
            )
        )
        # A handoff rebuilt from a row whose owner changes were not kept: not known how it
        # ended, so no resolution.
        unknown = conversation(customer.id, "closed", start, 60)
        session.add_all([closed, silent, returned, open_, cancelled, unknown])
        await session.flush()
        session.add_all(
            [
                operator_reply(closed, anna.id, at(1)),
                operator_reply(closed, anna.id, at(10)),
                operator_reply(silent, boris.id, at(2)),
                operator_reply(silent, boris.id, at(20)),
                operator_reply(returned, anna.id, at(1)),
                operator_reply(open_, anna.id, at(1)),
                operator_reply(unknown, boris.id, at(1)),
            ]
        )
    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo(), goal_seconds=60)
    assert data["resolution"] == {"resolved": 3, "p50_seconds": 900.0, "p90_seconds": 1140.0}
    by_name = {r["operator"]: r for r in data["operators"]}
    # Анна's two: 5 and 15 minutes, the median between them.
    assert (by_name["Анна"]["resolved"], by_name["Анна"]["resolution_p50_seconds"]) == (2, 600.0)
    assert (by_name["Борис"]["resolved"], by_name["Борис"]["resolution_p50_seconds"]) == (1, 1200.0)


async def test_a_handoff_cut_off_by_erasing_the_customer_is_not_resolved(db: Database) -> None:
    """Анна answers Ольга and closes after 15 minutes: resolved. Борис answers Пётр, and while
    it is still open Пётр asks to be forgotten — the erasure closes it (reason ``erased``).
    Nobody resolved Пётр's request: it was cut off, like a block (QA: it counted as resolved,
    with the time until the erasure as Борис's time to resolve)."""
    now = utcnow()
    start = now - timedelta(hours=2)
    async with db.write() as session:
        olga, anna, boris = await a_customer_anna_and_boris(session)
        petr = Customer(display_name="Пётр", created_at=start)
        session.add(petr)
        await session.flush()
        helped = conversation(
            olga.id, "closed", start, 60, ended=(start + timedelta(minutes=15), "closed")
        )
        erased = conversation(petr.id, "operator", start, 120)
        erased.operator_id = boris.id
        session.add_all([helped, erased])
        await session.flush()
        session.add_all(
            [
                operator_reply(helped, anna.id, start + timedelta(minutes=1)),
                operator_reply(erased, boris.id, start + timedelta(minutes=2)),
            ]
        )
    async with db.write() as session:
        forgotten = await erasure.forget_customer(session, petr.id, actor="admin:boss")
    assert forgotten.closed_conversations == (erased.id,)

    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo(), goal_seconds=60)
    assert data["resolution"] == {"resolved": 1, "p50_seconds": 900.0, "p90_seconds": 900.0}
    by_name = {r["operator"]: r for r in data["operators"]}
    assert (by_name["Анна"]["resolved"], by_name["Анна"]["resolution_p50_seconds"]) == (1, 900.0)
    assert by_name["Борис"]["resolved"] == 0
    # His answer still counts as his answer.
    assert data["first_response"]["answered"] == 2


async def test_conversations_still_waiting_past_the_goal_count_as_late(db: Database) -> None:
    """QA's case: one handed-over conversation was answered in time while eleven still wait,
    most of them far past the goal. That is not «100 % within the goal»."""
    now = utcnow()
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        session.add(customer)
        await session.flush()

        def handed_over(
            owner: str, waited: timedelta, answered_after: float | None = None
        ) -> Conversation:
            return conversation(customer.id, owner, now - waited, answered_after)

        answered_in_time = handed_over("operator", timedelta(minutes=20), answered_after=20)
        queued_for_long = [handed_over("queued", timedelta(minutes=10)) for _ in range(6)]
        taken_but_silent = [handed_over("operator", timedelta(minutes=10)) for _ in range(3)]
        just_arrived = [handed_over("queued", timedelta(seconds=5)) for _ in range(2)]
        # Handed back to the bot without a reply: no longer waiting, so neither in time nor late.
        returned_to_bot = handed_over("bot", timedelta(minutes=10))
        session.add_all(
            [answered_in_time, *queued_for_long, *taken_but_silent, *just_arrived, returned_to_bot]
        )

    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo(), goal_seconds=60)
    first_response = data["first_response"]

    # One in time out of the ten already decided: nine still wait past the goal.
    assert first_response["within_goal_share"] == 0.1
    assert first_response["escalated"] == 13
    assert first_response["answered"] == 1
    assert first_response["waiting"] == 11
    assert first_response["waiting_over_goal"] == 9
    # The CSV as the page: «Ждут ответа: 11, из них дольше цели: 9».
    rows = dict(line.split(";", 1) for line in to_csv(data).split("\r\n")[:40] if ";" in line)
    assert (rows["Ждут ответа сейчас"], rows["Из них дольше цели"]) == ("11", "9")
    # The two that arrived seconds ago may still be answered in time: they count neither way.
    assert (first_response["within_goal"], first_response["late"]) == (1, 9)
    # The reply-time percentiles still describe the replies that happened.
    assert first_response["p50_seconds"] == 20.0


async def test_how_often_the_bots_answers_helped(db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        session.add(customer)
        await session.flush()
        conversations = [
            conversation(customer.id, "bot", now, None, escalated=False) for _ in "abc"
        ]
        session.add_all(conversations)
        await session.flush()

        def press(conv: Conversation, entry: str, helped: bool, at: datetime) -> Message:
            return Message(
                conversation_id=conv.id,
                customer_id=customer.id,
                channel="test",
                direction="in",
                author="customer",
                kind="message",
                text="👍" if helped else "👎",
                data={"helpful": {"entry": entry, "value": helped}},
                created_at=at,
            )

        first, second, third = conversations
        session.add_all(
            [
                press(first, "delivery_cost", False, now),
                press(first, "delivery_cost", True, now),  # changed their mind: counts once
                press(second, "delivery_cost", False, now),
                press(third, "return_goods", True, now),
                press(third, "return_goods", False, now - timedelta(days=3)),  # out of range
            ]
        )
    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo())
    assert data["answers"] == {"rated": 3, "helped": 2, "share": 0.667}


async def test_why_and_after_which_question_conversations_reach_a_person(db: Database) -> None:
    """The manager's «why» is the reason the bot recorded; the editor's «which topics» is the
    customer's last question to the bot before the handoff, as the bot read it."""
    brain = make_brain()
    brain.flows = load_project(ROOT).flows
    brain.nlu = FakeNLU(
        {
            "доставка": "delivery_time",
            "вернуть": "return_goods",
            "номер телефона": "account_personal_data",  # human_only: a specialist's topic
            "заказ": "order_status",  # starts the flow «Где мой заказ»
        }
    )
    async with stack(db, brain) as s:
        anna = await s.operator("anna", status="away")  # takes nothing by herself
        # Understood, then «позовите оператора» — which this NLU does not understand either
        # (a phrase catches it): that is no question the bot missed.
        for user in ("d1", "d2"):
            await s.say(user, "сколько идёт доставка")
            await s.escalate(user)
        await s.say("r1", "как вернуть товар")
        await s.escalate("r1")
        # Understood, then two misses in a row: the last question is the one it missed.
        await s.say("m1", "доставка в Казань")
        await s.say("m1", "а в рассрочку можно")
        await s.say("m1", "ну так можно или нет")
        await s.say("m2", "ываыва")
        await s.say("m2", "фывфыв")
        await s.say("h1", "как сменить номер телефона")  # a specialist-only entry
        # Asked for a person straight away: no question, also when the question comes after
        # the person handed the conversation back to the bot.
        straight = await s.escalate("n1")
        await s.service.take(straight, anna)
        await s.service.return_to_bot(straight, anna)
        await s.say("n1", "доставка в Казань")
        # A flow gives up on answers it cannot use: those are no questions the bot missed.
        await s.say("f1", "где мой заказ")
        await s.say("f1", "не помню")
        await s.say("f1", "не знаю я")
        # Handed back to the bot, then over again: what was said to the person and the first
        # «позовите оператора» are no questions either.
        back = await s.say("b1", "как вернуть товар")
        await s.escalate("b1")
        await s.say("b1", "алло, вы тут?")
        await s.service.take(back, anna)
        await s.service.return_to_bot(back, anna)
        await s.escalate("b1")
        # An operator took a conversation the bot was handling.
        await s.service.take(await s.say("j1", "доставка в Казань"), anna)
        # Handed over three days ago: not in the period.
        await s.say("old", "доставка в Казань")
        old = await s.escalate("old")
        async with db.write() as session:
            handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == old))
            assert handoff is not None
            handoff.escalated_at -= timedelta(days=3)
        async with db.read() as session:
            data = await compute(session, utcnow() - timedelta(days=1), brain=brain)

    # b1 was handed over twice: each handoff counts, each with its reason and its question.
    assert data["first_response"]["escalated"] == 11
    reasons = [
        (r["reason"], r["title"], r["count"], r["share"]) for r in data["handoffs"]["reasons"]
    ]
    assert reasons == [
        ("customer_request", "клиент попросил оператора", 6, 0.545),
        ("not_understood", "бот не понял клиента", 2, 0.182),
        ("flow", "передано из сценария", 1, 0.091),  # equal counts: by code
        ("human_only_topic", "тема только для сотрудника", 1, 0.091),
        ("operator_joined", "оператор сам взял диалог у бота", 1, 0.091),
    ]
    assert data["handoffs"]["topics"] == [
        {"intent": "delivery_time", "title": "Сроки доставки", "count": 3},
        {"intent": "return_goods", "title": "Как вернуть товар", "count": 3},
        {"intent": None, "title": "бот не понял вопрос", "count": 2},
        {
            "intent": "account_personal_data",
            "title": "Изменить номер телефона или данные",
            "count": 1,
        },
        {"intent": "order_status", "title": "Где мой заказ", "count": 1},
    ]
    assert data["handoffs"]["without_question"] == 1  # n1


def asked(conversation: Conversation, text: str = "сколько стоит доставка") -> Message:
    """What the customer wrote when the conversation began."""
    return Message(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        direction="in",
        author="customer",
        kind="message",
        text=text,
        data={},
        created_at=conversation.created_at,
    )


def customer_message(conversation: Conversation, data: dict[str, Any]) -> Message:
    assert conversation.escalated_at is not None
    return Message(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel="test",
        direction="in",
        author="customer",
        kind="message",
        text="вопрос",
        data=data,
        created_at=conversation.escalated_at - timedelta(seconds=1),
    )


async def test_the_topics_are_the_ten_most_frequent(db: Database) -> None:
    now = utcnow()
    entries = sorted(demo().kb.entries)[:11]
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        session.add(customer)
        await session.flush()
        # The first entry asked about twice, the next ten once each.
        asked = [entries[0], *entries]
        conversations = [conversation(customer.id, "queued", now, None) for _ in asked]
        for c in conversations:
            c.escalation_reason = "customer_request"
        session.add_all(conversations)
        await session.flush()
        session.add_all(
            customer_message(c, {"nlu": {"intent": entry, "decision": "answer"}})
            for c, entry in zip(conversations, asked, strict=True)
        )
    async with db.read() as session:
        handoffs = (await compute(session, now - timedelta(days=1), brain=demo()))["handoffs"]
    assert handoffs["reasons"][0]["count"] == 12
    assert [(t["intent"], t["count"]) for t in handoffs["topics"]] == [
        (entries[0], 2),
        *((entry, 1) for entry in entries[1:10]),  # ten lines, equal counts by id
    ]


async def test_a_topic_is_one_question_of_several_or_a_button(db: Database) -> None:
    now = utcnow()
    asked: list[list[dict[str, Any]]] = [
        # «как вернуть товар? и позовите оператора»: the question among the two.
        [
            {
                "nlu": {
                    "intent": "handoff_request",
                    "decision": "answer",
                    "parts": [
                        {"intent": "return_goods", "decision": "answer"},
                        {"intent": "handoff_request", "decision": "answer"},
                    ],
                }
            }
        ],
        # Not understood, then the entry chosen from «Вы имели в виду…?».
        [
            {"nlu": {"intent": "order_status", "decision": "clarify"}},
            {"payload": "faq:order_status"},
        ],
        # Erased on the customer's request: nothing to tell.
        [{"erased": True}],
    ]
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        session.add(customer)
        await session.flush()
        conversations = [conversation(customer.id, "queued", now, None) for _ in asked]
        session.add_all(conversations)
        await session.flush()
        for c, said in zip(conversations, asked, strict=True):
            session.add_all(customer_message(c, data) for data in said)
            await session.flush()  # in the order said
    async with db.read() as session:
        handoffs = (await compute(session, now - timedelta(days=1), brain=demo()))["handoffs"]
    assert [(t["intent"], t["count"]) for t in handoffs["topics"]] == [
        ("order_status", 1),
        ("return_goods", 1),
    ]
    assert handoffs["without_question"] == 1


async def test_no_handoffs_in_the_period_no_reasons_or_topics(db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        customer = Customer(display_name="К", created_at=now)
        session.add(customer)
        await session.flush()
        earlier = conversation(customer.id, "closed", now - timedelta(days=3), 20)
        earlier.escalation_reason = "customer_request"
        session.add_all([earlier, conversation(customer.id, "bot", now, None, escalated=False)])
    async with db.read() as session:
        data = await compute(session, now - timedelta(days=1), brain=demo())
    assert data["handoffs"] == {"reasons": [], "topics": [], "without_question": 0}


async def test_a_handoff_the_customer_cancelled_is_no_handoff_in_the_figures(
    db: Database,
) -> None:
    from bot.cancel import CANCEL_HANDOFF_PAYLOAD

    async with stack(db) as s:
        # Nobody is online: Ефим waits, then takes the call back and the bot answers him.
        await s.escalate("efim")
        await s.say("efim", payload=CANCEL_HANDOFF_PAYLOAD)
        await s.say("efim", "как вернуть товар")
        # Глеб waits too and is still waiting: a real handoff.
        await s.escalate("gleb")
        async with db.read() as session:
            data = await compute(session, utcnow() - timedelta(days=1), brain=s.engine.brain)
    first = data["first_response"]
    # «Отвечено 0 из 1»: only Глеб's handoff; Ефим's is counted as cancelled.
    assert (first["escalated"], first["answered"], first["cancelled"]) == (1, 0, 1)
    # «Решено без оператора»: Ефим was helped by the bot alone.
    assert data["deflection"] == {"conversations": 2, "without_person": 1, "rate": 0.5}
    assert sum(r["count"] for r in data["handoffs"]["reasons"]) == 1

"""Operator actions end to end on SQLite and PostgreSQL: routing, transfer, close, SLA."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.events import Outbound
from bot.ownership import Owner
from bot.storage.db import Database
from bot.storage.models import Message, OutboxItem, Rating, Transition, utcnow
from handoff import views
from handoff.errors import Conflict, HandoffError
from tests.handoff_kit import WALL_CLOCK, Stack, make_brain, stack


async def test_escalation_goes_to_the_least_loaded_online_operator(db: Database) -> None:
    async with stack(db) as s:
        busy = await s.operator("busy", teams=["support"])
        free = await s.operator("free", teams=["support"])
        await s.operator("away", teams=["support"], status="away")
        first = await s.escalate("c1")
        assert (await s.conversation(first)).operator_id == busy  # tie: lowest idle key wins
        second = await s.escalate("c2")
        conv = await s.conversation(second)
        assert conv.owner == Owner.OPERATOR.value
        assert conv.operator_id == free


async def test_team_and_capacity_limit_who_gets_what(db: Database) -> None:
    async with stack(db) as s:
        billing = await s.operator("billing", teams=["billing"], capacity=1)
        # Nobody in "support": the conversation waits in the queue.
        waiting = await s.escalate("c1")
        assert (await s.conversation(waiting)).owner == Owner.QUEUED.value
        # Moving it to billing's queue hands it to the billing operator.
        admin = await s.operator("boss", role="admin", status="offline")
        await s.service.transfer(waiting, admin, to_team="billing", note="вопрос по счёту")
        conv = await s.conversation(waiting)
        assert (conv.owner, conv.operator_id, conv.team) == ("operator", billing, "billing")
        # Billing is now full: another billing conversation waits.
        other = await s.escalate("c2")
        await s.service.transfer(other, admin, to_team="billing")
        assert (await s.conversation(other)).owner == Owner.QUEUED.value
        # Closing the first frees the slot and the queue drains into it.
        await s.service.close(waiting, billing)
        conv = await s.conversation(other)
        assert (conv.owner, conv.operator_id) == ("operator", billing)


async def test_going_away_releases_and_reassigns_and_coming_online_pulls_queue(
    db: Database,
) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", teams=["support"])
        conv_id = await s.escalate("c1")
        assert (await s.conversation(conv_id)).operator_id == anna
        boris = await s.operator("boris", teams=["support"], status="offline")
        released = await s.service.set_status(anna, "away")
        assert released == [conv_id]
        assert (await s.conversation(conv_id)).owner == Owner.QUEUED.value
        await s.service.set_status(boris, "online")
        conv = await s.conversation(conv_id)
        assert (conv.owner, conv.operator_id) == ("operator", boris)
        await s.service.set_status(anna, "online")
        await s.service.set_status(boris, "offline")
        conv = await s.conversation(conv_id)
        assert (conv.owner, conv.operator_id) == ("operator", anna)
        async with db.read() as session:
            reasons = (
                await session.scalars(
                    select(Transition.reason)
                    .where(Transition.conversation_id == conv_id)
                    .order_by(Transition.id)
                )
            ).all()
        assert reasons == [
            "customer_request",
            "auto_assigned",
            "operator_away",
            "auto_assigned",
            "operator_offline",
            "auto_assigned",
        ]


async def test_reply_reaches_the_customer_and_sets_first_response(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await s.escalate("c1")
        anna = await s.operator("anna", name="Анна")
        before = len(await s.delivered("c1"))
        await s.service.reply(conv_id, anna, "Здравствуйте! Меня зовут Анна, сейчас посмотрю.")
        sent = await s.delivered("c1")
        # The reply is its own news: no «Оператор Анна уже читает…» before it.
        assert sent[before].text == "Здравствуйте! Меня зовут Анна, сейчас посмотрю."
        assert sent[before].author == "operator"
        conv = await s.conversation(conv_id)
        assert (conv.owner, conv.operator_id) == ("operator", anna)  # replying took it
        assert conv.first_response_at is not None and conv.escalated_at is not None
        assert conv.first_response_at >= conv.escalated_at
        first = conv.first_response_at
        await s.service.reply(conv_id, anna, "Ещё минутку.")
        assert (await s.conversation(conv_id)).first_response_at == first


async def test_the_customer_hears_when_a_person_takes_the_conversation(db: Database) -> None:
    async with stack(db) as s:
        # Nobody online: queued. Anna takes it by hand; the customer learns who has it.
        waiting = await s.escalate("c1")
        anna = await s.operator("anna", name="Анна")
        await s.service.take(waiting, anna)
        assert [m.text for m in await s.delivered("c1")][-1] == (
            "Оператор Анна уже читает вашу переписку и скоро ответит."
        )
        # Taken from the queue automatically when Boris comes online: his name.
        await s.service.set_status(anna, "offline")
        boris = await s.operator("boris", name="Борис", status="offline")
        await s.service.set_status(boris, "online")
        assert (await s.conversation(waiting)).operator_id == boris
        assert [m.text for m in await s.delivered("c1")][-1] == (
            "Оператор Борис уже читает вашу переписку и скоро ответит."
        )
        # Someone is free at the moment of the escalation: the name, no «через 1 минуту».
        await s.escalate("c2")
        said = [m.text for m in await s.delivered("c2")]
        assert said[-1] == "Оператор Борис уже читает вашу переписку и скоро ответит."
        assert not any("1 минуту" in text for text in said)


async def test_a_project_without_the_joined_response_sends_nothing(db: Database) -> None:
    brain = make_brain()
    responses = {k: v for k, v in brain.domain.responses.items() if k != "utter_operator_joined"}
    domain = dataclasses.replace(brain.domain, responses=responses)
    brain = dataclasses.replace(brain, domain=domain)
    async with stack(db, brain) as s:
        waiting = await s.escalate("c1")
        anna = await s.operator("anna", name="Анна")
        before = len(await s.delivered("c1"))
        await s.service.take(waiting, anna)
        assert len(await s.delivered("c1")) == before
        assert (await s.conversation(waiting)).operator_id == anna


async def test_notes_are_never_sent(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await s.escalate("c1")
        anna = await s.operator("anna")
        before = len(await s.delivered("c1"))
        await s.service.note(conv_id, anna, "клиент VIP, проверить заказ 123")
        assert len(await s.delivered("c1")) == before
        async with db.read() as session:
            note = await session.scalar(select(Message).where(Message.kind == "note"))
            outbox_texts = (await session.scalars(select(OutboxItem.payload))).all()
        assert note is not None and note.text == "клиент VIP, проверить заказ 123"
        assert all("VIP" not in p["text"] for p in outbox_texts)


async def test_transfer_to_colleague_with_note_customer_not_asked(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", name="Анна")
        conv_id = await s.escalate("c1")
        boris = await s.operator("boris", name="Борис")
        sent_before = len(await s.delivered("c1"))
        await s.service.transfer(
            conv_id, anna, to_operator_id=boris, note="нужен возврат, заказ 42"
        )
        conv = await s.conversation(conv_id)
        assert (conv.owner, conv.operator_id) == ("operator", boris)
        assert conv.context["handover"]["note"] == "нужен возврат, заказ 42"
        assert len(await s.delivered("c1")) == sent_before  # the customer is not asked again
        async with db.read() as session:
            detail = await views.conversation_detail(session, conv_id, WALL_CLOCK)
        assert detail is not None
        texts = [m["text"] for m in detail["messages"]]
        assert "Передано: Анна → Борис" in texts
        assert "нужен возврат, заказ 42" in texts
        # Anna no longer holds it; Boris's colleague cannot act on it either.
        with pytest.raises(Conflict):
            await s.service.reply(conv_id, anna, "я тут")


async def test_passing_a_conversation_to_ones_own_team_gives_it_to_a_colleague(
    db: Database,
) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", teams=["support", "billing"], name="Анна")
        conv_id = await s.escalate("c1")
        assert (await s.conversation(conv_id)).operator_id == anna
        await s.service.transfer(conv_id, anna, to_team="billing", note="вопрос по счёту")
        conv = await s.conversation(conv_id)
        assert (conv.owner, conv.operator_id) == ("queued", None)  # not straight back to Anna
        boris = await s.operator("boris", teams=["billing"], status="offline", name="Борис")
        await s.service.set_status(boris, "online")
        conv = await s.conversation(conv_id)
        assert (conv.owner, conv.operator_id) == ("operator", boris)
        assert "passed_on_by" not in conv.context  # Boris may pass it back to Anna later
        await s.service.transfer(conv_id, boris, to_team="billing")
        assert (await s.conversation(conv_id)).operator_id == anna
        # Passed on again while nobody else is free, then handed to Vera by name: the rule
        # ends there too (else it would never come back to Anna from the queue).
        vera = await s.operator("vera", teams=["support"], name="Вера")
        await s.service.set_status(boris, "away")
        await s.service.transfer(conv_id, anna, to_team="billing")
        assert (await s.conversation(conv_id)).owner == "queued"
        await s.service.transfer(conv_id, anna, to_operator_id=vera)
        conv = await s.conversation(conv_id)
        assert (conv.operator_id, "passed_on_by" in conv.context) == (vera, False)


async def test_transfer_to_offline_colleague_is_refused(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv_id = await s.escalate("c1")
        off = await s.operator("off", status="offline", name="Вера")
        with pytest.raises(HandoffError, match="Вера сейчас не в сети"):
            await s.service.transfer(conv_id, anna, to_operator_id=off)
        assert (await s.conversation(conv_id)).operator_id == anna
        away = await s.operator("away", status="away", name="Мария")
        # Away is not offline: she stepped out and the words say so.
        with pytest.raises(HandoffError, match="Мария сейчас не на месте"):
            await s.service.transfer(conv_id, anna, to_operator_id=away)


async def test_transfer_goes_only_to_a_colleague_with_a_free_slot(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv_id = await s.escalate("c1")
        busy = await s.operator("busy", capacity=1, name="Глеб")
        other = await s.escalate("c2")  # the second conversation fills Gleb's only slot
        assert (await s.conversation(other)).operator_id == busy
        with pytest.raises(HandoffError, match="нет свободных мест"):
            await s.service.transfer(conv_id, anna, to_operator_id=busy)
        assert (await s.conversation(conv_id)).operator_id == anna


async def test_close_asks_for_rating_with_buttons_and_rating_is_stored(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        await s.say("c1", "доставка")  # the bot answers an FAQ entry first
        conv_id = await s.escalate("c1")
        await s.service.reply(conv_id, anna, "Готово, заказ отправлен.")
        await s.service.close(conv_id, anna)
        sent = await s.delivered("c1")
        closed, ask = sent[-2], sent[-1]
        assert closed.text.startswith("Оператор завершил диалог")
        assert "оцените" in ask.text.lower()
        assert [b.title for b in ask.buttons] == ["1", "2", "3", "4", "5"]
        assert ask.buttons[4].payload == f"rate:{conv_id}:5"
        conv = await s.conversation(conv_id)
        assert conv.owner == Owner.CLOSED.value and conv.closed_at is not None
        # The customer presses «5».
        await s.say("c1", "5", payload=ask.buttons[4].payload)
        assert (await s.delivered("c1"))[-1].text.startswith("Спасибо за оценку")
        async with db.read() as session:
            rating = await session.scalar(select(Rating).where(Rating.conversation_id == conv_id))
        assert rating is not None
        assert (rating.score, rating.operator_id) == (5, anna)
        assert rating.faq_ids == ["delivery_time"]  # the FAQ entries involved


async def helped_and_asked(s: Stack) -> tuple[int, Outbound]:
    """Anna answers customer c1 and closes: the conversation and the rating request."""
    anna = await s.operator("anna")
    conv_id = await s.escalate("c1")
    await s.service.reply(conv_id, anna, "Готово.")
    await s.service.close(conv_id, anna)
    return conv_id, (await s.delivered("c1"))[-1]


async def test_a_low_rating_asks_what_went_wrong_and_keeps_the_answer(db: Database) -> None:
    async with stack(db) as s:
        conv_id, ask = await helped_and_asked(s)
        await s.say("c1", "2", payload=ask.buttons[1].payload)
        why = (await s.delivered("c1"))[-1]
        assert why.text.startswith("Спасибо за честную оценку")
        assert [b.title for b in why.buttons] == [
            "Долго ждал ответа",
            "Вопрос не решён",
            "Невежливо общались",
            "Другое",
        ]
        await s.say("c1", "Долго ждал ответа", payload=why.buttons[0].payload)
        assert (await s.delivered("c1"))[-1].text.startswith("Спасибо! Передам руководителю")
        async with db.read() as session:
            rating = await session.scalar(select(Rating).where(Rating.conversation_id == conv_id))
        assert rating is not None and (rating.score, rating.reason) == (2, "slow")
        # Changed their mind to a 5 within the window: no reason for a good rating.
        await s.say("c1", "5", payload=ask.buttons[4].payload)
        assert (await s.delivered("c1"))[-1].text.startswith("Спасибо за оценку")
        async with db.read() as session:
            rating = await session.scalar(select(Rating).where(Rating.conversation_id == conv_id))
        assert rating is not None and (rating.score, rating.reason) == (5, None)
        # A reason for someone else's conversation, or an unknown one, is ignored.
        await s.say("c2", "x", payload=f"rate_reason:{conv_id}:rude")
        await s.say("c1", "x", payload=f"rate_reason:{conv_id}:bored")
        async with db.read() as session:
            rating = await session.scalar(select(Rating).where(Rating.conversation_id == conv_id))
        assert rating is not None and rating.reason is None


async def test_a_good_rating_is_just_thanked(db: Database) -> None:
    async with stack(db) as s:
        _, ask = await helped_and_asked(s)
        await s.say("c1", "4", payload=ask.buttons[3].payload)
        thanks = (await s.delivered("c1"))[-1]
        assert thanks.text.startswith("Спасибо за оценку") and not thanks.buttons


async def test_a_rating_counts_once_and_only_from_that_customer(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv_id = await s.escalate("c1")
        await s.service.reply(conv_id, anna, "Готово.")
        await s.service.close(conv_id, anna)
        await s.say("c2", "5", payload=f"rate:{conv_id}:5")  # someone else's button: ignored
        await s.say("c1", "9", payload=f"rate:{conv_id}:9")  # out of range: ignored
        await s.say("c1", "x", payload="rate:junk")  # malformed: ignored
        async with db.read() as session:
            assert await session.scalar(select(Rating)) is None
        await s.say("c1", "2", payload=f"rate:{conv_id}:2")
        await s.say("c1", "4", payload=f"rate:{conv_id}:4")  # changed their mind
        async with db.read() as session:
            ratings = (await session.scalars(select(Rating))).all()
        assert [(r.score, r.operator_id) for r in ratings] == [(4, anna)]
        assert (await s.conversation(conv_id)).rating == 4


async def test_the_same_score_pressed_again_is_thanked_for_once(db: Database) -> None:
    async with stack(db) as s:
        _, ask = await helped_and_asked(s)
        await s.say("c1", "5", payload=ask.buttons[4].payload)
        thanked = len(await s.delivered("c1"))
        await s.say("c1", "5", payload=ask.buttons[4].payload)  # Telegram keeps the buttons
        assert len(await s.delivered("c1")) == thanked  # not a second «Спасибо за оценку»
        await s.say("c1", "4", payload=ask.buttons[3].payload)  # a change of mind is heard
        assert len(await s.delivered("c1")) == thanked + 1
        assert (await s.delivered("c1"))[-1].text.startswith("Спасибо за оценку")


async def test_an_old_rating_button_pressed_later_does_not_change_the_rating(
    db: Database,
) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv_id = await s.escalate("c1")
        await s.service.reply(conv_id, anna, "Готово.")  # a person wrote: the survey is asked
        await s.service.close(conv_id, anna)
        await s.say("c1", "5", payload=f"rate:{conv_id}:5")
        async with db.write() as session:  # a day later the survey is still in the chat …
            rating = await session.scalar(select(Rating))
            assert rating is not None
            rating.created_at = utcnow() - timedelta(days=1)
        await s.say("c1", "1", payload=f"rate:{conv_id}:1")  # … and is pressed again
        assert (await s.delivered("c1"))[-1].text.startswith("Спасибо за оценку")
        async with db.read() as session:
            assert [r.score for r in (await session.scalars(select(Rating))).all()] == [5]
        assert (await s.conversation(conv_id)).rating == 5


async def test_return_to_bot(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv_id = await s.escalate("c1")
        await s.service.return_to_bot(conv_id, anna)
        conv = await s.conversation(conv_id)
        assert (conv.owner, conv.operator_id) == ("bot", None)
        assert (await s.delivered("c1"))[-1].text.startswith("Снова с вами виртуальный помощник")
        # The bot answers again.
        before = len(await s.delivered("c1"))
        await s.say("c1", "доставка")
        assert len(await s.delivered("c1")) > before


async def test_two_operators_never_get_the_same_conversation(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await s.escalate("c1")  # nobody online: queued
        ops = [await s.operator(f"op{i}", status="offline") for i in range(5)]
        results = await asyncio.gather(
            *(s.service.take(conv_id, op) for op in ops), return_exceptions=True
        )
        winners = [op for op, r in zip(ops, results, strict=True) if r is None]
        assert len(winners) == 1
        assert all(isinstance(r, Conflict) for r in results if r is not None)
        assert (await s.conversation(conv_id)).operator_id == winners[0]


async def test_sla_states() -> None:
    from bot.storage.models import Conversation

    now = utcnow()
    conv = Conversation(owner="queued", escalated_at=now - timedelta(seconds=50))
    assert views.sla(conv, now, WALL_CLOCK)["state"] == "warn"
    conv.escalated_at = now - timedelta(seconds=61)
    assert views.sla(conv, now, WALL_CLOCK)["state"] == "late"
    conv.escalated_at = now - timedelta(seconds=10)
    assert views.sla(conv, now, WALL_CLOCK)["state"] == "ok"
    conv.first_response_at = now
    assert views.sla(conv, now, WALL_CLOCK) == {"state": "met", "seconds": 10.0, "goal": 60}


async def test_customer_card_lists_previous_conversations_and_ratings(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        first = await s.escalate("c1")
        await s.service.reply(first, anna, "Здравствуйте")
        await s.service.close(first, anna)
        await s.say("c1", "4", payload=f"rate:{first}:4")
        second = await s.escalate("c1")
        assert second != first
        async with db.read() as session:
            card = await views.customer_card(
                session, (await s.conversation(second)).customer_id, WALL_CLOCK
            )
        assert card["name"] == "Клиент c1"
        assert card["channels"] == [{"channel": "test", "name": "Клиент c1", "blocked": False}]
        by_id = {c["id"]: c for c in card["conversations"]}
        assert by_id[first]["rating"] == 4 and by_id[first]["owner"] == "closed"
        assert by_id[second]["owner"] == "operator"


async def test_the_expected_wait_follows_recent_handling_times(db: Database) -> None:
    from datetime import timedelta

    from bot.storage.models import Conversation, Customer, utcnow
    from handoff import routing

    async with db.write() as session:
        assert await routing.recent_handling_minutes(session, 3.0) == 3.0  # no history yet
        customer = Customer(created_at=utcnow())
        session.add(customer)
        await session.flush()
        now = utcnow()
        for minutes in (4, 6, 8, 10, 12, 200):
            session.add(
                Conversation(
                    customer_id=customer.id,
                    owner="closed",
                    channel="test",
                    chat_id="c",
                    context={},
                    unknown_streak=0,
                    created_at=now,
                    updated_at=now,
                    first_response_at=now - timedelta(minutes=minutes),
                    closed_at=now,
                )
            )
        await session.flush()
        # The median of six: the mean of the two middle ones (8 and 10 minutes).
        assert await routing.recent_handling_minutes(session, 3.0) == pytest.approx(9.0)

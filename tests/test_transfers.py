"""Passing a conversation to a team when nobody else of that team can take it: the operator is
warned, the customer hears where their conversation went and when to expect an answer, the wait
estimate does not count the operator who passed it on, the live board does not show the queue
as served, and after ``handoff.transfer_return_minutes`` it comes back to the operator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.storage.db import Database
from bot.storage.models import utcnow
from handoff import waiting
from handoff.live import snapshot
from tests.handoff_kit import make_brain, stack, without_responses


async def test_a_transfer_to_a_team_with_nobody_else_online_is_not_silence(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", name="Анна")  # in every team, alone online
        conv = await s.escalate("c1")
        assert (await s.texts("c1"))[-1].startswith("Оператор Анна уже читает")

        result = await s.service.transfer(conv, anna, to_team="billing", note="про счёт")

        # Анна is told before she moves on that nobody else can take it now.
        assert result.warning == (
            "В команде «Оплата и возвраты» сейчас в сети только вы. "
            "Если за 5 минут никто не подключится, диалог вернётся к вам."
        )
        # The history names her without declining the name («для Анна» was wrong).
        assert f"Предупреждение (Анна): {result.warning}" in await s.events(conv)
        # The customer, just told «Анна уже читает», learns where the conversation went and
        # an honest wait: nobody but Анна is there, and she may take it back in 5 minutes.
        told = (await s.texts("c1"))[-1]
        assert told.startswith("Передал ваш диалог коллегам из команды «Оплата и возвраты»")
        assert told.endswith("Ответим примерно через 5 минут.")
        assert (await s.conversation(conv)).owner == "queued"

        # The live board does not count Анна as serving that queue: it shows as unserved.
        async with db.read() as session:
            live = await snapshot(session, s.engine.brain.config.handoff, utcnow())
        billing = next(t for t in live.teams if t.team == "billing")
        assert (billing.waiting, billing.online, billing.free_slots) == (1, 0, 0)

        # The wait updates restart from the new promise (5 minutes, then 2 of grace).
        notices = s.waiting_notices().run
        assert await notices(utcnow() + timedelta(minutes=4)) == []

        # Nobody came: after the return time the maintenance round gives it back to Анна.
        assert await s.service.return_passed_on(utcnow() + timedelta(minutes=2)) == []
        back = await s.service.return_passed_on(utcnow() + timedelta(minutes=6))
        assert [(a.conversation_id, a.operator_id) for a in back] == [(conv, anna)]
        assert "passed_on_by" not in (await s.conversation(conv)).context


async def test_a_transfer_to_a_team_with_a_colleague_online_warns_nobody(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", teams=["support"], name="Анна")
        conv = await s.escalate("c1")
        boris = await s.operator("boris", teams=["billing"], name="Борис")
        result = await s.service.transfer(conv, anna, to_team="billing")
        assert result.warning is None
        assert (await s.conversation(conv)).operator_id == boris
        # Taken at once: «Оператор Борис уже читает…», not the «передал коллегам» message.
        texts = await s.texts("c1")
        assert texts[-1].startswith("Оператор Борис уже читает")
        assert not any(t.startswith("Передал ваш диалог") for t in texts)


async def test_a_transfer_to_a_team_nobody_of_which_is_online_says_so(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", teams=["support"], name="Анна")
        conv = await s.escalate("c1")
        await s.operator("boris", teams=["billing"], status="away", name="Борис")
        result = await s.service.transfer(conv, anna, to_team="billing")
        assert result.warning is not None and "никого нет в сети" in result.warning
        # The customer is promised no minutes nobody of that team is there to keep.
        assert (await s.texts("c1"))[-1] == (
            "Передал ваш диалог коллегам из команды «Оплата и возвраты» — вся переписка у них "
            "перед глазами, повторять ничего не нужно. Сейчас никого из них нет на месте, "
            "поэтому ответим здесь же, как только кто-то вернётся."
        )
        # Анна is not of that team: it never comes back to her; it waits for the team.
        assert await s.service.return_passed_on(utcnow() + timedelta(minutes=60)) == []
        assert (await s.conversation(conv)).owner == "queued"


async def test_out_of_hours_the_customer_hears_the_team_has_it_and_when(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    morning = datetime(2026, 12, 7, 3, 58, tzinfo=UTC)  # 06:58 in Moscow, before 9:00
    monkeypatch.setattr(waiting, "utcnow", lambda: morning)
    async with stack(db, make_brain(always_open=False)) as s:
        # Not of that team: nobody of it is online. (Someone of it online, even the operator
        # who passed it on, answers before 9:00: tests/test_night_someone_online.py.)
        anna = await s.operator("anna", teams=["support"], name="Анна")
        conv = await s.escalate("c1")
        said = len(await s.texts("c1"))
        await s.service.transfer(conv, anna, to_team="billing")
        # One message about the transfer, not «Ваше сообщение добавлено к обращению…»: the
        # customer wrote nothing.
        texts = await s.texts("c1")
        assert texts[said:] == [
            "Передал ваш диалог коллегам из команды «Оплата и возвраты» — вся переписка у них "
            "перед глазами, повторять ничего не нужно. Сейчас у поддержки нерабочее время, "
            "поэтому ответим здесь же сегодня в 9:00."
        ]
        assert (await s.events(conv))[-1] == (
            "Клиенту сообщено, что диалог передан команде: ответим сегодня в 9:00"
        )


async def test_out_of_hours_without_the_transfer_response_the_offline_one_is_sent(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    morning = datetime(2026, 12, 7, 3, 58, tzinfo=UTC)
    monkeypatch.setattr(waiting, "utcnow", lambda: morning)
    brain = without_responses(make_brain(always_open=False), "utter_handoff_transferred_offline")
    async with stack(db, brain) as s:
        anna = await s.operator("anna", teams=["support"], name="Анна")
        conv = await s.escalate("c1")
        await s.service.transfer(conv, anna, to_team="billing")
        told = (await s.texts("c1"))[-1]
        assert told.startswith("Сейчас операторы не на связи")
        assert "добавлено к обращению" not in told

"""Out of working hours with somebody of the team «В сети» — even with every slot taken — the
customer is told what the web chat's header says: a person answers tonight, in about the
header's minutes, not «завтра в 9:00» (:func:`handoff.routing.closed_until` decides for the
header, the hand-off, the queued status, an operator who left and a transfer). With nobody
online the out-of-hours wording stays (tests/test_dialogue.py's night bot).

QA, the demo bot after 21:00 Moscow time: Мария online with 3 of 3 customers, the header said
«оператор — примерно через 3 минуты», the hand-off «сотрудник ответит завтра в 9:00», and a
minute later «Оператор Мария уже читает…». Dialogues on the real runtime, SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.ownership import Owner
from handoff import waiting
from handoff.accounts import AccountChange, Accounts
from handoff.config import WorkingHours
from handoff.service import HandoffService
from handoff.waiting import WaitingNotices
from handoff.web.availability import availability
from tests.conftest import brain_for
from tests.dialogue import Customer, TestBot, start_bot

NIGHT = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)  # 21:30 in Moscow, a Tuesday
HEADER = "Бот отвечает сразу, оператор — примерно через 3 минуты"
JOINED = "Оператор Мария уже читает вашу переписку и скоро ответит."


@dataclass
class Night:
    bot: TestBot
    service: HandoffService

    async def header(self) -> tuple[str, str | None]:
        brain = self.bot.runtime.engine.brain
        async with self.bot.runtime.db.read() as session:
            found = await availability(session, brain.config.handoff, brain.domain, NIGHT)
        return found.state, found.text

    async def operator(self, login: str, name: str, teams: list[str] | None = None) -> int:
        operator = await self.bot.operator(login, name=name)
        if teams is not None:
            async with self.bot.runtime.db.write() as session:
                row = await self.service.get_operator(session, operator)
                row.teams = teams
        return operator

    async def full_maria(self) -> tuple[int, list[int]]:
        """Мария «В сети» with 3 customers of her own (3 of 3): her id, their conversations."""
        maria = await self.operator("maria", "Мария")
        held = []
        for n in range(3):
            theirs = self.bot.customer(f"maria-{n}")
            await theirs.say("позовите оператора")
            assert theirs.last_outcome.owner is Owner.OPERATOR
            held.append(theirs.last_outcome.conversation_id or 0)
        return maria, held

    async def news(self, customer: Customer) -> list[str]:
        """What ``customer`` received since last asked (operators' actions go by the outbox)."""
        assert await self.bot.runtime.outbox.wait_idle(timeout=10)
        new = customer.sent[customer.seen :]
        customer.seen = len(customer.sent)
        return [message.text for message in new]


@pytest.fixture
async def night(
    db_url: str, demo_project: Any, demo_model: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Night]:
    """The demo bot at 21:30 in Moscow with the real working hours (9–21)."""
    monkeypatch.setattr(waiting, "utcnow", lambda: NIGHT)
    brain = brain_for(demo_project, demo_model, working_hours=WorkingHours())
    bot = await start_bot(demo_project, brain, db_url, clock=lambda: NIGHT)
    yield Night(bot, HandoffService.from_runtime(bot.runtime))
    await bot.runtime.stop()


async def test_at_night_a_full_operator_online_means_the_headers_wait(night: Night) -> None:
    maria, held = await night.full_maria()
    assert await night.header() == ("queue", HEADER)
    alice = night.bot.customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_outcome.owner is Owner.QUEUED
    # The header's minutes, not «Сейчас операторы не на связи… завтра в 9:00».
    assert alice.last_text.startswith(
        "Передаю ваш вопрос коллеге из службы поддержки — он подключится примерно через 3 минуты."
    )
    assert "9:00" not in alice.last_text
    # «Долго ждать?» and a message a while later say the same.
    await alice.say("ну и долго ждать?")
    assert alice.last_text == "Оператор подключится к диалогу примерно через 3 минуты."
    engine = night.bot.runtime.engine
    engine.clock = lambda: NIGHT + timedelta(minutes=2)
    await alice.say("хорошо, жду")
    assert alice.last_text.startswith("Ваше сообщение добавлено к обращению")
    # Мария closes one conversation: Alice is hers, as promised.
    await night.service.close(held[0], maria)
    assert await night.news(alice) == [JOINED]


async def test_at_night_a_late_promise_gets_a_new_estimate_while_she_is_online(
    night: Night,
) -> None:
    await night.full_maria()
    alice = night.bot.customer("alice")
    await alice.say("позовите оператора")  # «примерно через 3 минуты»
    runtime = night.bot.runtime
    brain = runtime.engine.brain
    notices = WaitingNotices(
        runtime.db, runtime.bus, lambda: (brain.config.handoff, brain.domain), runtime.outbox.wake
    )
    assert await notices.run(NIGHT + timedelta(minutes=6)) == [alice.last_outcome.conversation_id]
    # Not «сегодня мы не успели ответить: операторы уже не на связи… завтра в 9:00».
    [sorry] = await night.news(alice)
    assert sorry.startswith(
        "Простите, ждать приходится дольше, чем я обещал: все операторы пока заняты. Сейчас вы "
        "следующий в очереди, ответим примерно через 3 минуты."
    )


async def test_at_night_with_nobody_online_it_is_still_tomorrow(night: Night) -> None:
    maria, _ = await night.full_maria()
    await night.service.set_status(maria, "away")
    assert (await night.header())[0] == "closed"
    alice = night.bot.customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_text.startswith("Сейчас операторы не на связи")
    assert "завтра в 9:00" in alice.last_text


@pytest.mark.parametrize("leaves", ["away", "disabled"])
async def test_at_night_an_operator_leaving_while_a_colleague_is_online(
    night: Night, leaves: str
) -> None:
    await night.full_maria()
    anna = await night.operator("anna", "Анна")
    alice = night.bot.customer("alice")
    await alice.say("позовите оператора")
    conv = alice.last_outcome.conversation_id
    assert conv is not None and alice.last_outcome.owner is Owner.OPERATOR  # Анна's
    await night.service.reply(conv, anna, "Здравствуйте! Сейчас посмотрю.")
    await alice.say("заказ 12345678, курьер так и не приехал")
    await night.news(alice)
    if leaves == "away":
        await night.service.set_status(anna, "away")
    else:
        accounts = Accounts(night.bot.runtime.db, night.service)
        await accounts.change(anna, AccountChange(active=False), known_teams=set(), actor_id=0)
    # Not «а у остальных сотрудников поддержки нерабочее время»: Мария is there.
    assert await night.news(alice) == [
        "Оператор Анна сейчас не на связи, поэтому я передал ваш диалог коллегам — вся "
        "переписка у них перед глазами, повторять ничего не нужно. Ответим примерно через "
        "3 минуты."
    ]


async def test_at_night_a_transfer_to_a_team_with_someone_online(night: Night) -> None:
    await night.full_maria()  # of every team, «Оплата и возвраты» too
    anna = await night.operator("anna", "Анна", teams=["support"])
    alice = night.bot.customer("alice")
    await alice.say("позовите оператора")
    conv = alice.last_outcome.conversation_id
    assert conv is not None and alice.last_outcome.owner is Owner.OPERATOR  # Анна's
    await night.news(alice)
    result = await night.service.transfer(conv, anna, to_team="billing")
    assert result.warning is None  # Мария is there
    assert await night.news(alice) == [
        "Передал ваш диалог коллегам из команды «Оплата и возвраты» — вся переписка у них "
        "перед глазами, повторять ничего не нужно. Ответим примерно через 3 минуты."
    ]


async def test_taken_by_hand_while_away_is_announced_once_she_is_online(night: Night) -> None:
    maria = await night.operator("maria", "Мария")
    await night.service.set_status(maria, "away")
    alice = night.bot.customer("alice")
    await alice.say("позовите оператора")
    assert "завтра в 9:00" in alice.last_text  # nobody online: true then
    conv = alice.last_outcome.conversation_id
    assert conv is not None
    await night.service.take(conv, maria)  # «Не на месте»: nobody «уже читает» yet
    assert await night.news(alice) == []
    await night.service.set_status(maria, "online")
    assert await night.news(alice) == [JOINED]
    # Said once: going away and back, or her reply, adds no second one.
    await night.service.reply(conv, maria, "Добрый вечер! Смотрю ваш вопрос.")
    await night.service.set_status(maria, "online")
    assert await night.news(alice) == ["Добрый вечер! Смотрю ваш вопрос."]

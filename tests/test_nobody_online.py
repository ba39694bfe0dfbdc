"""In working hours with nobody of the team online (every operator «Не на месте» or «Не в сети»)
the bot promises no wait that nobody is there to keep (bot/handover.py, bot/queued.py,
handoff/waiting.py): the question is saved in the queue and a colleague answers here once back.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.ownership import Owner
from bot.storage.db import Database
from bot.storage.models import utcnow
from handoff.waiting import PROMISE
from tests.dialogue import TestBot
from tests.handoff_kit import demo_bot_without, make_brain, stack, without_responses

NOBODY = "никого из операторов нет на месте"
BACK = "коллега ответит здесь же, как только вернётся"
CANCEL = "Отменить вызов оператора"


async def test_the_only_operator_away_the_customer_hears_nobody_is_there(bot: TestBot) -> None:
    await bot.operator("anna", name="Анна", status="away")  # «Не на месте»
    alice = bot.customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert alice.last_text.startswith("Передаю ваш вопрос коллегам из службы поддержки.")
    assert NOBODY in alice.last_text and BACK in alice.last_text
    assert "примерно через" not in alice.last_text
    assert alice.buttons() == [CANCEL]
    # «Долго ждать?»: still no minutes to name.
    await alice.say("ну и долго ждать?")
    assert alice.last_text.startswith(f"Сейчас {NOBODY}") and BACK in alice.last_text
    assert alice.buttons() == [CANCEL]


async def test_in_viber_it_is_short_and_just_as_honest(bot: TestBot) -> None:
    await bot.operator("anna", name="Анна", status="offline")  # «Не в сети»
    viktor = bot.customer("viktor", channel="viber")
    await viktor.say("позовите оператора")
    assert viktor.last_text == (
        "Передаю диалог в поддержку. Сейчас операторов нет на месте: вопрос сохранён в очереди, "
        "ответим здесь, как только кто-то вернётся. Напишите номер заказа, если он есть."
    )
    assert viktor.buttons() == [CANCEL]


async def test_with_the_order_number_given_nobody_asks_for_it_again(bot: TestBot) -> None:
    await bot.operator("anna", name="Анна", status="away")
    alice = bot.customer("alice")
    await alice.say("позовите человека у меня заказ 12345678 не пришел")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert alice.last_text.startswith("Передаю ваш вопрос по заказу № 12345678 коллегам")
    assert NOBODY in alice.last_text and "повторять ничего не нужно" in alice.last_text
    assert "примерно через" not in alice.last_text
    assert alice.buttons() == [CANCEL]


async def test_with_someone_online_and_busy_the_minutes_are_named(bot: TestBot) -> None:
    await bot.busy_operator()  # Борис is online, with his only slot taken
    alice = bot.customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert "примерно через 3 минуты" in alice.last_text and NOBODY not in alice.last_text


@pytest.fixture
async def old_bot(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[TestBot]:
    """The demo bot whose domain.yml has none of the «nobody online» responses."""
    async with demo_bot_without(
        db_url,
        demo_project,
        demo_model,
        "utter_handoff_nobody_online",
        "utter_handoff_nobody_online_order_known",
        "utter_handoff_wait_nobody_online",
    ) as test_bot:
        yield test_bot


async def test_a_project_without_those_responses_names_the_estimate_as_before(
    old_bot: TestBot,
) -> None:
    alice = old_bot.customer("alice")
    await alice.say("позовите оператора")
    assert alice.last_text.startswith(
        "Передаю ваш вопрос коллеге из службы поддержки — он подключится примерно через"
    )
    vera = old_bot.customer("vera")
    await vera.say("позовите человека у меня заказ 12345678 не пришел")
    assert vera.last_text.startswith("Передаю ваш вопрос по заказу № 12345678 коллеге")
    assert "примерно через" in vera.last_text
    await alice.say("ну и долго ждать?")
    assert alice.last_text.startswith("Оператор подключится к диалогу примерно через")


async def test_when_an_operator_comes_back_the_queue_is_theirs_and_minutes_are_named(
    db: Database,
) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna", capacity=1, status="away", name="Анна")
        first = await s.escalate("c1")
        assert NOBODY in (await s.texts("c1"))[-1]
        # Nothing was promised, so nothing can be late: no «дольше, чем я обещал» an hour on.
        assert PROMISE not in ((await s.conversation(first)).context or {})
        assert await s.waiting_notices().run(utcnow() + timedelta(hours=1)) == []
        # Анна is back: she takes it, and the customer hears so.
        await s.service.set_status(anna, "online")
        assert (await s.conversation(first)).operator_id == anna
        assert (await s.texts("c1"))[
            -1
        ] == "Оператор Анна уже читает вашу переписку и скоро ответит."
        # The next customer waits for her, and is told how long.
        second = await s.escalate("c2")
        assert (await s.conversation(second)).owner == "queued"
        told = (await s.texts("c2"))[-1]
        assert "примерно через 3 минуты" in told and NOBODY not in told


async def test_a_promise_overdue_while_nobody_is_online_is_apologised_for_once(
    db: Database,
) -> None:
    async with stack(db) as s:
        boris = await s.busy_operator(name="Борис")
        conv = await s.escalate("c1")
        assert "примерно через 3 минуты" in (await s.texts("c1"))[-1]
        await s.service.set_status(boris, "away")  # Борис leaves; nobody else is online
        assert await s.waiting_notices().run(utcnow() + timedelta(minutes=6)) == [conv]
        sorry = (await s.texts("c1"))[-1]
        assert sorry.startswith(
            f"Простите, ждать приходится дольше, чем я обещал: сейчас {NOBODY}. Ваш вопрос "
            "сохранён, перед вами в очереди 1 обращение — коллега ответит здесь же, как только "
            "вернётся."
        )
        assert "примерно через" not in sorry
        assert (await s.events(conv))[-1] == (
            "Ожидание затянулось, клиенту сообщено: в очереди перед ним 1, операторов нет на "
            "месте — ответят, как только вернутся"
        )
        # No new minutes, so no second apology.
        assert await s.waiting_notices().run(utcnow() + timedelta(hours=1)) == []


async def test_a_project_without_the_apology_for_nobody_gives_the_estimate(db: Database) -> None:
    brain = without_responses(make_brain(), "utter_handoff_still_waiting_nobody_online")
    async with stack(db, brain) as s:
        boris = await s.busy_operator(name="Борис")
        conv = await s.escalate("c1")
        await s.service.set_status(boris, "away")
        assert await s.waiting_notices().run(utcnow() + timedelta(minutes=6)) == [conv]
        assert "ответим примерно через" in (await s.texts("c1"))[-1]

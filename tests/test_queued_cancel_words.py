"""A customer waiting for a person who no longer needs one says so colloquially, changes their
mind back, asks how long, or gets handed over without asking (bot/cancel.py, bot/queued.py,
bot/contacts.py, flows/engine.py): never silence, never a request the operator opens for
nothing, always the reason and what the bot knows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time
from typing import Any

import pytest

from bot.contacts import from_entry
from bot.ownership import Owner
from bot.storage.models import Conversation
from handoff.config import WorkingHours
from tests.dialogue import TestBot

CANCEL = "Отменить вызов оператора"
CANCELLED = "Хорошо, отменил вызов оператора."


@pytest.mark.parametrize(
    "words",
    [
        "да ладно, не надо уже",
        "всё, не нужно",
        "отбой",
        "передумал",
        "сам разобрался",
        "уже решил",
        "проехали",
    ],
)
async def test_a_colloquial_cancel_in_a_burst_takes_the_request_back(
    bot: TestBot, words: str
) -> None:
    olga = bot.customer("olga")
    await olga.say("вы тупой бот")  # an apology and a person
    assert olga.last_outcome.owner is Owner.QUEUED
    await olga.say("позовите нормального человека")
    # Right after: the acknowledgement throttle must not swallow it.
    [said] = await olga.say(words)
    assert said.text.startswith(CANCELLED), words
    assert olga.last_outcome.owner is Owner.BOT


async def test_words_that_may_be_a_cancel_get_the_button_not_silence(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    await olga.say("меня зовут Ольга")  # acknowledged: a burst begins
    [said] = await olga.say("не надо уже наверное, хотя с доставкой всё ещё непонятно")
    assert CANCEL in [b.title for b in said.buttons]
    assert "Отменить вызов оператора" in said.text  # offered in words, not only a button
    assert olga.last_outcome.owner is Owner.QUEUED  # not sure: nothing cancelled


async def test_changing_the_mind_back_brings_the_same_request_back(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("вы тупой бот")
    async with bot.runtime.db.read() as session:
        conv = await session.get(Conversation, olga.last_outcome.conversation_id)
        assert conv is not None
        before = dict((conv.context or {})["escalation"])
        team = conv.team
    [cancelled] = await olga.say("да ладно, не надо уже")
    assert cancelled.text.startswith(CANCELLED)
    said = await olga.say("а нет, всё таки надо")
    assert olga.last_outcome.owner is Owner.QUEUED
    assert said[0].text.startswith("Хорошо, снова передаю ваш запрос оператору")
    async with bot.runtime.db.read() as session:
        conv = await session.get(Conversation, olga.last_outcome.conversation_id)
        assert conv is not None
        again = (conv.context or {})["escalation"]
        # The operator's card reads as it did: the complaint and its message, the same team.
        assert {k: again[k] for k in ("reason", "detail", "message")} == {
            k: before[k] for k in ("reason", "detail", "message")
        }
        assert conv.team == team


async def test_needing_it_again_later_is_no_resume(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    await olga.say("отбой")
    await olga.say("как вернуть товар?")
    await olga.say("надо")  # not right after the cancel: no request is brought back
    assert olga.last_outcome.owner is Owner.BOT


async def test_a_question_in_a_burst_is_never_met_with_silence(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    [added] = await olga.say("меня зовут Ольга")
    assert added.text.startswith("Ваше сообщение добавлено к обращению")
    assert await olga.say("фамилия Иванова") == []  # a plain addition: one per burst
    for asked in ("а вы звоните клиентам сами?", "почему мне никто не пишет"):
        said = await olga.say(asked)
        assert said, asked
    assert await olga.say("отчество Петровна") == []
    assert olga.last_outcome.owner is Owner.QUEUED


@pytest.fixture
async def day_bot(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[TestBot]:
    """The demo bot in working hours all day (not «always open»: the hours are told)."""
    from tests.conftest import brain_for
    from tests.dialogue import start_bot

    hours = WorkingHours(start=time(0, 0), end=time(23, 59))
    test_bot = await start_bot(
        demo_project, brain_for(demo_project, demo_model, working_hours=hours), db_url
    )
    yield test_bot
    await test_bot.runtime.stop()


@pytest.mark.parametrize("asked", ["сколько ждать", "а долго ещё?", "вы тут?"])
async def test_with_nobody_online_the_wait_question_gets_hours_and_contacts(
    day_bot: TestBot, asked: str
) -> None:
    kb, cfg = day_bot.runtime.brain.kb, day_bot.runtime.brain.config.handoff
    contacts = from_entry(kb, cfg.contacts_entry)
    assert contacts is not None  # the demo's «Контакты и часы поддержки»
    olga = day_bot.customer("olga")
    await olga.say("позовите оператора")
    [said] = await olga.say(asked)
    assert "нет на месте" in said.text
    assert "0:00–23:59" in said.text  # today's hours, from the configuration
    phone, email = contacts.text.split(", ")
    # The phone as the entry's answer writes it, and the e-mail of its button.
    assert phone in kb.entries[cfg.contacts_entry or ""].answer and phone in said.text
    assert email in said.text
    urls = [b.url for b in said.buttons if b.url]
    assert any(u.startswith("tel:") for u in urls) and any(u.startswith("mailto:") for u in urls)
    assert CANCEL in [b.title for b in said.buttons]


async def test_a_flow_that_runs_out_of_answers_says_why_it_hands_over(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("где мой заказ")
    await olga.say("фывфыв")
    said = await olga.say("апрол")
    assert olga.last_outcome.owner is Owner.QUEUED
    assert said[0].text.startswith("Простите, я так и не смог разобрать ответ")

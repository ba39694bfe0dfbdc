"""A phone given right after an answer goes to a person with it, not lost (QA 3 Q9: QA16
«ТЕЛЕФОН 89161234567» got the support's contacts, QA54 «меня Ольга зовут телефон 89160001122»
after a reservation got «Я бот — виртуальный помощник»)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation
from tests.dialogue import TestBot


async def _details(bot: TestBot) -> list[str]:
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation).order_by(Conversation.id.desc()))
        assert conv is not None
        escalation = (conv.context or {}).get("escalation") or {}
        return list(escalation.get("details") or [])


async def test_a_phone_after_the_answer_about_a_lost_number_goes_to_a_person(
    bot: TestBot,
) -> None:
    gran = bot.customer("gran")
    await gran.say("НЕ ПРИШЛО СМС С НОМЕРОМ ЗАКАЗА")
    await gran.say("ТЕЛЕФОН 89161234567")  # was the support's contacts, the phone lost
    assert any(
        m.text.startswith("Записал телефон 89161234567 — передаю коллеге") for m in gran.sent[-3:]
    )
    assert gran.last_outcome.owner is Owner.QUEUED
    assert "ТЕЛЕФОН 89161234567" in await _details(bot)


async def test_a_name_and_phone_after_a_reservation_go_to_a_person(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("отложите мне пожалуйста айфон в магазине на тверской до завтра")
    await olga.say("меня Ольга зовут телефон 89160001122")  # was «Я бот — виртуальный помощник»
    assert any("Записал телефон 89160001122" in m.text for m in olga.sent[-3:])
    assert olga.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize(
    "said",
    ["мой телефон 89161234567, а доставка сколько стоит", "89161234567 почему не звонят?"],
)
async def test_a_phone_with_a_question_is_read_as_before(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    await alice.say("не пришло смс с номером заказа")
    await alice.say(said)
    assert not any("Записал телефон" in m.text for m in alice.sent)


async def test_a_phone_without_an_answer_before_is_read_as_before(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("телефон 89161234567")
    assert not any("Записал телефон" in m.text for m in alice.sent)

"""A message answered with «Уточните…» keeps its order number and address for the option
picked (bot/clarify_details.py, QA 3 Q5, QA50): «Изменить заказ» pressed after a message
that gave the number and the new address goes to a person with all of it, not «…напишите
номер заказа и что нужно поменять»; «Позвать оператора» carries the message on the case."""

from __future__ import annotations

from bot.ownership import Owner
from bot.storage.models import Conversation
from tests.dialogue import TestBot

QA50 = (
    "Здравствуйте, я оплатил заказ 98765432 с доставкой на Ленина 5, а переехал, нужно на "
    "Мира 12, заказ уже передан в доставку что делать?"
)
TAKEN = "Спасибо, заказ № 98765432 и ваши подробности записал в обращение — передаю коллеге"


async def _context(bot: TestBot, customer: object) -> dict[str, object]:
    async with bot.runtime.db.read() as session:
        found = await session.get(Conversation, customer.last_outcome.conversation_id)  # type: ignore[attr-defined]
        assert found is not None
        return dict(found.context or {})


async def test_the_option_that_asks_for_the_number_goes_to_a_person_with_it(
    night_bot: TestBot,
) -> None:
    olga = night_bot.customer("olga")
    [offer] = await olga.say(QA50)
    assert "Изменить заказ" in [b.title for b in offer.buttons], offer.text
    told = [m.text for m in await olga.press("Изменить заказ")]
    assert any(t.startswith(TAKEN) for t in told), told  # was the answer asking for both
    assert olga.last_outcome.owner is Owner.QUEUED
    escalation = (await _context(night_bot, olga))["escalation"]
    assert isinstance(escalation, dict)
    assert escalation["detail"] == "order_change"
    assert escalation["details"] == [QA50]


async def test_the_operator_button_carries_the_message(night_bot: TestBot) -> None:
    petr = night_bot.customer("petr")
    await petr.say(QA50)
    await petr.press("Позвать оператора")
    escalation = (await _context(night_bot, petr))["escalation"]
    assert isinstance(escalation, dict)
    assert escalation["details"] == [QA50]  # was none: only the transcript


async def test_a_clarify_without_a_number_or_address_keeps_nothing(night_bot: TestBot) -> None:
    rita = night_bot.customer("rita")
    await rita.say("у меня пропали бонусы было 3000 а сейчас 0")
    assert "case_details" not in await _context(night_bot, rita)

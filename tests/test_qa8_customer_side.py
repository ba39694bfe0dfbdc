"""QA8, the customer's side of the demo shop: what a customer writes and what the bot does
with it — a call for a person in a longer message, a complaint inside a story, taking a call
back in words, a bare «да» with nothing asked, a repeated greeting."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot


@pytest.mark.parametrize(
    "message",
    [
        "позовите человека у меня заказ 12345678 не пришел",
        "Здравствуйте! Позовите человека, у меня заказ 12345678 не пришел",
        "соедините со специалистом, заказ 12345678 до сих пор не доставлен",
    ],
)
async def test_a_call_for_a_person_wins_over_the_question_around_it(
    bot: TestBot, message: str
) -> None:
    alice = bot.customer("alice")
    [handoff] = await alice.say(message)
    assert alice.last_outcome.owner is Owner.QUEUED
    # The number is passed on: no status link, no «Всё понятно со статусом?».
    assert handoff.text.startswith("Передаю ваш вопрос по заказу № 12345678 коллеге")


async def test_a_call_declined_or_a_person_mentioned_is_no_call(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("скажите, а специалист по установке приезжает в день доставки?")
    assert alice.last_outcome.owner is Owner.BOT

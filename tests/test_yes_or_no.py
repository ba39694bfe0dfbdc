"""«ну так есть или нет», «так есть или нет?» right after an answer insist on a yes or no to the
question just answered (bot/yes_or_no.py): the answer's own «Да…» sentence again, or — when it
has none — an honest «cannot tell» with «Позвать оператора». Never a hand-over by itself, and
its «нет» is no «не помогло» (``utter_deny``)."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from bot.yes_or_no import insists
from tests.dialogue import TestBot

INSTALLMENT = "да: на товары от 3 000 до 300 000 ₽ действует рассрочка «0-0-6»"


@pytest.mark.parametrize("insisting", ["ну так есть или нет", "так есть или нет?"])
async def test_insisting_on_yes_or_no_gets_the_short_answer(bot: TestBot, insisting: str) -> None:
    alice = bot.customer("alice")
    await alice.say("есть ли рассрочка без переплаты")
    assert alice.last_text.startswith("Да: на товары от 3 000")
    await alice.say(insisting)  # was «не понял» — a miss: the next one handed over
    assert alice.last_text.startswith(f"Если коротко — {INSTALLMENT}")
    assert alice.last_text.endswith("банков-партнёров.")  # the first sentence only
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("ываыва")  # the insisting was no miss: this one alone hands nothing over
    assert alice.last_outcome.owner is Owner.BOT


async def test_an_answer_without_yes_or_no_is_not_guessed_at(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("а у вас есть пункт выдачи в казани?")
    assert alice.last_text.startswith("Доставляем по всей России")
    await alice.say("так есть или нет?")
    assert "Понял. Напишите" not in alice.last_text  # was: its «нет» read as «не помогло»
    assert "Однозначного «да» или «нет» в моём ответе выше нет" in alice.last_text
    assert "Позвать оператора" in alice.buttons()
    assert alice.last_outcome.owner is Owner.BOT  # the customer decides


async def test_insisting_with_no_answer_before_it_is_read_as_before(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("так есть или нет?")
    assert "Однозначного" not in alice.last_text
    assert "Если коротко" not in alice.last_text


def test_which_messages_insist_on_yes_or_no() -> None:
    for text in [
        "ну так есть или нет",
        "так есть или нет?",
        "так можно или нет?",
        "да или нет",
        "так вы работаете или нет?!",
        "ну так что, есть или нет",
    ]:
        assert insists(text), text
    for text in [
        "вы вообще работаете или нет",  # a complaint (data/nlu.yml)
        "есть рассрочка или нет на телевизор",
        "заказ оформился или нет не понимаю",
        "или нет",
    ]:
        assert not insists(text), text

"""«ой извините не туда» while waiting for an operator asks whether to withdraw the request
(QA 3 Q13, QA49: it was added to the request, «Ваше сообщение добавлено к обращению»)."""

from __future__ import annotations

import pytest

from bot.cancel import wrong_chat
from bot.ownership import Owner
from tests.dialogue import TestBot

ASKED = "Похоже, сообщение попало сюда случайно. Отменить обращение к оператору?"


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("ой извините не туда", True),
        ("не туда написал", True),
        ("простите, не в тот чат", True),
        ("посылка пришла не туда, позовите оператора", False),
        ("куда писать по возврату", False),
    ],
)
def test_wrong_chat_words(text: str, wrong: bool) -> None:
    assert wrong_chat(text) is wrong


async def test_wrong_chat_while_queued_asks_to_withdraw(night_bot: TestBot) -> None:
    alice = night_bot.customer("alice")
    await alice.say("оператор")
    assert alice.last_outcome.owner is Owner.QUEUED
    await alice.say("ой извините не туда")  # was «Ваше сообщение добавлено к обращению»
    assert alice.last_text == ASKED
    assert alice.buttons() == ["Да, отменить обращение", "Нет"]
    await alice.press("Да, отменить обращение")
    assert alice.last_text.startswith("Хорошо, отменил вызов оператора")
    assert alice.last_outcome.owner is Owner.BOT


async def test_no_keeps_the_request(night_bot: TestBot) -> None:
    bob = night_bot.customer("bob")
    await bob.say("оператор")
    await bob.say("не туда написал")
    await bob.press("Нет")
    assert bob.last_text == "Хорошо, обращение остаётся в очереди — коллега ответит здесь же."
    assert bob.last_outcome.owner is Owner.QUEUED

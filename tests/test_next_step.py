"""«и?», «а дальше» right after an answer, and «нет», «нет» after «не понял» (bot/next_step.py,
QA 3 Q8: QA11, QA7, QA4, QA80): the honest «Всё, что я знаю об этом, — в ответе выше» with a
colleague offered, not «не понял» or «Жаль, что ответ не помог»; no loop without a way out."""

from __future__ import annotations

import pytest

from bot.next_step import asks_next
from bot.ownership import Owner
from tests.dialogue import TestBot

ABOVE = "Всё, что я знаю об этом, — в ответе выше. Если не нашли нужного — передам коллеге."
DENY = "Понял. Напишите, пожалуйста, что осталось непонятным"
AGAIN = "Похоже, сам я тут не помогу. Позвать коллегу?"


async def test_and_then_after_thanks_for_the_answer_points_at_it(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как отписаться от смс достали каждый день шлете")
    assert "Настроить уведомления" in alice.buttons()
    await alice.say("ага")
    [reply] = await alice.say("а дальше")  # was «не понял»
    assert reply.text == ABOVE
    assert alice.buttons() == ["Настроить уведомления", "Позвать оператора"]
    assert alice.last_outcome.owner is Owner.BOT


async def test_and_twice_after_the_answer_goes_to_a_person(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как отписаться от смс")
    [reply] = await alice.say("и?")  # was «Жаль, что ответ не помог»
    assert reply.text == ABOVE
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("и?")
    assert alice.last_outcome.owner is Owner.QUEUED  # no third pointer


async def test_no_twice_after_not_understood_offers_a_colleague(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("не работает пылесос")
    assert (await alice.say("нет"))[0].text.startswith(DENY)
    [reply] = await alice.say("нет")  # was the same «Понял. Напишите…» again
    assert reply.text.startswith(AGAIN)
    assert alice.buttons() == ["Позвать оператора"]
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("нет")
    assert alice.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize("text", ["и?", "а дальше", "И дальше?", "и всё?", "а потом?"])
def test_these_ask_what_comes_next(text: str) -> None:
    assert asks_next(text)


@pytest.mark.parametrize("text", ["ну и?", "а что дальше?", "и сколько стоит", "а сборку делаете?"])
def test_these_do_not(text: str) -> None:
    assert not asks_next(text)

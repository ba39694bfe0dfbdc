"""«а почему нет» after an answer that says something is not possible (QA 2d D7, D24) asks the
reason: it is no «нет» to the answer («Понял. Напишите, что осталось непонятным…»). The
content has no reason to give, so the bot says so and offers a person."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot


@pytest.mark.parametrize(
    "why", ["а почему нет", "почему нет?", "а почему нельзя", "почему не принимаете"]
)
async def test_why_not_after_an_answer_is_a_question_not_a_no(bot: TestBot, why: str) -> None:
    alice = bot.customer("alice")
    await alice.say("можно оплатить картой казахстанского банка?")
    assert "не принимаются" in alice.last_text
    await alice.say(why)
    assert "Понял. Напишите" not in alice.last_text  # was: read as «нет»
    assert "Позвать оператора" in alice.buttons()
    assert alice.last_outcome.owner is Owner.BOT
    assert "Причину подробнее подсказать не могу" in alice.last_text


async def test_a_plain_no_after_an_answer_is_still_a_no(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("можно оплатить картой казахстанского банка?")
    await alice.say("нет")
    assert "Понял. Напишите" in alice.last_text


@pytest.mark.parametrize("why", ["а почему нет?", "почему?", "зачем?", "а почему"])
async def test_why_at_a_flows_yes_no_question_says_why_and_asks_again(
    bot: TestBot, why: str
) -> None:
    """At «Всё понятно со статусом?» «а почему нет?» was «нет» and a hand-over, «почему?» a
    clarify about «Вольт-бонусы»: now why it is asked, then the same question, not a miss."""
    bella = bot.customer("bella")
    await bella.say("12345678")
    assert bella.last_text == "Всё понятно со статусом?"
    told = [m.text for m in await bella.say(why)]
    assert told[0].startswith("Спрашиваю, чтобы понять, что делать дальше"), told
    assert told[1:] == ["Всё понятно со статусом?"]
    assert "Да, спасибо" in bella.buttons()
    assert bella.last_outcome.owner is Owner.BOT
    told = [m.text for m in await bella.press("Да, спасибо")]
    assert told[0].startswith("Отлично!")  # the flow goes on from its question


async def test_a_why_question_of_its_own_in_a_flow_is_answered(bot: TestBot) -> None:
    carl = bot.customer("carl")
    await carl.say("12345678")
    await carl.say("почему не проходит оплата")
    assert not carl.last_text.startswith("Спрашиваю, чтобы понять")

"""A customer presses an old button whose entry or flow an editor has since deleted or renamed
(bot/stale_buttons.py): its title is read as if typed, or the bot says the answer is gone."""

from __future__ import annotations

import dataclasses

from bot.config import Domain, ResponseButton
from bot.events import InboundKind, Outbound
from bot.ownership import Owner
from tests.dialogue import Customer, TestBot

GONE = "Этого ответа больше нет"
NOT_UNDERSTOOD = "не совсем понял"


def greet_with(bot: TestBot, title: str, payload: str) -> None:
    """The greeting as it was yesterday: a button the content has since lost."""
    brain = bot.runtime.engine.brain
    greet = tuple(
        v.model_copy(update={"buttons": [ResponseButton(title=title, payload=payload)]})
        for v in brain.domain.responses["utter_greet"]
    )
    domain = Domain({**brain.domain.responses, "utter_greet": greet}, brain.domain.intents)
    bot.runtime.engine.brain = dataclasses.replace(brain, domain=domain)


def without_entry(bot: TestBot, entry_id: str) -> None:
    """The editor deletes an entry (the reloaded brain no longer has it)."""
    brain = bot.runtime.engine.brain
    entries = {k: v for k, v in brain.kb.entries.items() if k != entry_id}
    bot.runtime.engine.brain = dataclasses.replace(
        brain, kb=dataclasses.replace(brain.kb, entries=entries)
    )


async def press_in_telegram(customer: Customer, payload: str) -> list[Outbound]:
    """Telegram sends back only the button's payload, never its title."""
    return await customer.redeliver(customer.event(kind=InboundKind.BUTTON, payload=payload))


async def test_a_renamed_entrys_old_button_gets_the_entry_that_answers_it_now(
    bot: TestBot,
) -> None:
    current = bot.runtime.engine.brain
    greet_with(bot, "Возврат товара", "faq:returns_old")  # the entry was called so yesterday
    alice = bot.customer("alice")
    await alice.start()
    assert alice.buttons() == ["Возврат товара"]
    bot.runtime.engine.brain = current  # renamed to return_goods since, and reloaded
    told = await press_in_telegram(alice, "faq:returns_old")
    answer = current.kb.entries["return_goods"].render("telegram").text
    assert told[0].text == answer
    assert NOT_UNDERSTOOD not in told[0].text
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_title_the_channel_sends_along_is_read_too(bot: TestBot) -> None:
    current = bot.runtime.engine.brain
    greet_with(bot, "Возврат товара", "faq:returns_old")
    alice = bot.customer("alice")
    await alice.start()
    bot.runtime.engine.brain = current
    told = await alice.press("Возврат товара")  # the web chat sends the title along
    assert told[0].text == current.kb.entries["return_goods"].render("telegram").text


async def test_a_deleted_entrys_button_says_the_answer_is_gone_and_offers_help(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.start()
    assert "Возврат товара" in alice.buttons()
    without_entry(bot, "return_goods")
    told = await press_in_telegram(alice, "faq:return_goods")
    assert len(told) == 1
    assert told[0].text.startswith(GONE)
    assert NOT_UNDERSTOOD not in told[0].text
    assert "Позвать оператора" in alice.buttons()
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("сколько стоит доставка?")  # and the conversation goes on as usual
    assert (
        alice.last_text
        == bot.runtime.engine.brain.kb.entries["delivery_cost"].render("telegram").text
    )


async def test_a_button_nobody_can_read_any_more_says_the_answer_is_gone(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.start()
    told = await press_in_telegram(alice, "faq:never_offered")  # no title kept for it
    assert [m.text for m in told] == [
        "Этого ответа больше нет: мы обновили справку. Напишите, пожалуйста, вопрос своими "
        "словами — я постараюсь помочь."
    ]


async def test_a_removed_flows_button_starts_the_flow_that_answers_its_title_now(
    bot: TestBot,
) -> None:
    current = bot.runtime.engine.brain
    greet_with(bot, "Где мой заказ", "flow:order_status_old")
    alice = bot.customer("alice")
    await alice.start()
    bot.runtime.engine.brain = current  # the flow is order_status_check now
    told = await press_in_telegram(alice, "flow:order_status_old")
    assert NOT_UNDERSTOOD not in told[0].text
    first_ask = current.flows["order_status_check"].steps[0].ask
    assert first_ask is not None
    assert told[0].text.startswith(first_ask.split("{")[0][:20])

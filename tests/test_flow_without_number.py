"""A customer without the order number at «Подскажите номер заказа»: a phone instead, or «не
помню номер», reaches a person who finds the order by it — the phone on the operator's card —
and «как узнать номер заказа» gets the answer where to find it (docs/flows.md, ``without:``)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation
from flows.models import Step
from handoff.views import _flow_view
from tests.dialogue import TestBot

BY_PHONE = "Найдём заказ по этому номеру телефона"
BY_ACCOUNT = "Ничего страшного — найдём заказ по телефону или e-mail"


async def _card(bot: TestBot) -> dict[str, str]:
    """What the operator's console shows next to the escalation."""
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None
    assert conv.escalation_reason == "flow"
    assert conv.context["escalation"]["flow"] is not None  # it went with the escalation
    return _flow_view(conv.context)


@pytest.mark.parametrize(
    ("start", "said"),
    [
        ("где мой заказ", "+7 916 123-45-67"),  # was «Не вижу номера заказа…»
        ("где мой заказ", "нет у меня номера, есть телефон 89161234567"),
        ("где мой заказ", "89161234567"),
        # a mobile's 10 digits without 8 / +7: was ««9161234567» не похоже на номер заказа»
        ("где мой заказ", "9161234567"),
        ("курьер не приехал", "мой телефон 916 123-45-67"),
        ("курьер не приехал", "номера нет, телефон +7 (916) 123-45-67"),
    ],
)
async def test_a_phone_instead_of_the_number_goes_to_a_person_with_the_phone(
    bot: TestBot, start: str, said: str
) -> None:
    alice = bot.customer("alice")
    await alice.say(start)
    told = [m.text for m in await alice.say(said)]
    assert told[0].startswith(BY_PHONE)
    assert all("Не вижу номера" not in t and "не похоже на номер" not in t for t in told)
    assert alice.last_outcome.owner is Owner.QUEUED
    card = await _card(bot)
    assert card["Телефон для поиска заказа"] == "79161234567"
    assert "Номер заказа" not in card


@pytest.mark.parametrize("said", ["не помню номер", "номер потерял", "нет номера"])
async def test_no_number_and_no_phone_goes_to_a_person_who_finds_it_by_the_account(
    bot: TestBot, said: str
) -> None:
    bob = bot.customer("bob")
    await bob.say("где мой заказ")
    told = [m.text for m in await bob.say(said)]  # was «Не вижу номера заказа…» or the FAQ
    assert told[0].startswith(BY_ACCOUNT)
    assert bob.last_outcome.owner is Owner.QUEUED
    assert list(await _card(bot)) == ["Сценарий"]  # nothing collected, nothing invented


@pytest.mark.parametrize("said", ["не знаю", "хз", "ну не знаю"])
async def test_i_dont_know_alone_at_the_number_question_is_no_number(
    bot: TestBot, said: str
) -> None:
    carl = bot.customer("carl")
    await carl.say("где мой заказ")
    # The whole answer to «Подскажите номер заказа»: was «Не вижу номера заказа», then a
    # hand-over asking «укажите номер заказа» (QA D97).
    told = [m.text for m in await carl.say(said)]
    assert told[0].startswith(BY_ACCOUNT)
    assert carl.last_outcome.owner is Owner.QUEUED


async def test_i_dont_know_in_a_longer_answer_is_still_asked_again(bot: TestBot) -> None:
    carl = bot.customer("carl")
    await carl.say("где мой заказ")
    await carl.say("не знаю где он")  # no word about the number: a failed answer, as before
    assert carl.last_text.startswith("Не вижу номера заказа")
    assert carl.last_outcome.owner is Owner.BOT


async def test_how_to_find_the_number_is_answered_at_the_number_step(bot: TestBot) -> None:
    dana = bot.customer("dana")
    await dana.say("где мой заказ")
    told = [m.text for m in await dana.say("как узнать номер заказа")]  # was asked again
    prediction = dana.last_outcome.prediction
    assert prediction is not None and prediction.intent == "order_confirmation_missing"
    assert "SMS" in told[0] and "https://volt-shop.ru/orders" in told[0]
    assert all(not t.startswith(("Подскажите номер", "Не вижу номера")) for t in told)
    await dana.say("а как узнать номер")  # was the account-phone change and a hand-over
    prediction = dana.last_outcome.prediction
    assert prediction is not None and prediction.intent == "order_confirmation_missing"
    assert dana.last_outcome.owner is Owner.BOT
    assert all("volt-shop.ru/profile" not in m.text for m in dana.sent)
    told = [m.text for m in await dana.say("12345678")]
    assert "https://volt-shop.ru/orders/12345678" in told[0]


def test_without_belongs_to_a_question_and_its_words_must_compile() -> None:
    without = {"words": "не помню", "handoff": "utter_x"}
    with pytest.raises(ValidationError, match="только у шага 'ask'"):
        Step.model_validate({"id": "s", "say": "Привет", "without": without})
    with pytest.raises(ValidationError, match="регулярным выражением"):
        Step.model_validate(
            {"id": "s", "ask": "?", "slot": "x", "without": {**without, "words": "(не"}}
        )

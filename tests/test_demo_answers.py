"""The demo shop's content answers what QA8 customers asked with the entry a person would pick
(content, not code: data/faq). A failure here is a content regression — measure a change with
``zabota nlu evaluate --train . --test tests/data/demo_heldout.tsv`` (docs/nlu.md)."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot

REFUND_TIME = "Деньги отправляем в день, когда товар принят на возврат"
CLAIMS = "claims@volt-shop.ru"


@pytest.mark.parametrize(
    "question",
    [
        "как вернуть деньги за отмененный заказ, когда придут?",
        "как вернуть деньги за отменённый заказ, когда придут?",
        "деньги за отмененный заказ когда придут",
    ],
)
async def test_when_the_money_for_a_cancelled_order_comes_is_the_refund_timing(
    bot: TestBot, question: str
) -> None:
    alice = bot.customer("alice")
    [answer] = await alice.say(question)
    assert answer.text.startswith(REFUND_TIME)  # not how to return goods, not «Уточните…»
    assert alice.last_outcome.owner is Owner.BOT


@pytest.mark.parametrize(
    "question", ["email для претензий", "куда написать претензию", "почта для претензий"]
)
async def test_where_to_send_a_claim_is_answered_with_the_claims_address(
    bot: TestBot, question: str
) -> None:
    alice = bot.customer("alice")
    answer, *_ = await alice.say(question)
    assert CLAIMS in answer.text
    assert [b.url for b in answer.buttons] == [f"mailto:{CLAIMS}"]
    # «Претензия» is an entry only a person handles: the address, then the claims team.
    assert alice.last_outcome.owner is Owner.QUEUED

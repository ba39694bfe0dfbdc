"""Card numbers are masked before anything is stored (bot/redact.py)."""

from __future__ import annotations

import pytest

from bot.events import Inbound
from bot.redact import luhn_valid, mask_cards, redact

CARD = "2200 1234 5678 9019"  # a Мир test number: 16 digits, Luhn-valid


def test_the_luhn_check() -> None:
    assert luhn_valid("2200123456789019") and luhn_valid("4276380012345679")
    assert not luhn_valid("2200123456789012")


@pytest.mark.parametrize(
    "text",
    [f"карта {CARD}", "карта 2200123456789019", "карта 2200-1234-5678-9019"],
)
def test_a_card_number_keeps_only_its_last_four_digits(text: str) -> None:
    masked, found = mask_cards(text)
    assert found and masked == "карта **** **** **** 9019"


@pytest.mark.parametrize(
    "text",
    [
        "заказ 12345678",  # an order number
        "тел +7 916 123-45-67",  # a phone
        "трек 80081234567890",  # a Russian Post tracking number: 14 digits
        "2200 1234 5678 9012",  # 16 digits that no card can have (Luhn)
        "сумма 1 000 000 руб",
    ],
)
def test_other_numbers_are_kept(text: str) -> None:
    assert mask_cards(text) == (text, False)


def test_an_event_is_redacted_once_and_says_what_was_hidden() -> None:
    event = Inbound("telegram", "1", "u", "u", text=f"списали дважды, карта {CARD}")
    once = redact(event)
    assert once.text == "списали дважды, карта **** **** **** 9019"
    assert once.redacted == ("card",)
    assert redact(once) == once
    assert Inbound.from_json(once.to_json()) == once  # the inbox keeps the mark
    assert redact(Inbound("telegram", "2", "u", "u", text="где заказ")).redacted == ()

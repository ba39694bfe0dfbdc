"""Card numbers never reach storage: masked at the door, and the customer is told why.

Customers paste card numbers into support chats («списали дважды, карта 4276 …»). A support
tool must not keep them: the inbox, the history, the operator console, the NLU's logs and any
export would all hold a full card number otherwise. :func:`redact` runs before an event is
stored and replaces every card number (16–19 digits, optionally grouped by spaces or
hyphens, that pass the Luhn check — an order number has 8 digits, a phone 11, a Russian Post
tracking number 14) with its last four digits behind asterisks. The event records what was
hidden (``Inbound.redacted``) so that the dialogue can say so (``utter_card_redacted``).
"""

from __future__ import annotations

import dataclasses
import re

from bot.events import Inbound

CARD = "card"
_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){15,18}(?![\d-])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_cards(text: str) -> tuple[str, bool]:
    """``text`` with card numbers masked («**** **** **** 9012»), and whether any was."""
    found = False

    def mask(m: re.Match[str]) -> str:
        nonlocal found
        digits = re.sub(r"\D", "", m.group(0))
        if not luhn_valid(digits):
            return m.group(0)
        found = True
        return "**** **** **** " + digits[-4:]

    masked = _CANDIDATE.sub(mask, text)
    return masked, found


def redact(event: Inbound) -> Inbound:
    """The event as it may be stored: card numbers in its text masked (idempotent)."""
    if not event.text or CARD in event.redacted:
        return event
    text, found = mask_cards(event.text)
    if not found:
        return event
    return dataclasses.replace(event, text=text, redacted=(*event.redacted, CARD))

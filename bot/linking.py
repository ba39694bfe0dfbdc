"""One person, several messengers: a shared phone number or a link code joins the accounts.

The bot offers a link code in one messenger; typed in another (or opened as a Telegram deep
link, handled by the start handler) it merges the two customers, so an operator sees one
history. A contact shared from a messenger joins the customer known by that phone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.events import InboundKind
from bot.storage import customers
from bot.storage.models import Customer

if TYPE_CHECKING:
    from bot.dialogue import Turn

LINK_CODE = re.compile(r"^\s*(?:код\s*)?(\d{6})\s*$", re.IGNORECASE)


class ContactHandler:
    """A shared phone number joins this identity to a customer known by that phone."""

    name = "contact"

    def match(self, turn: Turn) -> bool:
        return turn.event.kind is InboundKind.CONTACT and bool(turn.event.contact_phone)

    async def handle(self, turn: Turn) -> None:
        phone = customers.normalize_phone(turn.event.contact_phone or "")
        existing = await customers.customer_by_phone(turn.session, phone)
        customer_id = turn.conversation.customer_id
        if existing is not None and existing.id != customer_id:
            await customers.merge_customers(turn.session, existing.id, customer_id)
            await turn.session.refresh(turn.conversation)
            turn.utter("utter_linked")
        else:
            customer = await turn.session.get(Customer, customer_id)
            if customer is not None:
                customer.phone = phone
            saved = "utter_phone_saved" in turn.domain.responses
            turn.utter("utter_phone_saved" if saved else "utter_linked")


async def apply_link_code(turn: Turn, code: str) -> bool:
    other = await customers.use_link_code(turn.session, code)
    if other is None:
        return False
    await customers.merge_customers(turn.session, other, turn.conversation.customer_id)
    await turn.session.refresh(turn.conversation)
    turn.utter("utter_linked")
    return True


class LinkCodeHandler:
    name = "link_code"

    def match(self, turn: Turn) -> bool:
        return turn.event.kind is InboundKind.TEXT and bool(LINK_CODE.match(turn.event.text))

    async def handle(self, turn: Turn) -> None:
        match = LINK_CODE.match(turn.event.text)
        assert match is not None
        if not await apply_link_code(turn, match.group(1)):
            turn.utter("utter_default")

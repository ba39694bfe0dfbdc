"""One person, several messengers: a shared phone number or a link code joins the accounts.

The bot offers a link code in one messenger (asked for in words — «как связать телеграм и
вайбер» — with /link in Telegram's menu, or the /link button); typed in another (or opened as a
Telegram deep link, handled by the start handler) it merges the two customers, so an operator
sees one history. A contact the messenger vouches is the sender's own (Telegram) joins the
customer known by that phone; an unverified one (Viber cannot tell the sender's own number from
a card out of the address book) is only noted in the history.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.events import InboundKind
from bot.storage import customers
from bot.storage.models import Customer

if TYPE_CHECKING:
    from bot.dialogue import Turn

LINK_CODE = re.compile(r"^\s*(?:код\s*)?(\d{6})\s*$", re.IGNORECASE)
# «как связать телеграм и вайбер», «хочу объединить переписку в viber с этой», «/link»: a
# request for the link code, typed. Both a joining verb and a messenger must be named, so the
# shop's own «объединить два аккаунта» (its website accounts) stays an FAQ question.
_MESSENGER = r"(?:телеграм\w*|телеге|телега|тг|telegram|tg|вайбер\w*|вайбе\w*|viber|мессенджер\w*)"
_JOIN = r"(?:связ(?:ать|ыв\w*|ь\w*)|объедин\w*|привяз\w*|соедин\w*)"
LINK_REQUEST = re.compile(
    rf"^\s*/link\s*$|\b{_JOIN}\b.*\b{_MESSENGER}\b|\b{_MESSENGER}\b.*\b{_JOIN}\b",
    re.IGNORECASE,
)


class ContactHandler:
    """A shared phone number joins this identity to a customer known by that phone."""

    name = "contact"

    def match(self, turn: Turn) -> bool:
        return turn.event.kind is InboundKind.CONTACT and bool(turn.event.contact_phone)

    async def handle(self, turn: Turn) -> None:
        if not turn.event.contact_verified:
            # Maybe someone else's card: noted in the history for the operator, joins nothing
            # (it would hand another person's conversations to whoever sent it).
            noted = "utter_phone_unverified" in turn.domain.responses
            turn.utter("utter_phone_unverified" if noted else "utter_default")
            return
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


async def offer_link_code(turn: Turn) -> None:
    """A six-digit code for this customer, to type in the other messenger (30 minutes)."""
    code = await customers.new_link_code(
        turn.session, turn.conversation.customer_id, timedelta(minutes=30)
    )
    turn.utter("utter_link_code", code=code)


class LinkRequestHandler:
    """The customer asks to join their messengers («как связать вайбер и телеграм»): the code."""

    name = "link_request"

    def match(self, turn: Turn) -> bool:
        return (
            turn.event.kind is InboundKind.TEXT
            and len(turn.event.text) <= 200
            and bool(LINK_REQUEST.search(turn.event.text))
        )

    async def handle(self, turn: Turn) -> None:
        await offer_link_code(turn)


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

"""One person, several messengers: a shared phone number or a link code joins the accounts.

The bot offers a link code in one messenger (asked for in words — «как связать телеграм и
вайбер» — with /link in Telegram's menu, or the /link button); typed in another (or opened as a
Telegram deep link, handled by the start handler) it merges the two customers, so an operator
sees one history. A contact the messenger vouches is the sender's own (Telegram) joins the
customer known by that phone; an unverified one (Viber cannot tell the sender's own number from
a card out of the address book) is only noted in the history.

Where the messenger can vouch (:data:`VOUCHED_CONTACTS`: Telegram), the link code comes with
``utter_link_phone`` and a contact-request button, «Отправить мой номер»: one press shares the
customer's own number, no code to type. The answer to the contact takes the keyboard away;
someone else's card is answered with the button again. A customer who types instead of
pressing is no longer asked: the bot's next answer takes the keyboard away, whatever its
buttons (:func:`close_contact_keyboard`), with no message sent just for that.
Viber could show such a button too («share-phone»), but the number it sends is as unverified
as any card, so Viber and the web chat (which has no such button) get the code alone.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.events import Button, ButtonStyle, InboundKind, Outbound
from bot.storage import customers
from bot.storage.contact_keyboard import KEYBOARD_ENDED, contact_keyboard, mark_contact_keyboard
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


SHARE_PHONE = "Отправить мой номер"
VOUCHED_CONTACTS = frozenset({"telegram"})
"""Channels whose contact can be vouched for as the sender's own (``Inbound.contact_verified``):
only there does the bot ask for the phone with a contact-request button."""


def with_phone_button(turn: Turn, message: Outbound, then: str | None = None) -> Outbound:
    """``message`` with the «Отправить мой номер» button (and the response ``then`` after its
    text), where the channel vouches for the number; else ``message`` as it is."""
    if turn.channel not in VOUCHED_CONTACTS:
        return message
    text = message.text
    if then is not None and then in turn.domain.responses:
        text += "\n\n" + turn.domain.render(then, turn.channel).text
    button = Button.contact_request(SHARE_PHONE)
    mark_contact_keyboard(turn.conversation, True)  # this chat shows it (the channel's own)
    return dataclasses.replace(message, text=text, buttons=(button,), style=ButtonStyle.REPLY)


def close_contact_keyboard(turn: Turn) -> None:
    """Take an open «Отправить мой номер» keyboard away with this turn's first reply (called
    by the engine after the handlers), whatever its buttons.

    The customer typed something else instead of pressing: the bot is no longer waiting for
    the contact, and the big button should not hang over the chat. The mark
    (``Outbound.remove_keyboard``) goes on the first reply without buttons if there is one (a
    Telegram message without an inline keyboard carries ``ReplyKeyboardRemove`` as it is),
    else on the first reply with inline buttons: the channel takes the keyboard away with that
    message too, no extra message sent (``docs/channels.md``). A reply with a reply keyboard
    of its own replaces it. A turn with no reply (silence while an operator has the chat)
    marks it ``ended``: the next message, the operator's too (:mod:`bot.storage.outgoing`),
    takes it away. A reply that asks for the contact again keeps it open."""
    if not contact_keyboard(turn.conversation):  # not in this chat (maybe in another one)
        return
    if any(b.request_contact for m in turn.replies for b in m.buttons):
        return  # asked (again) in this turn
    if not turn.replies:  # the customer wrote past it, to an operator: theirs takes it away
        mark_contact_keyboard(turn.conversation, KEYBOARD_ENDED)
        return
    plain = [i for i, m in enumerate(turn.replies) if m.remove_keyboard or not m.buttons]
    i = plain[0] if plain else 0
    message = turn.replies[i]
    if not message.buttons or message.style is not ButtonStyle.REPLY:
        turn.replies[i] = dataclasses.replace(message, remove_keyboard=True)
    mark_contact_keyboard(turn.conversation, None)


def _answer(turn: Turn, name: str) -> None:
    """``name`` in reply to a contact: the keyboard that asked for it goes away."""
    message = turn.domain.render(name, turn.channel)
    turn.say(dataclasses.replace(message, remove_keyboard=True), {"response": name})


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
            name = "utter_phone_unverified" if noted else "utter_default"
            asked = with_phone_button(turn, turn.domain.render(name, turn.channel))
            # Telegram: the button shares the customer's own number; elsewhere the keyboard
            # that asked goes away
            if not asked.buttons:
                asked = dataclasses.replace(asked, remove_keyboard=True)
            turn.say(asked, {"response": name})
            return
        phone = customers.normalize_phone(turn.event.contact_phone or "")
        existing = await customers.customer_by_phone(turn.session, phone)
        customer_id = turn.conversation.customer_id
        if existing is not None and existing.id != customer_id:
            await customers.merge_customers(turn.session, existing.id, customer_id)
            await turn.session.refresh(turn.conversation)
            _answer(turn, "utter_linked")
        else:
            customer = await turn.session.get(Customer, customer_id)
            if customer is not None:
                customer.phone = phone
            saved = "utter_phone_saved" in turn.domain.responses
            _answer(turn, "utter_phone_saved" if saved else "utter_linked")


async def offer_link_code(turn: Turn) -> None:
    """A six-digit code for this customer, to type in the other messenger (30 minutes)."""
    code = await customers.new_link_code(
        turn.session, turn.conversation.customer_id, timedelta(minutes=30)
    )
    said = turn.domain.render("utter_link_code", turn.channel, code=code)
    # In Telegram, one press instead of the code: «Отправить мой номер» (utter_link_phone).
    turn.say(with_phone_button(turn, said, "utter_link_phone"), {"response": "utter_link_code"})


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

"""An FAQ answer about the customer's own order, when the conversation knows its number.

«Статус заказа № 12345678…», then «а можно его отменить?»: the entry ``order_cancel`` answers
for any order («на странице https://volt-shop.ru/orders…»), though the customer means that one.
An editor who wants the answer to name it writes a bot phrase ``utter_faq_<entry id>_order_known``
in ``domain.yml`` (``utter_faq_order_cancel_order_known``) with ``{order_number}`` in it; when
the conversation knows a number (:func:`bot.handover.known_order`: this message, a flow's slot
or one of the latest messages), that phrase is said instead of the entry's answer, with the
entry's buttons (the phrase's own, when it has any). Without a number, or without the phrase,
the entry's answer as before — which is why the entry itself never holds the placeholder: its
text must stay right for a customer who named no order. No Python: the phrase is edited in
«Фразы бота», and the editor lets it have ``{order_number}`` (bot/domain_editing.py ``FILLED``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.events import Outbound
from bot.handover import known_order
from knowledge_base.models import FAQEntry

if TYPE_CHECKING:
    from bot.dialogue import Turn

ORDER_KNOWN_ANSWER = "utter_faq_{}_order_known"
"""The bot phrase said instead of entry ``{}``'s answer when the order's number is known."""


ORDER = "order_number"
"""The message's data key: the number its answer named (for :func:`still_says`)."""


@dataclass(frozen=True, slots=True)
class Answer:
    message: Outbound
    order: str | None  # the number the answer names; None: the entry's own answer


def _said(turn: Turn, entry: FAQEntry, order: str) -> Outbound | None:
    name = ORDER_KNOWN_ANSWER.format(entry.id)
    if name not in turn.domain.responses:
        return None
    message = entry.render(turn.channel)
    said = turn.domain.render(name, turn.channel, order_number=order)
    return dataclasses.replace(message, text=said.text, buttons=said.buttons or message.buttons)


async def answer(turn: Turn, entry: FAQEntry) -> Answer:
    """The entry's answer for this conversation: its ``_order_known`` phrase with the number the
    conversation knows, else the entry's own answer."""
    if ORDER_KNOWN_ANSWER.format(entry.id) in turn.domain.responses:
        order = await known_order(turn)
        if order and (said := _said(turn, entry, order)) is not None:
            return Answer(said, order)
    return Answer(entry.render(turn.channel), None)


def still_says(turn: Turn, entry: FAQEntry, text: str, data: Mapping[str, object]) -> bool:
    """The answer ``text`` named an order (``data`` of its message) and the phrase would still
    say exactly that for it: the same answer, as bot/repeats.py reads a re-ask."""
    order = data.get(ORDER)
    said = _said(turn, entry, order) if isinstance(order, str) and order else None
    return said is not None and said.text == text

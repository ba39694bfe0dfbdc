"""The details of a message answered with «Уточните…» are not lost (QA 3 Q5, QA50).

«оплатил заказ 98765432 с доставкой на Ленина 5, а переехал, нужно на Мира 12, заказ уже
передан в доставку что делать?» gets «Уточните: [Отменить заказ] [Изменить заказ] [Позвать
оператора]»: the order number and the addresses were in it. When options are offered for a
message that gives an order number or an address, :func:`keep` puts the message on the case
(:mod:`bot.case_details`) — so «Позвать оператора», or a hand-over later, carries it — and
remembers the options under :data:`KEY`. When the customer then picks an option whose entry asks
for the order number (``asks_order_number``, «…напишите номер заказа и что нужно поменять»)
and the message gave the number, :func:`handed_over` passes the case to the entry's team
with the number and the details, as if they had been written after that answer
(``utter_handoff_order_taken_details``, :mod:`bot.order_topic`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import case_details, order_topic
from bot.handover import escalate
from bot.order_topic import MARK, ORDER, forget_ask
from handoff.escalation import Reason
from knowledge_base.models import FAQEntry

if TYPE_CHECKING:
    from bot.dialogue import Turn

KEY = "clarify_details"  # conversation context: {"options": [entry ids], "number": str | None}


def _number(turn: Turn) -> str | None:
    if turn.prediction is None:
        return None
    for entity in turn.prediction.entities:
        if entity.type == "order_number":
            return entity.value
    return None


def _gives_address(text: str) -> bool:
    """A place word and a number, a question or not («…на Мира 12, …что делать?»)."""
    lowered = text.lower().replace("ё", "е")
    return case_details._ADDRESS.search(lowered) is not None or _STREET.search(lowered) is not None


_STREET = re.compile(r"(?<![\w-])на\s+[а-я]+[а-я-]*\s+\d+", re.I)
"""«на Ленина 5», «на Мира 12»: a street named with its house."""


def keep(turn: Turn, options: list[str]) -> None:
    """Options are offered for this message: keep its order number and address, if any."""
    text = case_details.text_of(turn)
    if text is None:
        return
    number = _number(turn)
    if number is None and not _gives_address(text):
        return
    case_details.keep(turn, text)
    turn.conversation.context = {
        **(turn.conversation.context or {}),
        KEY: {"options": options, "number": number},
    }


async def handed_over(turn: Turn, entry: FAQEntry) -> bool:
    """``entry`` was picked among the options kept for: when it asks for the order number and
    the clarified message gave it, the case goes to the entry's team now (True)."""
    context = dict(turn.conversation.context or {})
    kept = context.pop(KEY, None)
    if not isinstance(kept, dict):
        return False
    turn.conversation.context = context
    number = kept.get("number")
    if not entry.asks_order_number or not number or entry.id not in kept.get("options", []):
        return False
    turn.conversation.context = {**forget_ask(context), ORDER: str(number)}
    # written as order_topic.X so tests/test_phrase_placeholders.py follows the names
    responses = turn.domain.responses
    name = (
        order_topic.TAKEN_DETAILS if order_topic.TAKEN_DETAILS in responses else order_topic.TAKEN
    )
    announced = name in turn.domain.responses
    if announced:
        turn.utter(name, {MARK: entry.id}, order_number=str(number), topic=entry.title)
    await escalate(turn, Reason.HUMAN_ONLY, entry.id, team=entry.team, announced=announced)
    return True

"""What the bot says to a customer waiting in the queue besides acknowledgements
(bot/queued.py): an order number sent for the case, and FAQ answers made right for someone who
already waits for a person.

«заказ 66778899» (a number, not a question) while queued is a fact for the operator, not a
question about where an order is: no FAQ answer, no «нажмите «Отменить вызов оператора»» after
it — the number is in the case (the message's NLU entity, which
:func:`bot.handover.known_order` reads) and the customer reads
``utter_handoff_queued_order_added`` with the number. A project without that response answers
as before. A delivery address written in the queue («новый адрес ул. Ленина 5 кв 12», QA 2d D38)
is the case's detail, not a question about the stores: it goes on the case
(:mod:`bot.case_details`) and the customer reads ``utter_handoff_queued_details_added``; any
other plain addition («возврат оформляли 20 ноября») goes on the case as well
(:func:`add_to_case`), acknowledged as before.

An FAQ answer in the queue never tells the customer to call the person they already wait for:
the sentences «напишите «оператор»…», «Чтобы позвать оператора…» are left out, «или напишите
здесь «оператор»» is cut from a sentence that says more, and «Позвать оператора» buttons go.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from bot import case_details
from bot.dialogue import HANDOFF_PAYLOAD, answer_entry
from bot.events import InboundKind
from nlu.question_words import opens_with_question

if TYPE_CHECKING:
    from bot.dialogue import Turn

ORDER_ADDED = "utter_handoff_queued_order_added"
DETAILS_ADDED = "utter_handoff_queued_details_added"

_OR_CALL = re.compile(r",?\s+или\s+напишите(?:\s+здесь|\s+сюда)?\s+«оператор»", re.IGNORECASE)
_CALLS = re.compile(
    r"«оператор»|«позвать оператора»|\bпозвать\s+оператора\b|\bпозовите\s+оператора\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def order_number(turn: Turn) -> str | None:
    """The order number a queued customer's message gives for the case: an ``order_number``
    entity in a message that does not ask anything («заказ 66778899», «вот номер 12345678»)."""
    event, prediction = turn.event, turn.prediction
    if event.kind is not InboundKind.TEXT or prediction is None or "?" in event.text:
        return None
    if opens_with_question(event.text):
        return None
    return next((e.value for e in prediction.entities if e.type == "order_number"), None)


def order_added(turn: Turn) -> bool:
    """An order number for the case (:func:`order_number`): acknowledged with the number.
    False for any other message, or without ``utter_handoff_queued_order_added``."""
    number = order_number(turn)
    if number is None or ORDER_ADDED not in turn.domain.responses:
        return False
    turn.utter(ORDER_ADDED, order_number=number)
    add_to_case(turn)
    _heard(turn)
    return True


def _heard(turn: Turn) -> None:
    now = turn.now.isoformat()
    turn.conversation.context = {
        **(turn.conversation.context or {}),
        "queued_heard_at": now,
        "queued_reminder_at": now,
    }


def details_added(turn: Turn) -> bool:
    """An address for the case (:func:`bot.case_details.gives_address`): on the case and
    acknowledged. False for any other message, or without
    ``utter_handoff_queued_details_added``."""
    text = case_details.text_of(turn)
    if text is None or DETAILS_ADDED not in turn.domain.responses:
        return False
    if not case_details.gives_address(text):
        return False
    case_details.add(turn, text)
    turn.utter(DETAILS_ADDED)
    _heard(turn)
    return True


def add_to_case(turn: Turn) -> None:
    """A plain addition of a queued customer (no question, no answer given): on the case."""
    text = case_details.text_of(turn)
    if text is not None and not case_details.asks(text):
        case_details.add(turn, text)


def without_calls(text: str) -> str:
    """``text`` without what tells the customer to call an operator."""
    lines = []
    for line in text.split("\n"):
        if not _CALLS.search(line):
            lines.append(line)
            continue
        kept = [s for s in _SENTENCE_END.split(_OR_CALL.sub("", line)) if not _CALLS.search(s)]
        if kept:
            lines.append(" ".join(kept))
    return "\n".join(lines).strip()


async def answer(turn: Turn, entry_id: str) -> None:
    """The entry's answer (:func:`bot.dialogue.answer_entry`) for a customer in the queue:
    without «напишите «оператор»» and without «Позвать оператора» buttons."""
    before = len(turn.replies)
    await answer_entry(turn, entry_id)
    for i in range(before, len(turn.replies)):
        said = turn.replies[i]
        turn.replies[i] = dataclasses.replace(
            said,
            text=without_calls(said.text),
            buttons=tuple(b for b in said.buttons if b.payload != HANDOFF_PAYLOAD),
        )

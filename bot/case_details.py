"""What the customer writes for the case itself — a delivery address, what to change, what
happened — kept on it, so that the operator reads it with the request (QA 2d D38).

«хочу поменять адрес доставки» — «…напишите номер заказа и что нужно поменять» — «заказ
34567890, новый адрес ул. Ленина 5 кв 12»: the customer gives what the answer asked for and
more. The details go with the case: before a hand-over they wait in ``context["case_details"]``
and :func:`bot.handover.escalate` copies them into the escalation (``details``, read by the
console's case panel beside the message that handed over); once the case is with the people
they are appended to the escalation directly (:func:`add`). The other numbers of a message
with several, when a person takes the first, go the same way (:func:`pass_on`).

:func:`gives_address` reads a delivery address: a street, house or flat word («ул.», «улица»,
«проспект», «дом», «д.», «кв.», «квартира»…) with a number, or «адрес» with a number — not an
«адрес магазина?» question (:func:`asks`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.events import InboundKind
from nlu.question_words import opens_with_question

if TYPE_CHECKING:
    from bot.dialogue import Turn

PASSED = "utter_handoff_more_values"  # «Номер 87654321 тоже передаю коллеге…»
SEPARATOR = " и "  # between the values passed on: «87654321 и 11223344»
KEY = "case_details"  # conversation context: the texts kept for a case not handed over yet
LIMIT = 10  # texts kept on one case at most (the newest)
LENGTH = 500  # characters of one text, as the escalation's message

_PLACE = (
    r"ул|улица|улице|улицу|улицы|пр|пр-т|проспект|проспекте|пер|переулок|переулке|ш|шоссе|"
    r"б-р|бульвар|бульваре|наб|набережная|набережной|пл|площадь|мкр|микрорайон|д|дом|кв|"
    r"квартира|квартиру|квартиры|корп|корпус|стр|строение|подъезд|этаж|адрес|адреса|адресу|"
    r"адресом"
)
_ADDRESS = re.compile(
    r"(?<![\w-])(?:" + _PLACE + r")(?![\w-])\.?:?\s*(?:№\s*)?(?:[а-яёa-z-]+\.?,?\s*)?\d", re.I
)
"""A place word and a number, right after it or after one word: «д. 5», «кв 12», «ул. Ленина
5», «улица Ленина, 5», «адрес: Тверская 7»."""


def asks(text: str) -> bool:
    """Does the message ask something («адрес магазина на Ленина 5?», «где дом 5»)?"""
    return "?" in text or opens_with_question(text)


def gives_address(text: str) -> bool:
    """Does the message give an address (a place word and a number), asking nothing?"""
    if asks(text):
        return False
    lowered = text.lower().replace("ё", "е")
    return _ADDRESS.search(lowered) is not None


def text_of(turn: Turn) -> str | None:
    """The customer's text, if this is a text message."""
    if turn.event.kind is not InboundKind.TEXT or not turn.event.text.strip():
        return None
    return turn.event.text.strip()[:LENGTH]


def _appended(kept: object, text: str) -> list[str]:
    texts = [str(t) for t in kept] if isinstance(kept, list) else []
    return [*texts, text][-LIMIT:]


def keep(turn: Turn, text: str) -> None:
    """Keep ``text`` for the case the conversation will hand over (:data:`KEY`)."""
    context = dict(turn.conversation.context or {})
    context[KEY] = _appended(context.get(KEY), text)
    turn.conversation.context = context


def kept(context: dict[str, Any] | None) -> list[str]:
    """The texts kept for the case, oldest first."""
    found = (context or {}).get(KEY)
    return [str(t) for t in found] if isinstance(found, list) else []


def add(turn: Turn, text: str) -> None:
    """Append ``text`` to the details of the case the people have (the escalation's)."""
    context = dict(turn.conversation.context or {})
    escalation = context.get("escalation")
    if not isinstance(escalation, dict):
        keep(turn, text)
        return
    context["escalation"] = {**escalation, "details": _appended(escalation.get("details"), text)}
    turn.conversation.context = context


def pass_on(turn: Turn, values: list[str]) -> None:
    """A person takes the conversation and the customer gave more values than the one handed
    over («12345678 и 87654321», :func:`flows.more.drop`): they go to the person too — on the
    case, and announced (:data:`PASSED`, if the domain has it), not left waiting unsaid."""
    if not values:
        return
    joined = SEPARATOR.join(values)
    if PASSED in turn.domain.responses:
        keep(turn, turn.utter(PASSED, values=joined).text)  # on the case in the same words
    else:
        keep(turn, joined)

"""An order number sent after an answer that asked for it is for that answer's topic.

«сколько ждать возврат денег?» — «…Если срок прошёл, пришлите номер заказа — запросим у банка
номер операции (RRN)» — «заказ 34567890»: the customer gives what the answer asked for, not a
new question about the order's status. An FAQ entry whose answer asks for the order number
says so in its file, ``asks_order_number: true`` (data/faq/returns.yml ``refund_time``). When
the bot gives such an answer (:func:`remember_ask`), the conversation keeps it for
``policy.followup_window_minutes``; a message that is nothing but an order number in that time
(:func:`bare_order_number`: «34567890», «заказ 34567890», «номер заказа: 4821 3377») is kept
on the conversation (``context["order_number"]``, read by :func:`bot.handover.known_order`, so
no hand-over text asks for it again) and a person of the entry's team takes it with the topic
(reason «тема только для сотрудника», the entry's id as the detail): the customer is told
``utter_handoff_order_taken`` («Спасибо, заказ № 34567890 — передаю коллеге вопрос «…»»), then
the wait. The «Где мой заказ» flow, which a bare number starts otherwise (its
``start_pattern``), is not started. A flow started since, a hand-over or the number given
forgets the ask.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.events import InboundKind
from bot.handover import escalate
from handoff.escalation import Reason
from knowledge_base.models import FAQEntry

if TYPE_CHECKING:
    from bot.dialogue import Turn

ASKED = "order_asked"  # conversation context: {"id": entry id, "at": ISO time}
ORDER = "order_number"  # conversation context: the number given for such an answer
TAKEN = "utter_handoff_order_taken"
"""«Спасибо, заказ № {order_number} — передаю коллеге вопрос «{topic}»…»."""
MARK = "order_for"  # the customer's message data: the entry the number was given for

_AROUND = frozenset(
    ["вот", "мой", "моего", "мои", "номер", "номера", "заказ", "заказа", "заказу", "это", "у",
     "меня", "n", "no", "ну", "так", "пожалуйста", "пожалуйсто"]
)  # fmt: skip
"""Words that may stand around the number in a message that gives only it."""


def remember_ask(context: dict[str, Any] | None, entry: FAQEntry, now: datetime) -> dict[str, Any]:
    """The context after the bot answered ``entry``: an entry that asks for the order number
    is kept as the ask (the latest such answer wins); any other leaves it as it was."""
    if not entry.asks_order_number:
        return dict(context or {})
    return {**(context or {}), ASKED: {"id": entry.id, "at": now.isoformat()}}


def forget_ask(context: dict[str, Any] | None, *, number: bool = False) -> dict[str, Any]:
    """The context without the ask (a person takes over, the number came); with ``number``
    without the number given for it too (a flow started: what it collects is newer)."""
    gone = (ASKED, ORDER) if number else (ASKED,)
    return {k: v for k, v in (context or {}).items() if k not in gone}


def asked_entry(turn: Turn) -> FAQEntry | None:
    """The entry whose answer asked for the order number, if within the follow-up window."""
    asked = (turn.conversation.context or {}).get(ASKED) or {}
    entry = turn.kb.get(str(asked.get("id", "")))
    try:
        at = datetime.fromisoformat(str(asked.get("at", "")))
    except ValueError:
        return None
    window = timedelta(minutes=turn.config.policy.followup_window_minutes)
    if entry is None or not entry.asks_order_number or turn.now - at > window:
        return None
    return entry


def bare_order_number(turn: Turn) -> str | None:
    """The order number, when the message gives nothing else: a message that is only the
    ``start_pattern`` of a flow that asks first for the order number («12345678», «№ 1234
    5678»: its digits), or the NLU's ``order_number``
    entity with only words like «заказ», «номер», «вот» around it."""
    if turn.event.kind is not InboundKind.TEXT or turn.prediction is None:
        return None
    text = turn.event.text
    patterns = [  # the flows that take an order number (not «Статус ремонта»'s receipt)
        f.start_pattern
        for f in turn.flows.values()
        if f.start_pattern and f.steps and ORDER in (f.steps[0].slot, f.steps[0].entity)
    ]
    if any(re.fullmatch(p, text.strip()) for p in patterns):
        return re.sub(r"\D", "", text) or None
    numbers = [e for e in turn.prediction.entities if e.type == "order_number"]
    if len(numbers) != 1 or text[numbers[0].start : numbers[0].end] != numbers[0].text:
        return None
    rest = text[: numbers[0].start] + " " + text[numbers[0].end :]
    words = re.findall(r"\w+", rest.lower().replace("ё", "е"))
    return numbers[0].value if all(w in _AROUND for w in words) else None


class OrderForTopicHandler:
    """The order number the last answers asked for: to a person with that topic."""

    name = "order_topic"

    def match(self, turn: Turn) -> bool:
        context = turn.conversation.context or {}
        if context.get("flow") or ASKED not in context:
            return False  # a running flow's question takes its own answers
        return asked_entry(turn) is not None and bare_order_number(turn) is not None

    async def handle(self, turn: Turn) -> None:
        entry = asked_entry(turn)
        number = bare_order_number(turn)
        assert entry is not None and number is not None
        turn.conversation.unknown_streak = 0
        turn.conversation.context = {**forget_ask(turn.conversation.context), ORDER: number}
        turn.message_data[MARK] = entry.id  # the answer to the bot's ask, not an FAQ miss
        announced = TAKEN in turn.domain.responses
        if announced:
            turn.utter(TAKEN, {MARK: entry.id}, order_number=number, topic=entry.title)
        await escalate(turn, Reason.HUMAN_ONLY, entry.id, team=entry.team, announced=announced)

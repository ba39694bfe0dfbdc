"""Which flow a customer's message starts, and how (:class:`Start`).

A flow starts on a ``flow:<id>`` button, on a FAQ button whose entry is a flow's intent (when
no flow runs), on a message that is nothing but a flow's ``start_pattern`` («12345678»), on a
confident reading of a flow's intent, or on one question of several that is («сколько стоит
доставка? и где мой заказ 12345678»). Inside a running flow the same reading decides whether
the customer asked for another flow (``flows/engine.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.dialogue import Turn
from bot.events import InboundKind
from bot.readings import understood_entries
from flows.models import Flow
from nlu.api import Decision

START_PREFIX = "flow:"


@dataclass(frozen=True)
class Start:
    flow: Flow
    by_pattern: bool = False  # the message is only the flow's start_pattern («12345678»)
    others: list[str] = field(default_factory=list)  # FAQ entries to answer first, in order


def starting(turn: Turn) -> Start | None:
    """The flow this message starts, if any."""
    event = turn.event
    payload = event.payload or ""
    if event.kind is InboundKind.BUTTON and payload.startswith(START_PREFIX):
        flow = turn.flows.get(payload[len(START_PREFIX) :])
        return Start(flow) if flow is not None else None
    if (entry_flow := flow_of_entry_button(turn)) is not None:
        return Start(entry_flow)  # «Где мой заказ» under the greeting: as if typed
    if event.kind is not InboundKind.TEXT:
        return None
    by_pattern = started_by_pattern(turn)
    if by_pattern is not None:  # an editor's exact rule wins over a statistical guess
        return Start(by_pattern, by_pattern=True)
    prediction = turn.prediction
    if prediction is not None and prediction.decision is Decision.ANSWER:
        whole = flow_for(turn, prediction.intent)
        if whole is not None:
            parts = _started_by_part(turn)  # «где мой заказ 12345678? и сколько доставка»
            return parts if parts is not None and parts.flow is whole else Start(whole)
    return _started_by_part(turn)


def _started_by_part(turn: Turn) -> Start | None:
    """A message of several questions, one of which starts a flow: the flow and the FAQ
    entries of the other questions, in the customer's order.

    «сколько стоит доставка? и где мой заказ 12345678» gets the delivery price *and* the
    flow's exact link for that order, not the FAQ's general page about orders. The same rule
    as :func:`bot.readings.several_questions`: two or more understood questions, or one
    understood question in a message not understood as a whole. One flow per message (the
    first); its other flow questions wait for the customer to ask again."""
    prediction = turn.prediction
    if prediction is None or not prediction.parts:
        return None
    limit = turn.config.policy.max_answers_per_message
    if limit < 2 and prediction.decision is Decision.ANSWER:
        return None
    flow: Flow | None = None
    for part in prediction.parts:  # the first question that starts a flow
        if flow is None and part.decision is Decision.ANSWER:
            flow = flow_for(turn, part.intent)
    if flow is None:
        return None
    others = [e for e in understood_entries(prediction, turn.kb) if flow_for(turn, e) is None]
    if not others and prediction.decision is Decision.ANSWER:
        return None  # one question understood, and the whole message read otherwise
    return Start(flow, others=others[: max(limit - 1, 0)])


def started_by_pattern(turn: Turn) -> Flow | None:
    """The flow whose ``start_pattern`` the whole message is («12345678»), if any."""
    if turn.event.kind is not InboundKind.TEXT:
        return None
    text = turn.event.text.strip()
    return next(
        (
            f
            for f in turn.flows.values()
            if f.start_pattern is not None and re.fullmatch(f.start_pattern, text)
        ),
        None,
    )


def flow_of_entry_button(turn: Turn) -> Flow | None:
    """The flow a FAQ entry's button starts when no flow is running: an entry that is a flow's
    intent («Где мой заказ») is answered by the flow when typed, so when pressed too."""
    payload = turn.event.payload or ""
    if turn.event.kind is not InboundKind.BUTTON or not payload.startswith("faq:"):
        return None
    if (turn.conversation.context or {}).get("flow"):
        return None  # inside a flow a FAQ button is a question aside, answered as an entry
    return flow_for(turn, payload[len("faq:") :])


def flow_for(turn: Turn, intent: str | None) -> Flow | None:
    return next((f for f in turn.flows.values() if intent in f.intents), None)

"""A running flow kept on the conversation: its position and what it collected.

The position (:class:`flows.state.FlowState`) lives in ``conversation.context["flow"]`` while
the flow waits for an answer; what the flow collected stays in ``context["flow_data"]`` after
it ends too, with each value under its step's label as an operator reads it on handoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flows.models import Flow
from flows.state import FlowState

if TYPE_CHECKING:
    from bot.dialogue import Turn


def save(turn: Turn, state: FlowState) -> None:
    """Keep the position; the bot has asked, so the flow is no longer just carried."""
    hours = turn.config.policy.flow_expiry_hours
    state.expires = turn.now + timedelta(hours=hours) if hours else None
    state.carried = False
    context = dict(turn.conversation.context or {})
    context["flow"] = state.dump()
    context["flow_data"] = _data(turn, state)
    turn.conversation.context = context


def finish(turn: Turn, state: FlowState) -> None:
    """Leave the flow; what it collected stays for the operator."""
    context = dict(turn.conversation.context or {})
    context.pop("flow", None)
    context["flow_data"] = _data(turn, state)
    turn.conversation.context = context


def _data(turn: Turn, state: FlowState) -> dict[str, Any]:
    flow = turn.flows[state.flow_id]
    slots = dict(state.slots)
    return {"id": flow.id, "title": flow.title, "slots": slots, "fields": _fields(flow, slots)}


def _fields(flow: Flow, slots: Mapping[str, str]) -> list[dict[str, str]]:
    """What the flow collected as an operator reads it: each slot under its step's ``label``
    (or its question), a button's value as the button's title («Нет, заказ задерживается»,
    not «no»)."""
    fields = []
    for step in flow.steps:
        without = step.without.slot_name if step.without is not None else None
        if without is not None and without in slots:  # the phone instead of the order number
            assert step.without is not None
            fields.append({"label": step.without.label or without, "value": slots[without]})
        slot = step.collects
        if slot is None or slot not in slots:
            continue
        value = slots[slot]
        title = next((b.title for b in step.buttons if b.slot_value == value), value)
        fields.append({"label": step.label or step.ask or slot, "value": title})
    return fields

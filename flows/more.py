"""Several values for a flow's question in one message: «у меня два заказа 12345678 и
87654321» (docs/flows.md).

The flow takes the first value, as before, and says so (``utter_flow_several_values``: «Вижу
несколько номеров — начну с первого, потом покажу следующий.»); the others wait in
``context["flow_more"]`` (the flow, the slot, the values in the customer's order). When the
flow ends on its own (not handed over), it plays again for the next value — the second order's
link and question — and «а второй?», «а по второму заказу?», «а другой?» (:func:`asks_next`)
asks for it at once, during the flow's question or after it. A message that gives the slot new
values replaces those waiting; what is played or asked for leaves the queue.

When a person takes the conversation instead (the flow hands over for the first value, or the
customer calls for one), nothing plays for the others any more: :func:`drop` takes them off,
and :func:`bot.handover.escalate` tells the customer they go to the colleague too
(:func:`bot.case_details.pass_on`, ``utter_handoff_more_values``: «Номер 87654321 тоже передаю
коллеге…») and puts them on the case, so the second order does not wait unannounced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.dialogue import Turn
from bot.events import InboundKind
from flows.models import Flow, Step
from flows.values import every_value

SEVERAL = "utter_flow_several_values"  # «Вижу несколько номеров — начну с первого…»
MORE = "flow_more"  # conversation context: {"flow": id, "slot": name, "values": [...]}
_NEXT = re.compile(
    r"^(?:(?:а|и|ну|так|теперь|ок|хорошо|спасибо)[,\s]+)*(?:(?:по|про|со?|насчет)\s+)?"
    r"(?:втор|друг|следующ|остальн)\w*(?:\s+(?:заказ|номер)\w*)?"
    r"(?:\s+(?:что|как|где)(?:\s+там)?)?(?:\s+(?:тоже|покажите|посмотрите|проверьте))*"
    r"[\s?!.…]*$"
)
"""«а второй?», «а по второму заказу?», «и другой», «а второй заказ где?» — only that."""


@dataclass(frozen=True)
class Next:
    """The value waiting for the flow: play ``flow`` again with ``value`` in ``slot``."""

    flow: Flow
    slot: str
    value: str


def asks_next(text: str) -> bool:
    """Does the message only ask about the next one («а второй?»)?"""
    return _NEXT.match(text.strip().lower().replace("ё", "е")) is not None


def keep(turn: Turn, flow: Flow, step: Step, taken: str) -> None:
    """The other values this message gives ``step`` besides ``taken``, kept for later and
    announced (:data:`SEVERAL`, if the domain has it); a message that gives the slot values
    replaces what was waiting."""
    if turn.event.kind is not InboundKind.TEXT or step.slot is None:
        return
    values = every_value(step, turn.event.text, turn.prediction)
    if taken not in values:
        return  # the value came from elsewhere (remembered, or the queue itself)
    rest = [v for v in values if v != taken]
    context = dict(turn.conversation.context or {})
    context.pop(MORE, None)
    if rest:
        context[MORE] = {"flow": flow.id, "slot": step.slot, "values": rest}
    turn.conversation.context = context
    if rest and SEVERAL in turn.domain.responses:
        turn.utter(SEVERAL, {"flow": flow.id})


def take(turn: Turn, flow: Flow | None = None) -> Next | None:
    """The next waiting value (of ``flow``, if given), taken off the queue; None if none."""
    raw: Any = (turn.conversation.context or {}).get(MORE)
    if not isinstance(raw, dict) or not isinstance(raw.get("values"), list) or not raw["values"]:
        return None
    waiting = turn.flows.get(str(raw.get("flow")))
    if waiting is None or (flow is not None and waiting is not flow):
        return None
    values = [str(v) for v in raw["values"]]
    context = dict(turn.conversation.context or {})
    if values[1:]:
        context[MORE] = {**raw, "values": values[1:]}
    else:
        context.pop(MORE, None)
    turn.conversation.context = context
    return Next(waiting, str(raw.get("slot")), values[0])


def waiting(turn: Turn) -> bool:
    """Is a value waiting, and does this message ask for it?"""
    raw = (turn.conversation.context or {}).get(MORE)
    return (
        isinstance(raw, dict)
        and bool(raw.get("values"))
        and turn.event.kind is InboundKind.TEXT
        and asks_next(turn.event.text)
    )


def drop(turn: Turn) -> list[str]:
    """Every value waiting, taken off the queue: a person takes the conversation, nothing
    plays for them any more (:func:`bot.case_details.pass_on` hands them on)."""
    raw: Any = (turn.conversation.context or {}).get(MORE)
    found = raw.get("values") if isinstance(raw, dict) else None
    context = dict(turn.conversation.context or {})
    context.pop(MORE, None)
    turn.conversation.context = context
    return [str(v) for v in found] if isinstance(found, list) else []

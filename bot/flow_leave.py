"""The customer leaves a running flow (flows/engine.py): what the bot says.

«передумал», «отмена», «не надо» end the flow; the bot says what it no longer asks
(``utter_flow_stopped_asking`` «Хорошо, больше не спрашиваю номер заказа…», with the waiting
step's label; else ``utter_flow_stopped`` with the flow's title) — never a bare «отменил»,
which after «отмена» in «Где мой заказ» reads as if the order were cancelled (QA 3 Q3).

A bare «отменить» / «отмена» in a flow about an order is ambiguous: ``utter_flow_cancel_which``
asks «Отменить заказ — или больше не спрашивать номер заказа?» with the order's cancellation
(``faq:order_cancel``) and «Больше не спрашивать» (:data:`flows.state.STOP_PAYLOAD`); the flow
keeps waiting, so a number typed instead still answers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.events import Outbound
from flows.answers import words
from flows.recording import finish

if TYPE_CHECKING:
    from bot.dialogue import Turn
    from flows.models import Flow, Step
    from flows.state import FlowState

STOPPED_ASKING = "utter_flow_stopped_asking"
STOPPED = "utter_flow_stopped"
WHICH = "utter_flow_cancel_which"
CANCELLED_TEXT = "Хорошо, отменил. Чем ещё могу помочь?"
"""Said only when the domain has none of the phrases above (an older project's domain)."""

_FILLERS = frozenset({"ну", "а", "ой", "так", "пожалуйста"})


def asked(step: Step | None) -> str | None:
    """What the step asks for, as the customer reads it in a sentence («номер заказа»): its
    label, unless that is a question («Вопрос решён?») or the step asks nothing."""
    label = (step.label or "").strip() if step is not None and step.ask else ""
    if not label or label.endswith("?"):
        return None
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def about_order(flow: Flow) -> bool:
    """The flow collects an order number («Где мой заказ», «Курьер не приехал»)."""
    return any("order_number" in (s.entity, s.slot) for s in flow.steps)


def which(turn: Turn, flow: Flow, step: Step, text: str) -> bool:
    """«отменить», «отмена» alone in a flow about an order: the order or the question? Asked
    with :data:`WHICH`. False (the flow is to be left at once) for «передумал», «не надо», in
    another flow, at a step without a label, or without the phrase."""
    said = [w for w in words(text) if w not in _FILLERS]
    what = asked(step)
    if len(said) != 1 or not said[0].startswith("отмен") or what is None:
        return False
    if not about_order(flow) or WHICH not in turn.domain.responses:
        return False
    turn.message_data["flow"] = flow.id  # understood, not an FAQ miss
    turn.utter(WHICH, {"flow": flow.id, "step": step.id}, what=what)
    return True


def stop(turn: Turn, flow: Flow, state: FlowState, step: Step | None) -> None:
    """Leave the flow, saying what is no longer asked."""
    finish(turn, state)
    # «передумал» was understood (the flow is left), not an FAQ miss: marked like input.
    turn.message_data["flow"] = flow.id
    turn.message_data["flow_cancelled"] = True
    data = {"flow": flow.id, "cancelled": True}
    what = asked(step)
    if what is not None and STOPPED_ASKING in turn.domain.responses:
        turn.utter(STOPPED_ASKING, data, what=what)
    elif STOPPED in turn.domain.responses:
        turn.utter(STOPPED, data, flow=flow.title)
    else:
        turn.say(Outbound(CANCELLED_TEXT), data)

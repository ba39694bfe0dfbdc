"""A flow step's question: how it is put to the customer and how a message answers it.

:func:`ask` renders the step's ``ask`` (its ``retry`` when asked again, its ``invalid`` with
the value that did not fit) with the step's buttons; :func:`read_value` takes the step's
answer from the customer's message — its own button, a typed button title, a typed «да» /
«нее», the entity or the pattern (:mod:`flows.values`), or the free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.events import Button, ButtonStyle, InboundKind, Outbound
from flows.answers import UNCLEAR, YesNo, has_word_of, read_yes_no
from flows.models import Step
from flows.state import FlowState, button_payload
from flows.values import from_entity, from_pattern
from nlu.api import Decision

if TYPE_CHECKING:
    from bot.dialogue import Turn


def fill(text: str, slots: Mapping[str, str]) -> str:
    """The text with the flow's slots in its ``{placeholders}``; as it is when one is missing."""
    try:
        return text.format_map(dict(slots))
    except (KeyError, ValueError, IndexError):
        return text


def ask(
    state: FlowState,
    step: Step,
    *,
    retry: bool = False,
    prefix: str = "",
    wrong: str | None = None,
) -> Outbound:
    """The step's question; its ``retry`` when asked again, its ``invalid`` (with the
    value) when the answer had a value that does not fit."""
    if wrong is not None and step.invalid:
        text = fill(step.invalid, {**state.slots, "value": wrong})
    else:
        text = fill(step.retry if retry and step.retry else step.ask or "", state.slots)
    buttons = tuple(Button(b.title, button_payload(state, step, b)) for b in step.buttons)
    text = f"{prefix} {text}" if prefix else text
    return Outbound(text, buttons=buttons, style=ButtonStyle.INLINE)


def read_value(turn: Turn, state: FlowState, step: Step) -> str | YesNo | None:
    """The step's answer in this message; :data:`UNCLEAR` for a yes/no that is neither."""
    event = turn.event
    if event.kind is InboundKind.BUTTON:
        # Only this step's own buttons, of this run: an older message's button (Telegram
        # keeps them) is no answer to this question, even with the same value.
        own = {
            button_payload(state, step, b, step_id=asked): b.slot_value
            for b in step.buttons
            for asked in {step.id, state.step or step.id}  # renamed since it was asked
        }
        return own.get(event.payload or "")
    text = event.text.strip()
    if step.buttons:
        for button in step.buttons:
            if text.lower() == button.title.lower():
                return button.slot_value
        meanings = {b.slot_value: _meaning(b.title, b.slot_value) for b in step.buttons}
        said = _yes_or_no(turn)  # «да», «нее», «нет, заказ задерживается уже неделю»
        if said is UNCLEAR and any(m is not None for m in meanings.values()):
            return UNCLEAR
        for slot_value, meaning in meanings.items():
            if said is not None and said is meaning:
                return slot_value
    found = from_entity(step, turn.prediction)  # «заказ №123456789» is no 8-digit number
    if found is None and step.pattern is not None:
        found = from_pattern(step, text, turn.prediction)  # «1234 5678» as 12345678
    if found is not None or step.pattern is not None:
        return found
    if step.entity is not None or step.buttons:
        return None
    return text or None


def _meaning(title: str, value: str) -> YesNo | None:
    """What a button means as a typed answer: its value «yes» / «no», or its title's first
    words («Нет, заказ задерживается»)."""
    by_value = {"yes": YesNo.YES, "no": YesNo.NO}.get(value.lower())
    if by_value is not None:
        return by_value
    said = read_yes_no(title)
    return said if said is not UNCLEAR else None


def _yes_or_no(turn: Turn) -> YesNo | None:
    """What the customer's typed answer to a yes/no question means, if it is one: the words
    first, then the NLU's affirm / deny unless a word says the opposite («нее» read as affirm)."""
    text = turn.event.text
    said = read_yes_no(text)
    if said is not None:
        return said
    prediction = turn.prediction
    if prediction is None or prediction.decision is not Decision.ANSWER:
        return None
    guess = {"affirm": YesNo.YES, "deny": YesNo.NO}.get(prediction.intent or "")
    if guess is not None and has_word_of(text, YesNo.NO if guess is YesNo.YES else YesNo.YES):
        return UNCLEAR
    return guess

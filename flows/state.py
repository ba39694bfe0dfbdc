"""Where a customer is in a flow: ``conversation.context["flow"]``, as :class:`FlowState`.

The position is the **id** of the step waiting for the customer's answer, never its index: an
editor may remove, add or reorder steps and reload while customers are half-way through, and
an index would then point at another step (its answer stored in the wrong slot) or past the
end. The slot that step asks for is kept too, so a step an editor renamed is found again.

A state carries its own age limit (``expires``, from ``policy.flow_expiry_hours`` when it was
saved): a question left unanswered for days is not waiting when the customer comes back
(:func:`live_flow`, applied when the conversation is opened, ``bot/storage/repo.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flows.models import Flow, FlowButton, Step

BUTTON_PREFIX = "flowbtn:"
STOP_PAYLOAD = "/flow_stop"
"""A button that leaves the running flow («Больше не спрашивать», flows/engine.py)."""


@dataclass
class FlowState:
    """A running flow. ``step`` is ``None`` only while the flow plays its first steps."""

    flow_id: str
    step: str | None = None  # the id of the step waiting for an answer
    asking: str | None = None  # the slot that step collects (finds a renamed step again)
    slots: dict[str, str] = field(default_factory=dict)
    tries: int = 0  # answers to this step that did not fit
    last_slot: str | None = None  # what a correction of the last answer would change
    run: str = field(default_factory=lambda: secrets.token_hex(2))  # this run's buttons
    expires: datetime | None = None  # None: never (``policy.flow_expiry_hours: 0``)
    carried: bool = False  # taken over from a conversation that expired; unanswered since

    @classmethod
    def load(cls, raw: object) -> FlowState | None:
        """The state stored in the context, or ``None`` for none or one this code cannot use
        (a state written before positions were step ids)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            return None
        step = raw.get("step")
        if not isinstance(step, str) or "expires" not in raw:
            return None
        expires = _time(raw["expires"])
        if raw["expires"] is not None and expires is None:
            return None  # a broken age: not kept for ever
        slots = raw.get("slots")
        return cls(
            flow_id=raw["id"],
            step=step,
            asking=_str(raw.get("asking")),
            slots={str(k): str(v) for k, v in slots.items()} if isinstance(slots, dict) else {},
            tries=int(raw.get("tries") or 0),
            last_slot=_str(raw.get("last_slot")),
            run=str(raw.get("run") or ""),
            expires=expires,
            carried=bool(raw.get("carried")),
        )

    def dump(self) -> dict[str, Any]:
        return {
            "id": self.flow_id,
            "step": self.step,
            "asking": self.asking,
            "slots": dict(self.slots),
            "tries": self.tries,
            "last_slot": self.last_slot,
            "run": self.run,
            "expires": self.expires.isoformat() if self.expires is not None else None,
            "carried": self.carried,
        }

    def position(self, flow: Flow) -> int | None:
        """The index of the waiting step in the flow as it is now: by its id, else (renamed)
        the ``ask`` step that collects the same slot, else ``None`` (the step is gone)."""
        for index, step in enumerate(flow.steps):
            if step.id == self.step and step.ask is not None:
                return index
        for index, step in enumerate(flow.steps):
            if self.asking is not None and step.ask is not None and step.slot == self.asking:
                return index
        return None


def button_payload(
    state: FlowState, step: Step, button: FlowButton, *, step_id: str | None = None
) -> str:
    """``flowbtn:<flow>:<step>:<run>:<value>``: a press answers only the question it was shown
    under, in this run of the flow (Telegram keeps old messages' buttons pressable).
    ``step_id``: the id the step had when it was asked (an editor renamed it since)."""
    return f"{BUTTON_PREFIX}{state.flow_id}:{step_id or step.id}:{state.run}:{button.slot_value}"


def live_flow(context: Mapping[str, Any], now: datetime) -> bool:
    """Whether the context's flow may still be answered at ``now``: one past its age limit,
    or written before flows knew their age, is not."""
    raw = context.get("flow")
    if not isinstance(raw, dict):
        return False
    state = FlowState.load(raw)
    return state is not None and (state.expires is None or state.expires > now)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None

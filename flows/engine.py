"""Running flows inside a conversation: the :class:`FlowHandler` of the dialogue.

The flow's position and slots live in ``conversation.context["flow"]``, so a flow survives a
restart and continues in whichever channel the customer writes from next. What a flow
collected stays in ``context["flow_data"]`` and goes to the operator on handoff.

A customer who corrects (Telegram's edit) the message that gave the flow its last value
(«12345677» → «12345678») gets the flow replayed from that value on: «Исправил: …», the link
with the right number, the next question again. Later answers, which may have depended on the
wrong value, are asked again.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from bot import followup
from bot.dialogue import NLUHandler, Turn, answer_entry, understood_entries
from bot.events import Button, ButtonStyle, InboundKind, Outbound
from bot.handover import escalate
from flows.models import Flow, Step
from handoff.escalation import Reason
from nlu.api import Decision

START_PREFIX = "flow:"
BUTTON_PREFIX = "flowbtn:"
STALE_BUTTON_TEXT = "Этот вопрос уже закрыт. Если нужно что-то ещё — просто напишите."
CANCEL_WORDS = frozenset({"отмена", "отменить", "стоп", "хватит", "выход", "отмени"})


def _fill(text: str, slots: Mapping[str, str]) -> str:
    try:
        return text.format_map(dict(slots))
    except (KeyError, ValueError, IndexError):
        return text


class FlowHandler:
    name = "flow"

    # -- matching ---------------------------------------------------------------------------

    def _state(self, turn: Turn) -> dict[str, Any] | None:
        state = (turn.conversation.context or {}).get("flow")
        if isinstance(state, dict) and state.get("id") in turn.flows:
            # A copy: mutating the loaded JSON in place would hide the change from the ORM.
            return copy.deepcopy(state)
        return None

    def _starting(self, turn: Turn) -> Flow | None:
        event = turn.event
        if event.kind is InboundKind.BUTTON and (event.payload or "").startswith(START_PREFIX):
            return turn.flows.get((event.payload or "")[len(START_PREFIX) :])
        if (entry_flow := flow_of_entry_button(turn)) is not None:
            return entry_flow  # «Где мой заказ» under the greeting: as if typed
        prediction = turn.prediction
        if event.kind is not InboundKind.TEXT:
            return None
        by_pattern = self._started_by_pattern(turn)
        if by_pattern is not None:  # an editor's exact rule wins over a statistical guess
            return by_pattern
        if prediction is not None and prediction.decision is Decision.ANSWER:
            whole = _flow_for(turn, prediction.intent)
            if whole is not None:
                return whole
        started = self._started_by_part(turn)
        return started[0] if started is not None else None

    @staticmethod
    def _started_by_part(turn: Turn) -> tuple[Flow, list[str]] | None:
        """A message of several questions, one of which starts a flow: the flow and the FAQ
        entries of the other questions, in the customer's order.

        «сколько стоит доставка? и где мой заказ 12345678» gets the delivery price *and* the
        flow's exact link for that order, not the FAQ's general page about orders. The same
        rule as :func:`bot.dialogue.several_questions`: two or more understood questions, or
        one understood question in a message not understood as a whole. One flow per message
        (the first); its other flow questions wait for the customer to ask again."""
        prediction = turn.prediction
        if prediction is None or not prediction.parts:
            return None
        limit = turn.config.policy.max_answers_per_message
        if limit < 2 and prediction.decision is Decision.ANSWER:
            return None
        flow: Flow | None = None
        for part in prediction.parts:  # the first question that starts a flow
            if flow is None and part.decision is Decision.ANSWER:
                flow = _flow_for(turn, part.intent)
        if flow is None:
            return None
        others = [e for e in understood_entries(prediction, turn.kb) if _flow_for(turn, e) is None]
        if not others and prediction.decision is Decision.ANSWER:
            return None  # one question understood, and the whole message read otherwise
        return flow, others[: max(limit - 1, 0)]

    @staticmethod
    def _started_by_pattern(turn: Turn) -> Flow | None:
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

    def match(self, turn: Turn) -> bool:
        if self._state(turn) is not None:
            return turn.event.kind in (InboundKind.TEXT, InboundKind.BUTTON)
        return self._starting(turn) is not None or self._stale_button(turn)

    @staticmethod
    def _stale_button(turn: Turn) -> bool:
        """A button of a flow that has ended («Да, спасибо» pressed again later)."""
        payload = turn.event.payload or ""
        return turn.event.kind is InboundKind.BUTTON and payload.startswith(BUTTON_PREFIX)

    # -- handling ---------------------------------------------------------------------------

    async def handle(self, turn: Turn) -> None:
        state = self._state(turn)
        if state is None:
            flow = self._starting(turn)
            if flow is None:  # a finished flow's button: not a miss
                _say_stale(turn)
                return
            state = {"id": flow.id, "step": 0, "slots": {}, "tries": 0}
            started = self._started_by_part(turn)
            if started is not None and started[0] is flow:
                # The other questions first: the flow may end by asking the customer something.
                for entry_id in started[1]:
                    await answer_entry(turn, entry_id)
            if await self._prefill(turn, flow, state):
                state["step"] += 1
            await self._run(turn, flow, state)
            return
        flow = turn.flows[state["id"]]
        text = turn.event.text.strip().lower().strip("!.?")
        if turn.event.kind is InboundKind.TEXT and text in CANCEL_WORDS:
            self._finish(turn, state)
            turn.say(
                Outbound("Хорошо, отменил. Чем ещё могу помочь?"),
                {"flow": flow.id, "cancelled": True},
            )
            return
        step = flow.steps[state["step"]]
        if turn.event.edited and not (state["tries"] and self._value(turn, step) is not None):
            # A correction of an earlier message (not a failed answer to this question
            # corrected into a good one, which is read as the answer below).
            await self._correct(turn, flow, state)
            return
        value = self._value(turn, step)
        if value is None and self._stale_button(turn):  # an older message's button
            _say_stale(turn)
            turn.say(self._ask(step, state), {"flow": flow.id, "step": step.id})
            return
        if value is None:
            if self._digression(turn):
                self._finish(turn, state)
                await NLUHandler().handle(turn)
                return
            state["tries"] += 1
            if state["tries"] > step.retries:
                if step.on_fail == "handoff":
                    self._finish(turn, state)
                    await escalate(turn, Reason.FLOW, f"{flow.id}:{step.id}")
                    return
                state["step"] += 1
                state["tries"] = 0
                await self._run(turn, flow, state)
                return
            self._save(turn, state)
            turn.say(self._ask(step, state, retry=True), {"flow": flow.id, "step": step.id})
            return
        assert step.slot is not None
        state["slots"][step.slot] = value
        state["last_slot"] = step.slot  # what a correction of this message would change
        turn.message_data["flow"] = flow.id  # the flow's input («12345678»), not an FAQ miss
        state["step"] += 1
        state["tries"] = 0
        await self._run(turn, flow, state)

    async def _prefill(self, turn: Turn, flow: Flow, state: dict[str, Any]) -> bool:
        """«где заказ 12345678» answers the first question already: don't ask it again.

        So does a message the flow started on by its ``start_pattern`` («12345678»)."""
        first = flow.steps[0]
        if first.ask is None:
            return False
        found = None
        if first.entity is not None and turn.prediction is not None:
            found = next(
                (e.value for e in turn.prediction.entities if e.type == first.entity), None
            )
        by_pattern = self._started_by_pattern(turn) is flow
        if by_pattern:
            turn.message_data["flow"] = flow.id  # «№ 12345678»: the flow's input, not a miss
        if found is None and by_pattern:
            found = self._value(turn, first)
        if found is None:
            return False
        assert first.slot is not None
        state["slots"][first.slot] = found
        state["last_slot"] = first.slot
        return True

    async def _correct(self, turn: Turn, flow: Flow, state: dict[str, Any]) -> None:
        """A corrected message inside the flow: a new value for the slot the customer's last
        answer filled replays the flow from there; a clear question about another entry is
        answered; anything else is kept in the history without a reply."""
        slot = state.get("last_slot")
        index = next((i for i, s in enumerate(flow.steps) if slot and s.slot == slot), None)
        if index is not None and index < state["step"]:
            step = flow.steps[index]
            value = self._value(turn, step)
            if value is not None:
                turn.message_data["flow"] = flow.id
                if value == state["slots"].get(slot):
                    return  # the same value with a typo fixed elsewhere: nothing changes
                for later in flow.steps[index + 1 :]:
                    if later.slot is not None:
                        state["slots"].pop(later.slot, None)
                state["slots"][step.slot] = value
                state["step"], state["tries"] = index + 1, 0
                title = next((b.title for b in step.buttons if b.slot_value == value), value)
                turn.say(
                    Outbound(f"Исправил: {step.label or step.slot} — {title}."),
                    {"flow": flow.id, "step": step.id, "corrected": step.slot},
                )
                await self._run(turn, flow, state)
                return
        context = turn.conversation.context
        if self._digression(turn) and followup.asks_another_entry(
            turn.prediction, context, turn.kb
        ):
            self._finish(turn, state)
            await NLUHandler().handle(turn)

    def _value(self, turn: Turn, step: Step) -> str | None:
        event = turn.event
        if event.kind is InboundKind.BUTTON:
            payload = event.payload or ""
            value = payload[len(BUTTON_PREFIX) :] if payload.startswith(BUTTON_PREFIX) else None
            # Only this step's own buttons: an older message's button (Telegram keeps them) is
            # no answer to this question.
            allowed = {b.slot_value for b in step.buttons}
            return value if value in allowed else None
        text = event.text.strip()
        if step.buttons:
            for button in step.buttons:
                if text.lower() == button.title.lower():
                    return button.slot_value
            said = _yes_or_no(turn)  # «да», «нет, заказ задерживается уже неделю»
            if said is not None:
                for button in step.buttons:
                    if said in (button.slot_value.lower(), _yes_or_no_word(button.title)):
                        return button.slot_value
        if step.entity is not None and turn.prediction is not None:
            for entity in turn.prediction.entities:
                if entity.type == step.entity:
                    return entity.value
        if step.pattern is not None:
            match = re.search(step.pattern, text)
            if match is None:
                return None
            value = match.group(0)
            # «1234 5678»: a number typed in groups is the number
            return re.sub(r"\s+", "", value) if re.fullmatch(r"[\d\s]+", value) else value
        if step.entity is not None or step.buttons:
            return None
        return text or None

    def _digression(self, turn: Turn) -> bool:
        """The customer asked something else with confidence: leave the flow and answer it."""
        prediction = turn.prediction
        return (
            prediction is not None
            and prediction.decision is Decision.ANSWER
            and prediction.intent is not None
            and (prediction.intent in turn.kb or prediction.intent not in ("affirm", "deny"))
        )

    def _ask(self, step: Step, state: dict[str, Any], *, retry: bool = False) -> Outbound:
        text = step.retry if retry and step.retry else step.ask or ""
        buttons = tuple(Button(b.title, f"{BUTTON_PREFIX}{b.slot_value}") for b in step.buttons)
        return Outbound(_fill(text, state["slots"]), buttons=buttons, style=ButtonStyle.INLINE)

    async def _run(self, turn: Turn, flow: Flow, state: dict[str, Any]) -> None:
        """Play steps from ``state["step"]`` until one waits for the customer or the flow ends."""
        slots: dict[str, str] = state["slots"]
        while state["step"] < len(flow.steps):
            step = flow.steps[state["step"]]
            if any(slots.get(k) != v for k, v in step.when.items()):
                state["step"] += 1
                continue
            data = {"flow": flow.id, "step": step.id}
            if step.ask is not None:
                self._save(turn, state)
                turn.say(self._ask(step, state), data)
                return
            if step.say is not None:
                turn.say(Outbound(_fill(step.say, slots)), data)
            elif step.answer is not None:
                await answer_entry(turn, step.answer)
            elif step.handoff is not None:
                self._finish(turn, state)
                if step.handoff:
                    turn.say(Outbound(_fill(step.handoff, slots)), data)
                await escalate(
                    turn,
                    Reason.FLOW,
                    f"{flow.id}:{step.id}",
                    team=step.team,
                    announced=bool(step.handoff),
                )
                return
            state["step"] += 1
        self._finish(turn, state)

    def _save(self, turn: Turn, state: dict[str, Any]) -> None:
        context = dict(turn.conversation.context or {})
        context["flow"] = {**state, "slots": dict(state["slots"])}
        context["flow_data"] = _data(turn, state)
        turn.conversation.context = context

    def _finish(self, turn: Turn, state: dict[str, Any]) -> None:
        context = dict(turn.conversation.context or {})
        context.pop("flow", None)
        context["flow_data"] = _data(turn, state)
        turn.conversation.context = context


YES_WORDS = frozenset({"да", "ага", "угу", "конечно", "ок", "окей", "хорошо", "yes", "понятно"})
NO_WORDS = frozenset({"нет", "неа", "не", "no"})


def _yes_or_no_word(text: str) -> str | None:
    """«yes» / «no» by the first word of ``text`` («Нет, заказ задерживается»), else None."""
    words = re.findall(r"[а-яёa-z]+", text.lower())
    if not words:
        return None
    if words[0] in YES_WORDS:
        return "yes"
    return "no" if words[0] in NO_WORDS else None


def _yes_or_no(turn: Turn) -> str | None:
    """What the customer's typed answer to a yes/no question means, if it is one."""
    said = _yes_or_no_word(turn.event.text)
    if said is not None:
        return said
    prediction = turn.prediction
    if prediction is not None and prediction.decision is Decision.ANSWER:
        return {"affirm": "yes", "deny": "no"}.get(prediction.intent or "")
    return None


def _say_stale(turn: Turn) -> None:
    turn.say(Outbound(STALE_BUTTON_TEXT), {"stale_button": turn.event.payload})


def flow_of_entry_button(turn: Turn) -> Flow | None:
    """The flow a FAQ entry's button starts when no flow is running: an entry that is a flow's
    intent («Где мой заказ») is answered by the flow when typed, so when pressed too."""
    payload = turn.event.payload or ""
    if turn.event.kind is not InboundKind.BUTTON or not payload.startswith("faq:"):
        return None
    if (turn.conversation.context or {}).get("flow"):
        return None  # inside a flow a FAQ button is a question aside, answered as an entry
    return _flow_for(turn, payload[len("faq:") :])


def _flow_for(turn: Turn, intent: str | None) -> Flow | None:
    return next((f for f in turn.flows.values() if intent in f.intents), None)


def _data(turn: Turn, state: dict[str, Any]) -> dict[str, Any]:
    flow = turn.flows[state["id"]]
    slots: dict[str, str] = dict(state["slots"])
    return {"id": flow.id, "title": flow.title, "slots": slots, "fields": _fields(flow, slots)}


def _fields(flow: Flow, slots: Mapping[str, str]) -> list[dict[str, str]]:
    """What the flow collected as an operator reads it: each slot under its step's ``label``
    (or its question), a button's value as the button's title («Нет, заказ задерживается»,
    not «no»)."""
    fields = []
    for step in flow.steps:
        if step.slot is None or step.slot not in slots:
            continue
        value = slots[step.slot]
        title = next((b.title for b in step.buttons if b.slot_value == value), value)
        fields.append({"label": step.label or step.ask or step.slot, "value": title})
    return fields

"""Running flows inside a conversation: the :class:`FlowHandler` of the dialogue.

The flow's position (the id of the step waiting for an answer, :mod:`flows.state`) and slots
live in ``conversation.context["flow"]``, so a flow survives a restart, an editor's reload
and continues in whichever channel the customer writes from next. What a flow collected stays
in ``context["flow_data"]`` and goes to the operator on handoff (:mod:`flows.recording`). How
a step's question is put and how a message answers it: :mod:`flows.questions`.

A message inside a flow is read in this order (docs/flows.md):

1. «отмена», «передумал, не надо» leave the flow (:func:`flows.answers.is_cancel`), saying
   what is no longer asked (``utter_flow_stopped_asking``); a bare «отменить» / «отмена» in a
   flow about an order first asks whether the order is meant (``utter_flow_cancel_which``);
2. the answer to the waiting question — its own button (flow, step and run in the payload),
   a typed «да» / «нее», the entity, the pattern — goes into the step's slot; a yes/no that
   says both or neither is asked again;
3. an older message's button gets «Этот вопрос уже закрыт» and the question again;
4. a message that starts a flow by its intent («курьер не приехал» while asked for the order
   number, «где мой заказ 87654321?» at «Всё понятно?») starts that flow: what the one left
   collected under the same slot name is not asked again, unless it is the same flow restarted;
   the same flow's intent at its own first question («где мой заказ» when asked for the
   number) answers nothing and is a failed answer (9.), so asking it over does not put off
   the hand-over;
5. a confident question about something else leaves the flow and is answered;
6. a new value for an earlier answer («87654321» at «Всё понятно?») replays the flow from it;
7. a flow's bare ``start_pattern`` starts that flow afresh;
8. the first message after a flow was carried into a new conversation that fits none of
   these is read as a new message, not as a failed answer; so is, at a question with buttons
   («Всё понятно со статусом?»), a message that says neither yes nor no nor anything unclear
   about it («вернула 2 недели назад»): the flow ends there;
   Before 4.–8.: at a step with ``without``, a phone instead of the order number or «не помню
   номер» hands over with the step's phrase and the phone kept (:meth:`FlowHandler._without`);
9. anything else is a failed answer: ``retry`` (``invalid`` for a value that breaks the
   step's pattern, :mod:`flows.values`), then ``on_fail``.

At a yes/no question a typed answer that also gives a new value for an earlier answer
(«нет, не тот номер, правильный 87654321») is that correction (6.), not the «нет».

A customer who corrects (Telegram's edit) the message that gave the flow its last value
(«12345677» → «12345678») gets the flow replayed from that value on: «Исправил: …», the link
with the right number, the next question again. Later answers, which may have depended on the
wrong value, are asked again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot import followup, why_not
from bot.answering import NLUHandler
from bot.dialogue import FallbackHandler, Turn, answer_entry
from bot.events import InboundKind, Outbound
from bot.flow_leave import stop, which
from bot.handover import escalate
from bot.order_topic import forget_ask
from flows import more
from flows.answers import UNCLEAR, is_cancel
from flows.aside import asked_aside
from flows.models import Flow, Step
from flows.questions import ask, fill, read_value
from flows.recording import finish, save
from flows.starting import START_PREFIX, Start, flow_of_entry_button, starting
from flows.state import BUTTON_PREFIX, STOP_PAYLOAD, FlowState
from flows.values import from_entity, from_pattern, noted, rejected_in, remembered, without_value
from handoff.escalation import Reason
from nlu.api import Decision

__all__ = ["BUTTON_PREFIX", "START_PREFIX", "FlowHandler", "flow_of_entry_button"]

STALE_BUTTON_TEXT = "Этот вопрос уже закрыт. Если нужно что-то ещё — просто напишите."
UNCLEAR_TEXT = "Не уверен, что понял вас правильно."
FAILED = "utter_handoff_flow_failed"
"""Said before the hand-off when a step's answers ran out (``on_fail: handoff``)."""


class FlowHandler:
    name = "flow"

    def _state(self, turn: Turn) -> FlowState | None:
        state = FlowState.load((turn.conversation.context or {}).get("flow"))
        if state is None or state.flow_id not in turn.flows:
            return None
        if state.expires is not None and state.expires <= turn.now:
            return None  # past policy.flow_expiry_hours (repo.open_conversation drops it)
        return state

    def match(self, turn: Turn) -> bool:
        if self._state(turn) is not None:
            return turn.event.kind in (InboundKind.TEXT, InboundKind.BUTTON)
        return (
            starting(turn) is not None
            or _flow_button(turn)
            or more.waiting(turn)
            or turn.event.payload == STOP_PAYLOAD  # pressed after the flow ended: stale
        )

    async def handle(self, turn: Turn) -> None:
        state = self._state(turn)
        if more.waiting(turn) and await self._next(turn, state):
            return  # «а второй?» after «у меня два заказа 12345678 и 87654321»
        if state is None:
            start = starting(turn)
            if start is None:  # a finished flow's button: not a miss
                _say_stale(turn)
                return
            await self._start(turn, start)
            return
        flow = turn.flows[state.flow_id]
        index = state.position(flow)
        step = flow.steps[index] if index is not None else None
        text = turn.event.text if turn.event.kind is InboundKind.TEXT else ""
        if turn.event.kind is InboundKind.BUTTON and turn.event.payload == STOP_PAYLOAD:
            stop(turn, flow, state, step)
            return
        if text and is_cancel(text, no_too=step is not None and not step.buttons):
            if step is not None and which(turn, flow, step, text):
                save(turn, state)  # the flow waits: a number typed now still answers it
                return
            stop(turn, flow, state, step)
            return
        if step is None or index is None:
            await self._step_gone(turn, state)
            return
        if text and step.buttons and why_not.at_flow_question(turn):
            turn.message_data["flow"] = flow.id  # «а почему нет?»: no «нет», no FAQ miss
            turn.say(ask(state, step), {"flow": flow.id, "step": step.id})
            return
        value = read_value(turn, state, step)
        if turn.event.edited and not (state.tries and isinstance(value, str)):
            # A correction of an earlier message (not a failed answer to this question
            # corrected into a good one, which is read as the answer below).
            await self._correct(turn, flow, state)
            return
        if (
            value is not None
            and step.buttons
            and turn.event.kind is InboundKind.TEXT
            and await self._replace_earlier(turn, flow, state, index)
        ):
            # «нет, не тот номер, правильный 87654321» at «Всё понятно со статусом?»: the new
            # number is what the message is about, not the «нет».
            return
        if isinstance(value, str):
            await self._answered(turn, flow, state, index, value)
        elif value is None and await self._without(turn, flow, state, step):
            return  # «нет номера, есть телефон 89161234567»: a person finds it by the phone
        elif _flow_button(turn):  # an older message's button
            _say_stale(turn)
            turn.say(ask(state, step), {"flow": flow.id, "step": step.id})
        elif value is UNCLEAR or not await self._elsewhere(turn, flow, state, index):
            await self._missed(turn, flow, state, index, unclear=value is UNCLEAR)

    # -- the customer's answer --------------------------------------------------------------

    async def _answered(
        self, turn: Turn, flow: Flow, state: FlowState, index: int, value: str
    ) -> None:
        step = flow.steps[index]
        assert step.slot is not None
        state.slots[step.slot] = value
        state.last_slot = step.slot  # what a correction of this message would change
        more.keep(turn, flow, step, value)  # «12345678 и 87654321»: the second waits
        turn.message_data["flow"] = flow.id  # the flow's input («12345678»), not an FAQ miss
        # «12345678 и еще доставка сколько стоит»: the question beside the answer first, as
        # when a flow starts beside one — the flow may go on by asking the customer something.
        for entry_id in asked_aside(turn, value):
            await answer_entry(turn, entry_id)
        _notice(turn, flow, state)
        await self._run(turn, flow, state, index + 1)

    async def _missed(
        self, turn: Turn, flow: Flow, state: FlowState, index: int, *, unclear: bool = False
    ) -> None:
        """No answer to the question: asked again (a yes/no that said both or neither with
        «Не уверен…» first), and after ``retries`` the step's ``on_fail``."""
        step = flow.steps[index]
        state.tries += 1
        if state.tries > step.retries:
            if step.on_fail == "handoff":
                finish(turn, state)
                if FAILED in turn.domain.responses:  # the customer never asked for a person
                    turn.utter(FAILED)
                await escalate(turn, Reason.FLOW, f"{flow.id}:{step.id}")
                return
            await self._run(turn, flow, state, index + 1)
            return
        save(turn, state)
        wrong = None if unclear else rejected_in(turn, step)
        message = ask(
            state, step, retry=not unclear, prefix=UNCLEAR_TEXT if unclear else "", wrong=wrong
        )
        turn.say(message, {"flow": flow.id, "step": step.id})

    async def _without(self, turn: Turn, flow: Flow, state: FlowState, step: Step) -> bool:
        """The customer has not got the value (the step's ``without``): a phone instead of the
        order number, or «не помню» — kept for the operator and handed over with the step's
        phrase; False when the message says neither."""
        without = step.without
        if without is None or turn.event.kind is not InboundKind.TEXT:
            return False
        given = without_value(without, turn.event.text, turn.prediction)
        if given is None:
            return False
        turn.message_data["flow"] = flow.id  # the flow's input, not an FAQ miss
        slot = without.slot_name
        if given and slot is not None:
            state.slots[slot] = given
        finish(turn, state)
        name = without.handoff if given else without.handoff_without or without.handoff
        announced = name in turn.domain.responses
        if announced:
            turn.utter(name, {"flow": flow.id, "step": step.id}, **state.slots)
        await escalate(
            turn, Reason.FLOW, f"{flow.id}:{step.id}", team=without.team, announced=announced
        )
        return True

    # -- a message that is no answer ----------------------------------------------------------

    async def _elsewhere(self, turn: Turn, flow: Flow, state: FlowState, index: int) -> bool:
        """Handle a message that does not answer the question but means something else;
        False when it means nothing else (a failed answer)."""
        start = starting(turn) if turn.event.kind is InboundKind.TEXT else None
        again = asks_again(turn, flow)
        if again and state.step != flow.steps[0].id:
            # «а где мой ноутбук?» at «Всё понятно со статусом?» of «Статус ремонта»: its own
            # question once more, with what it has (the receipt's link again), not «Где мой заказ».
            turn.message_data["flow"] = flow.id  # the flow's input, not an FAQ miss
            finish(turn, state)
            await self._start(turn, Start(flow), known=state.slots)
            return True
        if again or (start is not None and start.flow is flow and state.step == flow.steps[0].id):
            # «где мой заказ» again at its own first question: the question is not answered, a
            # miss — a restart would ask the same and reset the count that hands over.
            return False
        if start is not None and not start.by_pattern:
            # «курьер не приехал» while asked for the order number: that flow, not its FAQ text.
            finish(turn, state)
            await self._start(turn, start, known={} if start.flow is flow else state.slots)
            return True
        if self._digression(turn):
            finish(turn, state)
            await _read_anew(turn)
            return True
        if not state.carried and await self._replace_earlier(turn, flow, state, index):
            return True
        if start is not None:  # a bare «87654321»: the flow it starts, afresh
            finish(turn, state)
            await self._start(turn, start)
            return True
        if state.carried and turn.event.kind is InboundKind.TEXT:
            # The first message in a new conversation, hours later, that does not answer the
            # old question: a new message, not a failed answer to it.
            finish(turn, state)
            await _read_anew(turn)
            return True
        if flow.steps[index].buttons and turn.event.kind is InboundKind.TEXT:
            # «вернула 2 недели назад» at «Всё понятно со статусом?»: neither yes nor no (nor
            # «не знаю», asked again) but words of their own — a new message, not the question
            # once more on every reply.
            finish(turn, state)
            await _read_anew(turn)
            return True
        return False

    async def _replace_earlier(self, turn: Turn, flow: Flow, state: FlowState, index: int) -> bool:
        """«87654321» at «Всё понятно со статусом?»: a new value for an earlier answer taken
        from an entity or a pattern replays the flow from there; one the pattern refuses
        («123456789») gets the step's ``invalid`` text, and the question waits as it was."""
        for earlier, step in enumerate(flow.steps[:index]):
            if step.slot is None or step.slot not in state.slots or step.buttons:
                continue
            if step.entity is None and step.pattern is None:
                continue  # a free-text answer: any message would «replace» it
            value = read_value(turn, state, step)
            if isinstance(value, str) and value != state.slots[step.slot]:
                await self._replay(turn, flow, state, earlier, value)
                return True
            wrong = rejected_in(turn, step) if value is None and step.invalid else None
            if wrong is not None:  # «нет, правильный 123456789»: what is wrong with it
                turn.message_data["flow"] = flow.id
                save(turn, state)
                turn.say(ask(state, step, wrong=wrong), {"flow": flow.id, "step": step.id})
                return True
        return False

    def _digression(self, turn: Turn) -> bool:
        """The customer asked something else with confidence: leave the flow and answer it."""
        prediction = turn.prediction
        return (
            prediction is not None
            and prediction.decision is Decision.ANSWER
            and prediction.intent is not None
            and (prediction.intent in turn.kb or prediction.intent not in ("affirm", "deny"))
        )

    async def _step_gone(self, turn: Turn, state: FlowState) -> None:
        """An editor removed (or turned into something else) the question the customer was
        answering, and reloaded: the flow ends quietly and the message is read anew."""
        finish(turn, state)
        turn.message_data["flow_step_gone"] = f"{state.flow_id}:{state.step}"
        if _flow_button(turn):
            _say_stale(turn)
        elif (start := starting(turn)) is not None:
            await self._start(turn, start)
        else:
            await _read_anew(turn)

    async def _correct(self, turn: Turn, flow: Flow, state: FlowState) -> None:
        """A corrected message inside the flow: a new value for the slot the customer's last
        answer filled replays the flow from there; a clear question about another entry is
        answered; anything else is kept in the history without a reply."""
        slot = state.last_slot
        current = state.position(flow)
        index = next((i for i, s in enumerate(flow.steps) if slot and s.slot == slot), None)
        if index is not None and current is not None and index < current and slot is not None:
            value = read_value(turn, state, flow.steps[index])
            if isinstance(value, str):
                turn.message_data["flow"] = flow.id
                if value == state.slots.get(slot):
                    return  # the same value with a typo fixed elsewhere: nothing changes
                await self._replay(turn, flow, state, index, value)
                return
        context = turn.conversation.context
        if self._digression(turn) and followup.asks_another_entry(
            turn.prediction, context, turn.kb
        ):
            finish(turn, state)
            await NLUHandler().handle(turn)

    async def _replay(
        self, turn: Turn, flow: Flow, state: FlowState, index: int, value: str
    ) -> None:
        """«Исправил: Номер заказа — 12345678.» and the flow again from the step after."""
        step = flow.steps[index]
        assert step.slot is not None
        turn.message_data["flow"] = flow.id
        for later in flow.steps[index + 1 :]:
            if later.slot is not None:
                state.slots.pop(later.slot, None)
        state.slots[step.slot] = value
        state.last_slot = step.slot
        title = next((b.title for b in step.buttons if b.slot_value == value), value)
        turn.say(
            Outbound(f"Исправил: {step.label or step.slot} — {title}."),
            {"flow": flow.id, "step": step.id, "corrected": step.slot},
        )
        await self._run(turn, flow, state, index + 1)

    # -- playing the flow ---------------------------------------------------------------------

    async def _start(
        self, turn: Turn, start: Start, known: Mapping[str, str] | None = None
    ) -> None:
        """Play a flow from its start; ``known``: what the flow just left collected, by slot."""
        flow = start.flow
        state = FlowState(flow.id)
        # the topic moved on: a number typed now is the flow's, not an earlier answer's
        turn.conversation.context = forget_ask(turn.conversation.context, number=True)
        # The other questions first: the flow may end by asking the customer something.
        for entry_id in start.others:
            await answer_entry(turn, entry_id)
        first = flow.steps[0]
        found = self._prefill(turn, start, state) if first.ask is not None else None
        wrong = rejected_in(turn, first) if found is None and first.ask is not None else None
        if found is None and wrong is None and first.slot is not None and first.ask is not None:
            found = (known or {}).get(first.slot) or await remembered(turn, first)
        if found is not None and first.slot is not None:
            state.slots[first.slot] = found
            state.last_slot = first.slot
            more.keep(turn, flow, first, found)
        if wrong is not None and first.invalid:  # «заказ №123456789»: say what is wrong
            state.step, state.asking, state.tries = first.id, first.slot, 0
            save(turn, state)
            turn.say(ask(state, first, wrong=wrong), {"flow": flow.id, "step": first.id})
            return
        # «ремонт уже 50 дней»: in this message, or what the conversation already knows
        _recall_notes(turn, flow, state, known)
        _notice(turn, flow, state)
        await self._run(turn, flow, state, 1 if found is not None else 0)

    def _prefill(self, turn: Turn, start: Start, state: FlowState) -> str | None:
        """«где заказ 12345678» answers the first question already: don't ask it again.

        So does a message the flow started on by its ``start_pattern`` («12345678»)."""
        first = start.flow.steps[0]
        if start.by_pattern:
            turn.message_data["flow"] = start.flow.id  # «№ 12345678»: the flow's input
        if turn.event.kind is not InboundKind.TEXT:
            return None  # a button's title has nothing to take
        # «заказал ноут, номер 12345678» or «… 12345678 …» in a message about an order: the
        # entity, or the step's own pattern (not a phone, a sum, a date).
        return from_entity(first, turn.prediction) or from_pattern(
            first, turn.event.text, turn.prediction
        )

    async def _run(self, turn: Turn, flow: Flow, state: FlowState, index: int) -> None:
        """Play steps from ``index`` until one waits for the customer or the flow ends."""
        while index < len(flow.steps):
            step = flow.steps[index]
            index += 1
            if step.note is not None or not step.applies(state.slots):
                continue  # a note is taken from the messages (_notice), never asked
            if step.ask is not None and step.slot in state.slots:
                continue  # known already (steps an editor reordered): not asked again
            data = {"flow": flow.id, "step": step.id}
            if step.ask is not None:
                state.step, state.asking, state.tries = step.id, step.slot, 0
                save(turn, state)
                turn.say(ask(state, step), data)
                return
            if step.say is not None:
                turn.say(Outbound(fill(step.say, state.slots)), data)
            elif step.answer is not None:
                await answer_entry(turn, step.answer)
            elif step.handoff is not None:
                finish(turn, state)
                if step.handoff:
                    turn.say(Outbound(fill(step.handoff, state.slots)), data)
                await escalate(
                    turn,
                    Reason.FLOW,
                    f"{flow.id}:{step.id}",
                    team=step.team,
                    announced=bool(step.handoff),
                )
                return
        finish(turn, state)
        if (waiting := more.take(turn, flow)) is not None:
            # the next of several values the customer gave: the flow again for it
            again = FlowState(flow.id, slots={waiting.slot: waiting.value})
            again.last_slot = waiting.slot
            await self._run(turn, flow, again, 0)

    async def _next(self, turn: Turn, state: FlowState | None) -> bool:
        """«а второй?»: the flow again for the value waiting (flows/more.py)."""
        waiting = more.take(turn)
        if waiting is None:
            return False
        if state is not None:
            finish(turn, state)
        turn.message_data["flow"] = waiting.flow.id  # the flow's input, not an FAQ miss
        await self._start(turn, Start(waiting.flow), known={waiting.slot: waiting.value})
        return True


def asks_again(turn: Turn, flow: Flow) -> bool:
    """Does the message ask the running flow's own question again (its ``asked_again``)?"""
    return (
        flow.asked_again is not None
        and turn.event.kind is InboundKind.TEXT
        and re.search(flow.asked_again, turn.event.text, re.IGNORECASE) is not None
    )


def _notice(turn: Turn, flow: Flow, state: FlowState) -> None:
    """What the flow's ``note`` steps find in the customer's message («ремонт уже 50 дней»):
    kept, the newest mention over an older one."""
    if turn.event.kind is not InboundKind.TEXT:
        return
    for step in flow.steps:
        found = noted(step, turn.event.text) if step.note is not None else None
        if found is not None and step.note is not None:
            state.slots[step.note] = found


def _recall_notes(
    turn: Turn, flow: Flow, state: FlowState, known: Mapping[str, str] | None
) -> None:
    """A flow started again keeps what its ``note`` steps took before («ремонт уже 46 дней»,
    then a question aside that left the flow, then «квитанция С-778812»): the slots the flow
    just left or the conversation's flows collected (``context.flow_data``)."""
    flow_data = (turn.conversation.context or {}).get("flow_data")
    slots = flow_data.get("slots") if isinstance(flow_data, dict) else None
    earlier = {**(slots if isinstance(slots, dict) else {}), **(known or {})}
    for step in flow.steps:
        if step.note is not None and earlier.get(step.note):
            state.slots.setdefault(step.note, str(earlier[step.note]))


def _flow_button(turn: Turn) -> bool:
    """A flow's answer button (of this question or an older one)."""
    payload = turn.event.payload or ""
    return turn.event.kind is InboundKind.BUTTON and payload.startswith(BUTTON_PREFIX)


def _say_stale(turn: Turn) -> None:
    turn.say(Outbound(STALE_BUTTON_TEXT), {"stale_button": turn.event.payload})


async def _read_anew(turn: Turn) -> None:
    """The message as if no flow were running (the handlers after this one)."""
    nlu = NLUHandler()
    if nlu.match(turn):
        await nlu.handle(turn)
    else:
        await FallbackHandler().handle(turn)

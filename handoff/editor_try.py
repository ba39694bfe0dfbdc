"""«Проверить бота»: what the serving bot would reply to a text sent as a first message.

The dialogue's own rules decide, in the dialogue's order (bot/dialogue.py
``default_handlers``): an escalation trigger, then a flow the message starts
(:func:`flows.starting.starting`, the rule the :class:`flows.engine.FlowHandler` uses), then
the NLU's answer — several questions, a bare topic, an entry, «Вы имели в виду…?» with the
entries :func:`bot.readings.clarify_options` offers, else «не понял». What the customer gets
is the ``outcome``; ``decision`` stays the NLU's own reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogue import Turn
from bot.engine import Brain
from bot.events import Inbound, InboundKind
from bot.readings import clarify_options, several_questions
from bot.storage.models import Conversation, Identity, utcnow
from bot.topics import topic_entries
from flows.models import Flow
from flows.starting import Start, starting
from handoff import escalation
from handoff.errors import HandoffError
from handoff.views import intent_title
from knowledge_base.models import FAQEntry
from nlu.api import Decision, Prediction

DECISIONS = {"answer": "ответит", "clarify": "переспросит", "reject": "не поймёт"}
# What the customer gets, when it is not the NLU's decision itself.
OUTCOMES = {**DECISIONS, "flow": "начнёт сценарий", "handoff": "передаст оператору"}
HANDOFF_NOTE = "(и передаст оператору)"


@dataclass(slots=True)
class Reply:
    """What the bot does with a first message: ``outcome`` (a key of :data:`OUTCOMES`), the
    text the customer reads, and the flow it starts, if any."""

    outcome: str
    lines: list[str] = field(default_factory=list)
    flow: Flow | None = None

    @property
    def text(self) -> str:
        return "\n".join(line for line in self.lines if line)


def prediction_json(brain: Brain, prediction: Prediction) -> dict[str, Any]:
    return {
        "intent": prediction.intent,
        "title": intent_title(brain.kb, prediction.intent),
        "confidence": round(prediction.confidence, 4),
        "decision": prediction.decision.value,
        "decision_title": DECISIONS.get(prediction.decision.value, prediction.decision.value),
        "ranking": [
            {
                "intent": s.intent,
                "title": intent_title(brain.kb, s.intent),
                "confidence": round(s.confidence, 4),
            }
            for s in prediction.ranking[:5]
        ],
    }


def try_text(brain: Brain, text: str, channel: str | None = None) -> dict[str, Any]:
    """What the serving bot would reply to ``text`` as a first message (no conversation)."""
    text = " ".join(text.split())[: brain.config.policy.max_message_chars]
    if not text:
        raise HandoffError("Введите вопрос.", "empty")
    prediction = brain.nlu.predict(text)
    reply = first_reply(brain, text, prediction, channel)
    outcome_title = OUTCOMES.get(reply.outcome, reply.outcome)
    if reply.flow is not None:
        outcome_title += f" «{reply.flow.title}»"
    return {
        "text": text,
        **prediction_json(brain, prediction),
        "outcome": reply.outcome,
        "outcome_title": outcome_title,
        "flow": None if reply.flow is None else {"id": reply.flow.id, "title": reply.flow.title},
        "answer": reply.text,
    }


def first_reply(
    brain: Brain, text: str, prediction: Prediction, channel: str | None = None
) -> Reply:
    """What the customer gets for ``text`` as the first message of a conversation."""
    trigger = escalation.detect(text, prediction, brain.config.handoff, kb=brain.kb)
    if trigger is not None:
        title = escalation.REASON_TITLES.get(trigger.reason, trigger.reason.value)
        return Reply("handoff", [f"Передаст оператору: {title}."])
    start = starting(_first_turn(brain, text, prediction, channel))
    if start is not None:
        return Reply("flow", _flow_lines(brain, start, text, prediction, channel), start.flow)
    policy = brain.config.policy
    several = several_questions(prediction, brain.kb, policy.max_answers_per_message)
    if several:
        return Reply("answer", [_entry_text(brain.kb.entries[e], channel) for e in several])
    if prediction.decision is Decision.ANSWER and prediction.intent is not None:
        topic = _bare_topic(brain, text, prediction)
        if topic:
            header = _response(brain, "utter_clarify_topic", channel) or _response(
                brain, "utter_clarify", channel
            )
            return Reply("clarify", [header, *(f"• {e.title}" for e in topic)])
        entry = brain.kb.get(prediction.intent)
        if entry is not None:
            return Reply("answer", [_entry_text(entry, channel)])
        return Reply("answer", [_response(brain, f"utter_{prediction.intent}", channel)])
    if prediction.decision is Decision.CLARIFY:
        options = clarify_options(prediction, brain.kb, brain.config)
        if options:
            header = _response(brain, "utter_clarify", channel)
            return Reply("clarify", [header, *(f"• {e.title}" for e in options)])
    # Nothing worth offering: the customer reads «не понял», as the dialogue says it.
    return Reply("reject", [_response(brain, "utter_default", channel)])


def _first_turn(brain: Brain, text: str, prediction: Prediction, channel: str | None) -> Turn:
    """A customer's first message with no conversation behind it, for the dialogue's pure
    rules (which flow starts): they read the event, the prediction and the content, never
    the database, so there is no session."""
    event = Inbound(channel or "web", "try", "editor", "editor", kind=InboundKind.TEXT, text=text)
    return Turn(
        session=cast(AsyncSession, None),
        event=event,
        conversation=Conversation(context={}),
        identity=Identity(),
        prediction=prediction,
        domain=brain.domain,
        kb=brain.kb,
        config=brain.config,
        now=utcnow(),
        flows=brain.flows,
    )


def _flow_lines(
    brain: Brain, start: Start, text: str, prediction: Prediction, channel: str | None
) -> list[str]:
    """The answers to the message's other questions, then the flow's steps up to its first
    question or hand-off (flows/engine.py ``_start`` and ``_run``): a first question the
    message already answers («где мой заказ 12345678») is not asked."""
    lines = [_entry_text(brain.kb.entries[e], channel) for e in start.others if e in brain.kb]
    steps = start.flow.steps
    slots: dict[str, str] = {}
    first = steps[0]
    known = next((e.value for e in prediction.entities if e.type == first.entity), None)
    if known is None and start.by_pattern:
        known = text.strip()  # «12345678»: the message is the first question's answer
    if known is not None and first.ask is not None and first.slot is not None:
        slots[first.slot] = known
        steps = steps[1:]
    for step in steps:
        if any(slots.get(k) != v for k, v in step.when.items()):
            continue
        if step.ask is not None:
            lines.append(_fill(step.ask, slots))
            break
        if step.say is not None:
            lines.append(_fill(step.say, slots))
        elif step.answer is not None and step.answer in brain.kb:
            lines.append(_entry_text(brain.kb.entries[step.answer], channel))
        elif step.handoff is not None:
            lines.append(_fill(step.handoff, slots) or HANDOFF_NOTE)
            break
    return lines


def _fill(text: str, slots: Mapping[str, str]) -> str:
    try:
        return text.format_map(dict(slots))
    except (KeyError, ValueError, IndexError):
        return text


def _entry_text(entry: FAQEntry, channel: str | None) -> str:
    text = entry.render(channel).text
    if entry.human_only:
        text += "\n(и передаст оператору: тема только для сотрудника)"
    return text


def _response(brain: Brain, name: str, channel: str | None) -> str:
    try:
        return brain.domain.render(name, channel).text
    except KeyError:
        return ""


def _bare_topic(brain: Brain, text: str, prediction: Prediction) -> list[FAQEntry]:
    policy = brain.config.policy
    if not policy.clarify_bare_topics:
        return []
    return topic_entries(text, prediction, brain.kb, policy.clarify_max_options)

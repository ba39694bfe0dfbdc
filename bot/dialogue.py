"""The bot's side of a conversation: an ordered list of handlers, first match wins.

Each handler has the two-method contract of python-telegram-bot's ``BaseHandler``:
``match(turn)`` says whether it applies, ``handle(turn)`` does the work by adding replies and
changing the owner. Handlers never send anything themselves; the engine writes replies to the
outbox in the same transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot import (
    after_clarify,
    cancel,
    clarify_details,
    feedback,
    followup,
    helpful,
    linking,
    order_answers,
)
from bot.config import Domain, ProjectConfig
from bot.events import Button, Inbound, InboundKind, Outbound
from bot.handover import escalate, known_order
from bot.location import LocationHandler
from bot.order_topic import OrderForTopicHandler, remember_ask
from bot.ownership import Owner
from bot.storage.models import Conversation, Identity, Operator
from handoff import escalation
from handoff.escalation import Reason
from knowledge_base.models import KnowledgeBase
from nlu.api import Decision, Prediction

if TYPE_CHECKING:
    from flows.models import Flow

log = logging.getLogger(__name__)

HANDOFF_PAYLOAD = "/handoff_request"
LINK_PAYLOAD = "/link"
PROMPT = "utter_ask_question"
"""«Я на связи! Чем могу помочь?»: «да» or «👍» with nothing answered or offered yet, and a
greeting again within :data:`GREET_AGAIN` (a project without it says what it said before)."""
GREET_AGAIN = timedelta(minutes=30)
GREETED_AT = "greeted_at"  # conversation context: when the bot last said utter_greet


@dataclass(slots=True)
class Turn:
    """Everything a handler needs about the current customer event."""

    session: AsyncSession
    event: Inbound
    conversation: Conversation
    identity: Identity
    prediction: Prediction | None
    domain: Domain
    kb: KnowledgeBase
    config: ProjectConfig
    now: datetime
    flows: Mapping[str, Flow] = field(default_factory=dict)
    replies: list[Outbound] = field(default_factory=list)
    reply_data: list[dict[str, Any]] = field(default_factory=list)
    assigned_operator: Operator | None = None
    message_data: dict[str, Any] = field(default_factory=dict)
    """Added to the customer's message in the history once the handlers are done."""
    read: Callable[[str], Awaitable[Prediction]] | None = None
    """The NLU, for a text the customer did not type: an old button's title
    (bot/stale_buttons.py)."""
    offered: list[tuple[str, str]] = field(default_factory=list)
    """The options (title, payload) of a «Уточните…» the customer answers now (bot/choice.py)."""

    @property
    def channel(self) -> str:
        return self.event.channel

    def say(self, message: Outbound, data: dict[str, Any] | None = None) -> None:
        self.replies.append(message)
        self.reply_data.append(data or {})

    def utter(self, name: str, data: dict[str, Any] | None = None, **values: object) -> Outbound:
        message = self.domain.render(name, self.channel, **values)
        self.say(message, {"response": name, **(data or {})})
        return message

    @property
    def guesses(self) -> list[dict[str, Any]]:
        if self.prediction is None:
            return []
        return [
            {"intent": s.intent, "confidence": round(s.confidence, 3)}
            for s in self.prediction.ranking[:3]
        ]

    @property
    def is_question(self) -> bool:
        """The message was read as a question about the knowledge base, not as «позовите
        оператора», «спасибо» or «ок» (an understood service intent): its guesses are what an
        operator wants to see."""
        p = self.prediction
        if p is None:
            return False
        if p.decision is not Decision.ANSWER:
            return True  # not understood: what the bot half-guessed is worth showing
        return p.intent is not None and self.kb.get(p.intent) is not None

    def question_guesses(self) -> list[dict[str, Any]]:
        """The bot's guesses at the customer's question: this message's if it was one, else
        those of the last message that was («как вернуть брак?» → «позовите оператора»)."""
        if self.is_question:
            return self.guesses
        return list((self.conversation.context or {}).get("last_guesses") or self.guesses)


class Handler(Protocol):
    name: str

    def match(self, turn: Turn) -> bool: ...

    async def handle(self, turn: Turn) -> None: ...


def operator_button() -> Button:
    return Button("Позвать оператора", HANDOFF_PAYLOAD)


def say_offering_operator(turn: Turn, name: str) -> None:
    """Say phrase ``name``, with «Позвать оператора» when it has no buttons of its own and the
    policy offers a person."""
    message = turn.domain.render(name, turn.channel)
    if turn.config.policy.offer_operator_button and not message.buttons:
        message = Outbound(text=message.text, buttons=(operator_button(),), style=message.style)
    turn.say(message, {"response": name})


class StartHandler:
    name = "start"

    def match(self, turn: Turn) -> bool:
        return turn.event.kind is InboundKind.START

    async def handle(self, turn: Turn) -> None:
        param = turn.event.start_param or ""
        if param.startswith("link_") and await linking.apply_link_code(turn, param[5:]):
            return
        if turn.event.payload == "welcomed":
            # Viber: the welcome went in the webhook's own response — the greeting, or the
            # answer a «context=faq_…» deep link asks for (bot/assemble.py). A message sent now
            # would be refused: the user is not subscribed yet.
            return
        if param.startswith("faq_") and param[4:] in turn.kb:
            await answer_entry(turn, param[4:], ask_helpful=True)
            return
        greet(turn)


class ButtonHandler:
    """Our own buttons: FAQ follow-ups, clarification choices, «позвать оператора», linking."""

    name = "button"

    def match(self, turn: Turn) -> bool:
        from bot.stale_buttons import is_stale_flow
        from flows.engine import flow_of_entry_button
        from flows.state import STOP_PAYLOAD as FLOW_STOP_PAYLOAD

        payload = turn.event.payload or ""
        if turn.event.kind is not InboundKind.BUTTON or not payload:
            return False
        if payload.startswith("flow") or payload == FLOW_STOP_PAYLOAD:
            # the flows' own, unless the flow is gone
            return is_stale_flow(turn)
        return flow_of_entry_button(turn) is None  # the flow answers that entry

    async def handle(self, turn: Turn) -> None:
        from bot import stale_buttons

        payload = turn.event.payload or ""
        if payload.startswith("faq:") and payload[4:] in turn.kb:
            await answer_entry(turn, payload[4:], ask_helpful=True)
        elif payload.startswith(stale_buttons.PREFIXES):  # its entry or flow is gone
            await stale_buttons.answer(turn)
        elif (rated := helpful.parse(payload)) is not None:
            await helpful.handle(turn, *rated)
        elif payload == HANDOFF_PAYLOAD:
            await escalate(turn, Reason.REQUEST, "button")
        elif cancel.is_cancel(turn):
            await cancel.cancel(turn)
        elif payload == LINK_PAYLOAD:
            await linking.offer_link_code(turn)
        elif payload.startswith("/") and f"utter_{payload[1:]}" in turn.domain.responses:
            turn.utter(f"utter_{payload[1:]}")
        else:
            turn.utter("utter_default", data={"unknown_payload": payload})


class StickerHandler:
    """A sticker alone is a reaction, not a question: no person is called for it.

    A Telegram sticker of an approving emoji («👍», «🙏», its ``emoji`` is kept as the
    attachment's name) is thanks, like the emoji typed; any other sticker (Viber's carry no
    emoji) gets ``utter_sticker``, which asks for the question in words. Neither counts as a miss.
    """

    name = "sticker"

    def match(self, turn: Turn) -> bool:
        found = turn.event.attachments
        return (
            bool(found) and all(a.kind == "sticker" for a in found) and not turn.event.text.strip()
        )

    async def handle(self, turn: Turn) -> None:
        emoji = "".join(a.name or "" for a in turn.event.attachments)
        if only_approval(emoji) and "utter_affirm" in turn.domain.responses:
            approve(turn)
        elif "utter_sticker" in turn.domain.responses:
            turn.utter("utter_sticker")


class AttachmentHandler:
    name = "attachment"

    def match(self, turn: Turn) -> bool:
        return bool(turn.event.attachments) and not turn.event.text.strip()

    async def handle(self, turn: Turn) -> None:
        await escalate(turn, Reason.ATTACHMENT)


class EscalationHandler:
    """Explicit requests, complaints, profanity and repeated misses go to a person."""

    name = "escalation"

    def match(self, turn: Turn) -> bool:
        return self._trigger(turn) is not None

    def _trigger(self, turn: Turn) -> escalation.Trigger | None:
        if turn.event.kind is not InboundKind.TEXT:
            return None
        in_flow = bool((turn.conversation.context or {}).get("flow")) or _starts_flow(turn)
        return escalation.detect(
            turn.event.text,
            turn.prediction,
            turn.config.handoff,
            kb=turn.kb,
            # A flow's input («12345678») is no question for the NLU: the flow counts its own
            # tries (``retries``, ``on_fail``).
            unknown_streak=0
            if in_flow
            else turn.conversation.unknown_streak
            + (
                1
                if _missed(turn.prediction, turn.config.handoff.complaint_intents)
                and not only_approval(turn.event.text)
                and not feedback.declined(turn)  # «ничего из этого» to the options
                and not after_clarify.grace(turn)  # the options once more first
                else 0
            ),
        )

    async def handle(self, turn: Turn) -> None:
        trigger = self._trigger(turn)
        assert trigger is not None
        if trigger.reason is Reason.REQUEST:
            await _requested(turn, trigger.detail)
            return
        rude = trigger.reason in (Reason.COMPLAINT, Reason.PROFANITY)
        # «почему мой заказ отменился сам?? это вообще нормально?»: the answers, then a person.
        answers: list[str] = []
        if trigger.reason is Reason.COMPLAINT and turn.prediction is not None:
            answers = escalation.answered_first(turn.prediction, turn.config.handoff, turn.kb)
        for entry_id in answers[: turn.config.policy.max_answers_per_message]:
            await answer_entry(turn, entry_id)
        apology, known = "utter_complaint", "utter_complaint_order_known"
        if answers and "utter_complaint_answered" in turn.domain.responses:
            apology, known = "utter_complaint_answered", "utter_complaint_answered_order_known"
        apologised = rude and apology in turn.domain.responses
        order = await known_order(turn) if apologised else None
        if order and known in turn.domain.responses:
            # «…Номер заказа 11223344.»: the apology does not ask for the number again.
            turn.utter(known, order_number=order)
        elif apologised:
            turn.utter(apology)
        team = turn.config.handoff.complaint_team if rude else None
        await escalate(turn, trigger.reason, trigger.detail, team=team, announced=apologised)


async def _requested(turn: Turn, detail: str) -> None:
    """A person asked for in so many words: the handoff first (with the order number given),
    then the answer to a question the bot answers as beside a complaint (``asked_beside_call``:
    «как вернуть товар? и позовите оператора», not «оператора, вопрос по оплате») while the
    place in the queue is kept; none once an operator has it — the person reads it now."""
    cfg, kept = turn.config.handoff, "utter_handoff_queued_answered"
    found = turn.prediction and escalation.asked_beside_call(turn.prediction, cfg, turn.kb)
    await escalate(turn, Reason.REQUEST, detail)
    answers = [] if not found or turn.conversation.owner == Owner.OPERATOR.value else found
    for entry_id in answers[: turn.config.policy.max_answers_per_message]:
        await answer_entry(turn, entry_id)
    if answers and turn.conversation.owner == Owner.QUEUED.value and kept in turn.domain.responses:
        turn.utter(kept)


def _missed(prediction: Prediction | None, complaints: Collection[str] = ()) -> bool:
    """Not understood well enough to answer (rejected, or only a guess to clarify) — or a
    complaint that does not go to a person (``handoff.complaint_min_confidence`` not reached, or
    the trigger off): the bot has no answer to it and must not promise a senior specialist
    (:meth:`bot.answering.NLUHandler.handle`)."""
    if prediction is None:
        return False
    return prediction.decision is not Decision.ANSWER or prediction.intent in complaints


async def answer_entry(turn: Turn, entry_id: str, *, ask_helpful: bool = False) -> None:
    """The entry's answer; with ``ask_helpful`` (a single answer) and ``policy.ask_helpful``,
    with the «Помогло / Не помогло» buttons (bot/helpful.py)."""
    entry = turn.kb.entries[entry_id]
    turn.conversation.unknown_streak = 0  # understood (also through a button or a flow)
    if entry.human_only:
        # «…подготовьте номер заказа» said to one who gave it: the ``_order_known`` phrase
        found = await order_answers.answer(turn, entry)
        named = {order_answers.ORDER: found.order} if found.order else {}
        turn.say(found.message, {"faq": entry_id, **named})
        await escalate(turn, Reason.HUMAN_ONLY, entry_id, team=entry.team, announced=True)
        return
    found = await order_answers.answer(turn, entry)  # «Заказ № 12345678 можно отменить…»
    message = found.message
    if ask_helpful and turn.config.policy.ask_helpful:
        message = helpful.with_buttons(message, entry_id)
    named = {order_answers.ORDER: found.order} if found.order else {}
    turn.say(message, {"faq": entry_id, **named})
    faq_ids = list((turn.conversation.context or {}).get("faq_ids", []))
    if entry_id not in faq_ids:
        faq_ids.append(entry_id)
    context = followup.remember(turn.conversation.context, entry_id, turn.now)
    context = remember_ask(context, entry, turn.now)  # «пришлите номер заказа»
    turn.conversation.context = {**context, "faq_ids": faq_ids}
    # an option picked for a message that gave the number: to a person with it (QA 3 Q5)
    await clarify_details.handed_over(turn, entry)


def _starts_flow(turn: Turn) -> bool:
    """The message is nothing but a flow's ``start_pattern`` («12345678» after «Я ответил…»):
    the flow's input, not a miss (flows/starting.py starts it)."""
    text = turn.event.text.strip()
    flows = turn.flows.values()
    return any(f.start_pattern and re.fullmatch(f.start_pattern, text) for f in flows)


def greet(turn: Turn) -> None:
    """The welcome; a greeting again soon after it («здравствуйте», «здравствуйте», «алло») gets
    the short :data:`PROMPT` instead of the whole welcome once more."""
    context = dict(turn.conversation.context or {})
    greeted = context.get(GREETED_AT)
    again = greeted is not None and turn.now - datetime.fromisoformat(greeted) < GREET_AGAIN
    if again and PROMPT in turn.domain.responses:
        turn.utter(PROMPT)
    else:
        turn.utter("utter_greet")
        context[GREETED_AT] = turn.now.isoformat()
        turn.conversation.context = context


def approve(turn: Turn) -> None:
    """«да», «ок», «👍»: thanks for it (``utter_affirm``) when the bot has answered or offered
    something in this conversation; with nothing to agree to, the short :data:`PROMPT`."""
    context = turn.conversation.context or {}
    offered = followup.LAST_FAQ in context or "flow_data" in context  # an answer, a flow
    if offered or PROMPT not in turn.domain.responses:
        turn.utter("utter_affirm")
    else:
        turn.utter(PROMPT)


_APPROVAL = frozenset("👍👌🙏👏🤝💪✅❤♥😊🙂😀😃😄☺🥰😉🔥+")


def only_approval(text: str) -> bool:
    """A message of approving emoji only («👍», «🙏🙏», «👌»), skin tones and all."""
    chars = [c for c in text if not c.isspace() and c not in "\ufe0f\u200d"]
    chars = [c for c in chars if not "\U0001f3fb" <= c <= "\U0001f3ff"]  # skin tones
    return bool(chars) and all(c in _APPROVAL for c in chars)


class FallbackHandler:
    name = "fallback"

    def match(self, turn: Turn) -> bool:
        return True

    async def handle(self, turn: Turn) -> None:
        if turn.event.kind is InboundKind.TEXT and not turn.event.text.strip():
            return
        turn.utter("utter_default")


def default_handlers() -> list[Handler]:
    from bot.answering import NLUHandler
    from bot.offered_number import NumberAtChoiceHandler
    from bot.phone_given import PhoneForCaseHandler
    from flows.engine import FlowHandler

    return [
        StartHandler(),
        ButtonHandler(),
        linking.ContactHandler(),
        linking.LinkCodeHandler(),
        linking.LinkRequestHandler(),
        StickerHandler(),
        LocationHandler(),
        AttachmentHandler(),
        EscalationHandler(),
        OrderForTopicHandler(),  # «заказ 34567890» after «пришлите номер заказа»
        NumberAtChoiceHandler(),  # «12345678» at «[Отменить заказ] [Заказ отменили без меня]»
        PhoneForCaseHandler(),  # «ТЕЛЕФОН 89161234567» after an answer: a person with it
        FlowHandler(),
        NLUHandler(),
        FallbackHandler(),
    ]

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

from bot import cancel, choice, feedback, followup, helpful, linking, order_answers, repeats
from bot.config import Domain, ProjectConfig
from bot.events import Button, ButtonStyle, Inbound, InboundKind, Outbound
from bot.handover import escalate, known_order
from bot.location import LocationHandler
from bot.order_topic import OrderForTopicHandler, remember_ask
from bot.ownership import Owner
from bot.readings import clarify_options, several_questions, unclear_part
from bot.storage.models import Conversation, Identity, Operator
from bot.topics import topic_entries
from handoff import escalation
from handoff.escalation import Reason
from knowledge_base.models import KnowledgeBase
from nlu.api import Decision, Prediction
from nlu.config import NLUConfig

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

        payload = turn.event.payload or ""
        if turn.event.kind is not InboundKind.BUTTON or not payload:
            return False
        if payload.startswith("flow"):  # the flows' own, unless the flow is gone
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
        if _only_approval(emoji) and "utter_affirm" in turn.domain.responses:
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
                and not _only_approval(turn.event.text)
                and not feedback.declined(turn)  # «ничего из этого» to the options
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
    (:meth:`NLUHandler.handle`)."""
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


def _starts_flow(turn: Turn) -> bool:
    """The message is nothing but a flow's ``start_pattern`` («12345678» after «Я ответил…»):
    the flow's input, not a miss (flows/starting.py starts it)."""
    text = turn.event.text.strip()
    flows = turn.flows.values()
    return any(f.start_pattern and re.fullmatch(f.start_pattern, text) for f in flows)


class NLUHandler:
    """Answer, clarify or admit not understanding, by the NLU's decision."""

    name = "nlu"

    def match(self, turn: Turn) -> bool:
        return turn.event.kind is InboundKind.TEXT and turn.prediction is not None

    async def handle(self, turn: Turn) -> None:
        assert turn.prediction is not None
        if await feedback.handled(turn):  # «не помогло» after an answer, «нет» to options
            return
        conv = turn.conversation
        args = (turn.event.text, conv.context, turn.kb, turn.config, turn.now)
        # «а на телек?» after the warranty answer: read as «Срок гарантии на телек?» too.
        glued = followup.substituted(turn.prediction, *args)
        together = await turn.read(glued) if glued and turn.read else None
        prediction = turn.prediction = (
            followup.reread(turn.prediction, *args, together)
            or await self._after_offer(turn)
            or followup.in_topic(turn.prediction, *args[1:])
            or turn.prediction
        )
        several = several_questions(prediction, turn.kb, turn.config.policy.max_answers_per_message)
        if several:
            conv.unknown_streak = 0
            for entry_id in several:
                await answer_entry(turn, entry_id)
            self._ask_unclear(turn, prediction, several)
            return
        complaints = turn.config.handoff.complaint_intents  # not handed over: see _missed
        if (
            prediction.decision is Decision.ANSWER
            and prediction.intent is not None
            and prediction.intent not in complaints
        ):
            limit = turn.config.policy.clarify_max_options
            topic = topic_entries(turn.event.text, prediction, turn.kb, limit)
            if topic and turn.config.policy.clarify_bare_topics:
                # «возврат»: a topic, not yet a question; understood, so no miss.
                conv.unknown_streak = 0
                options = [(e.title, f"faq:{e.id}") for e in topic]
                self._ask(turn, "utter_clarify_topic", options)
                return
            if await self._asked_again(turn, prediction.intent):
                # the answer just given did not help: a miss, not a second copy of it
                await repeats.answer_again(turn, prediction.intent)
                return
            conv.unknown_streak = 0
            await self._answer_intent(turn, prediction.intent)
            self._ask_unclear(turn, prediction, [prediction.intent])
            return
        if prediction.decision is Decision.CLARIFY:
            options = self._options(turn, prediction)
            if options:
                # Not sure: ask, and count it as a miss until the customer picks an option.
                conv.unknown_streak += 1
                self._ask(turn, "utter_clarify", options)
                return
        if _only_approval(turn.event.text) and "utter_affirm" in turn.domain.responses:
            approve(turn)  # «👍» after an answer: no question, and no miss
            return
        conv.unknown_streak += 1
        message = turn.domain.render("utter_default", turn.channel)
        if turn.config.policy.offer_operator_button and not message.buttons:
            message = Outbound(text=message.text, buttons=(operator_button(),), style=message.style)
        turn.say(message, {"response": "utter_default"})

    def _ask(
        self, turn: Turn, response: str, options: list[tuple[str, str]], **values: object
    ) -> None:
        if response not in turn.domain.responses:
            response = "utter_clarify"  # a project without the topic's own question
        header = turn.domain.render(response, turn.channel, **values)
        buttons = (*(Button(title, payload) for title, payload in options), operator_button())
        # «2» or «второе» in reply picks one (bot/choice.py)
        choice.offer(turn.conversation, [(b.title, b.payload or "") for b in buttons], turn.now)
        turn.say(
            Outbound(text=header.text, buttons=buttons, style=ButtonStyle.INLINE),
            {"response": response, "options": [p for _, p in options]},
        )

    def _ask_unclear(self, turn: Turn, prediction: Prediction, answered: list[str]) -> None:
        """After the answers, «А про «…» уточните…» for a question only guessed at."""
        floor = NLUConfig.model_validate(turn.config.nlu).clarify_threshold
        unclear = unclear_part(
            prediction, turn.kb, answered, turn.config.policy.clarify_max_options, floor
        )
        if unclear is None:
            return
        part, entry_ids = unclear
        question = " ".join(part.text.split()).rstrip("?.!… ")
        if len(question) > 80:
            question = question[:79].rstrip() + "…"
        options = [(turn.kb.entries[e].title, f"faq:{e}") for e in entry_ids]
        self._ask(turn, "utter_clarify_part", options, question=question)

    async def _asked_again(self, turn: Turn, intent: str) -> bool:
        """Is this the customer's question whose answer the bot has just given, in words like
        theirs (bot/repeats.py)? Not a fragment that swaps its detail («а на телек?»,
        bot/followup.py), nor without the response."""
        if intent not in turn.kb or repeats.RESPONSE not in turn.domain.responses:
            return False
        if followup.is_substitution(turn.event.text):
            return False
        extra = turn.prediction.extra if turn.prediction is not None else {}
        if followup.WHAT_NOW in extra or followup.TOPIC in extra:
            # «что делать-то?», «пишет ошибка 3ds» right after the answer: it did not help
            return await repeats.just_answered(turn) == intent
        return await repeats.asked_again(turn, intent)

    async def _after_offer(self, turn: Turn) -> Prediction | None:
        """A short reply to «Что именно вас интересует?» read after the customer's question
        that was asked about («гарантия» — «а на телефон сколько»: «гарантия а на телефон
        сколько», bot/followup.py)."""
        if not turn.offered or turn.read is None or not followup.is_short_reply(turn.event.text):
            return None
        asked = await repeats.previous_question(turn)
        if asked is None:
            return None
        assert turn.prediction is not None
        together = await turn.read(f"{asked} {turn.event.text}")
        offered = [p[4:] for _, p in turn.offered if p.startswith("faq:")]
        return followup.after_offer(turn.prediction, together, offered, turn.kb)

    def _options(self, turn: Turn, prediction: Prediction) -> list[tuple[str, str]]:
        entries = clarify_options(prediction, turn.kb, turn.config)
        context = turn.conversation.context
        if turn.config.policy.followup_category_bonus > 0:  # not the topic under way as new
            entries = followup.before_topic(entries, context, turn.kb, turn.config, turn.now)
        return [(e.title, f"faq:{e.id}") for e in entries]

    async def _answer_intent(self, turn: Turn, intent: str) -> None:
        if intent in turn.kb:
            await answer_entry(turn, intent, ask_helpful=True)
        elif intent == "greet" and "utter_greet" in turn.domain.responses:
            greet(turn)
        elif intent == "affirm" and "utter_affirm" in turn.domain.responses:
            approve(turn)
        elif f"utter_{intent}" in turn.domain.responses:
            turn.utter(f"utter_{intent}")
        else:
            turn.utter("utter_default")


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


def _only_approval(text: str) -> bool:
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
        FlowHandler(),
        NLUHandler(),
        FallbackHandler(),
    ]

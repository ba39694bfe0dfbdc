"""The customer's 1–5 rating of a conversation a person handled, and why a low one was low.

``rate:<conversation>:<1-5>`` (the buttons under ``utter_rate``) stores or, within
:data:`CHANGE_WINDOW`, changes the rating. A score of 3 or less is answered with
``utter_rated_low`` and four reason buttons (``rate_reason:<conversation>:<code>``,
:data:`REASONS`) instead of ``utter_rated``; the reason pressed is stored with the rating, and the
manager's statistics count them. Only the customer of the conversation can rate it.

The customer may also answer «что пошло не так?» in their own words: after ``utter_rated_low``
(and after «Другое», which asks ``utter_rated_other`` — «что именно?») the rating remembers when
it asked (``Rating.comment_asked_at``), and :func:`comment` takes the customer's very next
message, if it comes within :data:`CHANGE_WINDOW`, as the rating's ``comment`` and thanks with
``utter_rated_reason`` — not as a new question, hand-off or complaint. A message that asks for
something else is read and answered as usual instead, and not kept as the comment
(:mod:`bot.rating_words`: a call for a person, a command, a question the NLU confidently reads
as a knowledge-base entry or a flow's intent, one that opens with a question word or ends in «?»
— unless it speaks of how the rated conversation went: «почему так долго отвечали?» is the
comment); either way only that one message is looked at.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Domain
from bot.events import Button, Inbound, InboundKind, Outbound
from bot.rating_words import asks_for_something_else, understood_request
from bot.storage.models import Conversation, Rating

if TYPE_CHECKING:
    from bot.engine import Brain
    from nlu.api import Prediction

log = logging.getLogger(__name__)

RATE_PREFIX = "rate:"
REASON_PREFIX = "rate_reason:"
CHANGE_WINDOW = timedelta(minutes=10)
"""A rating can be changed this long after it was given; later presses are thanked for only.
A question about why is answered in words this long after it was asked."""
LOW = 3
REASONS = {
    "slow": "Долго ждал ответа",
    "unsolved": "Вопрос не решён",
    "rude": "Невежливо общались",
    "other": "Другое",
}
"""Why a low rating was low: code → the button's title (also the statistics' wording)."""
OTHER = "other"
COMMENT_LIMIT = 2000
"""The longest comment kept (a longer message is cut): a reason, not a letter."""

_ASKED = (
    select(Rating.id)
    .where(
        Rating.comment_asked_at >= bindparam("since"),
        Rating.customer_id == bindparam("customer_id"),
    )
    .order_by(Rating.comment_asked_at.desc())
    .limit(1)
)
"""The rating whose «что пошло не так?» waits for this customer's words (built once: it runs
for every customer message, on the engine's hot path)."""


def rate_buttons(conversation_id: int) -> tuple[Button, ...]:
    """The native 1–5 rating buttons of a closed conversation."""
    return tuple(Button(str(n), f"{RATE_PREFIX}{conversation_id}:{n}") for n in range(1, 6))


def reason_buttons(conversation_id: int) -> tuple[Button, ...]:
    return tuple(
        Button(title, f"{REASON_PREFIX}{conversation_id}:{code}") for code, title in REASONS.items()
    )


def is_rating(event: Inbound) -> bool:
    payload = event.payload or ""
    return payload.startswith((RATE_PREFIX, REASON_PREFIX))


@dataclass(frozen=True, slots=True)
class Rated:
    """What a rating press did: the conversation rated, the reply, the score now stored."""

    conversation: Conversation
    reply: Outbound
    response: str
    score: int


def _parse(payload: str, prefix: str) -> tuple[int, str]:
    conversation_text, _, value = payload[len(prefix) :].partition(":")
    try:
        return int(conversation_text), value
    except ValueError:
        return 0, ""


async def apply(
    session: AsyncSession,
    event: Inbound,
    customer_id: int,
    domain: Domain,
    now: datetime,
    *,
    ask_reason: bool = True,
) -> Rated | None:
    """Store the rating (or its reason) the button stands for; None for a malformed or
    foreign payload or one for a conversation no person wrote in, which was never asked to be
    rated (logged, nothing stored) and for the stored score pressed again (a
    messenger keeps the buttons pressable: it was thanked for once)."""
    payload = event.payload or ""
    reason = payload.startswith(REASON_PREFIX)
    conversation_id, value = _parse(payload, REASON_PREFIX if reason else RATE_PREFIX)
    conversation = await session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is None or conversation.customer_id != customer_id:
        log.warning("ignored a malformed or foreign rating payload")
        return None
    existing = await session.scalar(select(Rating).where(Rating.conversation_id == conversation_id))
    if reason:
        if existing is None or value not in REASONS:
            log.warning("ignored a rating reason without a rating")
            return None
        existing.reason = value
        if value == OTHER and "utter_rated_other" in domain.responses:
            existing.comment_asked_at = now  # «Другое» — what was it?
            return _reply(domain, event, conversation, "utter_rated_other", existing.score)
        existing.comment_asked_at = None  # the button was the answer
        return _reply(domain, event, conversation, "utter_rated_reason", existing.score)
    score = int(value) if value.isdigit() else 0
    if not 1 <= score <= 5:
        log.warning("ignored a malformed rating payload")
        return None
    if existing is not None and existing.score == score:
        return None
    if existing is None and conversation.first_response_at is None:
        # Asked only where a person wrote (handoff.closing.close_and_ask): a score for a
        # conversation nobody answered would count in an operator's CSAT for silence.
        log.warning("ignored a rating of a conversation nobody answered")
        return None
    asked_before = existing is not None and existing.score <= LOW  # «что пошло не так?» once
    if existing is None:
        existing = Rating(
            conversation_id=conversation_id,
            customer_id=customer_id,
            operator_id=conversation.operator_id
            or (conversation.context or {}).get("last_operator_id"),
            score=score,
            faq_ids=list((conversation.context or {}).get("faq_ids", [])),
            channel=event.channel,
            created_at=now,
        )
        session.add(existing)
    elif now - existing.created_at <= CHANGE_WINDOW:
        existing.score = score  # changed their mind
        if score > LOW:
            existing.reason = existing.comment = existing.comment_asked_at = None
    else:
        score = existing.score
    conversation.rating = score
    conversation.channel, conversation.chat_id = event.channel, event.chat_id
    if score <= LOW and asked_before:
        # 2 → 3: the score changes, the question already asked (its buttons still answer it)
        # is not asked again with a second row of buttons.
        return _reply(domain, event, conversation, "utter_rated", score)
    if score <= LOW and ask_reason and "utter_rated_low" in domain.responses:
        rated = _reply(domain, event, conversation, "utter_rated_low", score)
        existing.comment_asked_at = now  # typed instead of pressed: see comment()
        buttons = reason_buttons(conversation_id)
        return dataclasses.replace(rated, reply=dataclasses.replace(rated.reply, buttons=buttons))
    return _reply(domain, event, conversation, "utter_rated", score)


def _reply(
    domain: Domain, event: Inbound, conversation: Conversation, response: str, score: int
) -> Rated:
    if response not in domain.responses:
        response = "utter_rated"
    return Rated(conversation, domain.render(response, event.channel), response, score)


async def comment(
    session: AsyncSession,
    event: Inbound,
    customer_id: int,
    brain: Brain,
    prediction: Prediction | None,
    now: datetime,
) -> Rated | None:
    """The customer's message right after «что пошло не так?» (or «Другое» → «что именно?»),
    stored as the rating's comment and thanked for; None when no such question waits for this
    customer (asked more than :data:`CHANGE_WINDOW` ago, or already answered) or the message
    is no answer to it but a new request (:mod:`bot.rating_words`, with ``prediction``, the
    NLU's reading of the message, or None if the NLU failed) — then the caller reads and
    answers the message as usual.

    Any message ends the wait: only the very next one can be the answer. Called for every
    customer message that is not a rating button: one indexed look-up of the ratings asked
    about in the last :data:`CHANGE_WINDOW`. Opening the chat again is no message."""
    if event.kind is InboundKind.START:
        return None
    found = await session.scalar(_ASKED, {"customer_id": customer_id, "since": now - CHANGE_WINDOW})
    if found is None:  # nearly every message: one prebuilt statement, no ORM object
        return None
    waiting = await session.get(Rating, found)
    if waiting is None:  # pragma: no cover - found in this transaction
        return None
    waiting.comment_asked_at = None
    text = event.text or ""
    if event.kind is not InboundKind.TEXT or event.attachments:
        return None
    complaints = brain.config.handoff.complaint_intents
    understood = understood_request(prediction, brain.kb, brain.flows, complaints)
    if asks_for_something_else(text, understood=understood):
        return None
    conversation = await session.get(Conversation, waiting.conversation_id)
    if conversation is None:  # pragma: no cover - a rating's conversation is never deleted
        return None
    words = text.strip()[:COMMENT_LIMIT]
    waiting.comment = f"{waiting.comment}\n{words}" if waiting.comment else words
    return _reply(brain.domain, event, conversation, "utter_rated_reason", waiting.score)

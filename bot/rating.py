"""The customer's 1–5 rating of a conversation a person handled, and why a low one was low.

``rate:<conversation>:<1-5>`` (the buttons under ``utter_rate``) stores or, within
:data:`CHANGE_WINDOW`, changes the rating. A score of 3 or less is answered with
``utter_rated_low`` and four reason buttons (``rate_reason:<conversation>:<code>``,
:data:`REASONS`) instead of ``utter_rated``; the reason pressed is stored with the rating, and the
manager's statistics count them. Only the customer of the conversation can rate it.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Domain
from bot.events import Button, Inbound, Outbound
from bot.storage.models import Conversation, Rating

log = logging.getLogger(__name__)

RATE_PREFIX = "rate:"
REASON_PREFIX = "rate_reason:"
CHANGE_WINDOW = timedelta(minutes=10)
"""A rating can be changed this long after it was given; later presses are thanked for only."""
LOW = 3
REASONS = {
    "slow": "Долго ждал ответа",
    "unsolved": "Вопрос не решён",
    "rude": "Невежливо общались",
    "other": "Другое",
}
"""Why a low rating was low: code → the button's title (also the statistics' wording)."""


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
    foreign payload (logged, nothing stored)."""
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
        return _reply(domain, event, conversation, "utter_rated_reason", existing.score)
    score = int(value) if value.isdigit() else 0
    if not 1 <= score <= 5:
        log.warning("ignored a malformed rating payload")
        return None
    if existing is None:
        session.add(
            Rating(
                conversation_id=conversation_id,
                customer_id=customer_id,
                operator_id=conversation.operator_id
                or (conversation.context or {}).get("last_operator_id"),
                score=score,
                faq_ids=list((conversation.context or {}).get("faq_ids", [])),
                channel=event.channel,
                created_at=now,
            )
        )
    elif now - existing.created_at <= CHANGE_WINDOW:
        existing.score = score  # changed their mind
        if score > LOW:
            existing.reason = None
    else:
        score = existing.score
    conversation.rating = score
    conversation.channel, conversation.chat_id = event.channel, event.chat_id
    if score <= LOW and ask_reason and "utter_rated_low" in domain.responses:
        rated = _reply(domain, event, conversation, "utter_rated_low", score)
        buttons = reason_buttons(conversation_id)
        return dataclasses.replace(rated, reply=dataclasses.replace(rated.reply, buttons=buttons))
    return _reply(domain, event, conversation, "utter_rated", score)


def _reply(
    domain: Domain, event: Inbound, conversation: Conversation, response: str, score: int
) -> Rated:
    if response not in domain.responses:
        response = "utter_rated"
    return Rated(conversation, domain.render(response, event.channel), response, score)

"""Why the period's conversations reached a person, and after which questions.

Each handoff counts once (:mod:`bot.storage.handoffs`): a conversation handed over twice has
two reasons and two topics. The reasons are what the bot recorded on the handoff (titled as the
console titles them: :data:`handoff.escalation.REASON_TITLES`). The topic is the customer's last
question to the bot before that handoff, as the bot read it (the ``nlu`` stored on the message,
a part of it, or the FAQ button they pressed): a knowledge-base entry, or «бот не понял
вопрос» for a message the editor's «не понял» list counts as missed (:mod:`handoff.editor`).
What was no question for the knowledge base names no topic — «позовите оператора» itself,
rudeness, a greeting or thanks, a file, a flow's input, words said to a person after an earlier
handoff, a text since erased — and the question before it is looked for instead; a
conversation without any counts as ``without_question``. The editor reads the topics as what
to add to the knowledge base next.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import Brain
from bot.storage.models import Handoff, Message
from handoff import editor, escalation
from handoff.config import HandoffConfig
from handoff.escalation import REASON_TITLES, Reason
from handoff.views import intent_title
from knowledge_base.models import KnowledgeBase

TOP_TOPICS = 10
MISSED = "?"  # the topic of a question the bot did not understand (never an entry's id)
MISSED_TITLE = "бот не понял вопрос"


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str
    title: str
    count: int
    share: float  # of the period's handoffs

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "title": self.title,
            "count": self.count,
            "share": self.share,
        }


@dataclass(frozen=True, slots=True)
class TopicCount:
    intent: str | None  # None: the bot did not understand the question
    title: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"intent": self.intent, "title": self.title, "count": self.count}


@dataclass(frozen=True, slots=True)
class Handoffs:
    reasons: list[ReasonCount]
    topics: list[TopicCount]  # the most frequent TOP_TOPICS
    without_question: int  # escalated with no question to the bot before

    def to_json(self) -> dict[str, Any]:
        return {
            "reasons": [r.to_json() for r in self.reasons],
            "topics": [t.to_json() for t in self.topics],
            "without_question": self.without_question,
        }


async def reasons_and_topics(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    brain: Brain,
    escalated: Sequence[tuple[int, str | None]],
) -> Handoffs:
    """Reasons and topics of the ``escalated`` handoffs — (handoff id, reason) of those begun
    in ``[since, until)``, as :func:`handoff.metrics.compute` read them, without the ones the
    customer withdrew before a person answered."""
    connection = await session.connection()  # Core rows: no ORM work per message
    # In the table's order, sorted here: an ORDER BY would have SQLite walk the messages in
    # index order, a row lookup each (twice the time of reading them as they lie). The JSON
    # comes as text, read only for the messages looked at (most handoffs: the newest one).
    said = await connection.execute(
        select(Message.id, Handoff.id, Message.text, cast(Message.data, Text))
        .join(Handoff, Handoff.conversation_id == Message.conversation_id)
        .where(
            Handoff.escalated_at >= since,
            Handoff.escalated_at < until,
            Message.author == "customer",
            Message.kind == "message",
            Message.created_at <= Handoff.escalated_at,
        )
    )
    by_handoff: dict[int, list[_Said]] = {}
    for message in said:
        found = by_handoff.get(message[1])
        if found is None:
            by_handoff[message[1]] = [message]
        else:
            found.append(message)

    total = len(escalated)
    reasons = Counter(reason or "" for _, reason in escalated)
    topics: Counter[str] = Counter()
    without_question = 0
    for handoff_id, reason in escalated:
        messages = by_handoff.get(handoff_id)
        if messages is not None and len(messages) > 1:
            messages.sort(key=_message_id, reverse=True)  # the newest first
        topic = _topic(messages or (), reason, brain)
        if topic is None:
            without_question += 1
        else:
            topics[topic] += 1
    return Handoffs(
        reasons=[
            ReasonCount(code, REASON_TITLES.get(code, code or "не записана"), n, _share(n, total))
            for code, n in _ordered(reasons)
        ],
        topics=[
            TopicCount(None, MISSED_TITLE, n)
            if topic == MISSED
            else TopicCount(topic, intent_title(brain.kb, topic) or topic, n)
            for topic, n in _ordered(topics)[:TOP_TOPICS]
        ],
        without_question=without_question,
    )


_Said = Row[int, int, str | None, str | None]  # message, handoff, text, data as JSON text


def _message_id(message: _Said) -> int:
    return message[0]


def _topic(newest_first: Sequence[_Said], reason: str | None, brain: Brain) -> str | None:
    """The entry id of the customer's last question before the handoff, :data:`MISSED` if the
    bot did not understand it, None if they asked none."""
    # A flow hands over after answers it could not use («не помню» for an order number): no
    # question the bot missed; the question that started the flow is the topic.
    in_flow = reason == Reason.FLOW
    for _, _, text, stored in newest_first:
        data: Mapping[str, Any] = (json.loads(stored) if stored is not None else None) or {}
        if data.get("to_human") or data.get("flow"):
            continue  # said to a person, or a flow's input («12345678»)
        entry = _entry(data, brain.kb)
        if entry is not None:
            return entry
        if not in_flow and _missed(text or "", data, brain.config.handoff):
            return MISSED
    return None


def _entry(data: Mapping[str, Any], kb: KnowledgeBase) -> str | None:
    """The knowledge-base entry the bot read in one customer message, if any: the message as
    a whole, else its first understood question («как вернуть товар? и позовите оператора»),
    else the entry's button they pressed (``faq:<id>``, «Вы имели в виду…?»)."""
    nlu = data.get("nlu")
    if isinstance(nlu, dict):
        for reading in [nlu, *(nlu.get("parts") or [])]:
            intent = reading.get("intent")
            if reading.get("decision") == "answer" and isinstance(intent, str) and intent in kb:
                return intent
    payload = data.get("payload")
    if isinstance(payload, str) and payload.startswith("faq:") and payload[4:] in kb:
        return payload[4:]
    return None


def _missed(text: str, data: Mapping[str, Any], config: HandoffConfig) -> bool:
    """A question the bot did not understand, as the editor's «не понял» list counts one: the
    NLU rejected it or asked back, and it did not ask for a person or swear (which the NLU
    need not understand: a phrase catches «позовите оператора»)."""
    nlu = data.get("nlu")
    return (
        isinstance(nlu, dict)
        and nlu.get("decision") in editor.MISSED
        and escalation.detect(text, None, config) is None
    )


def _ordered(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first; equal counts by code, so the order does not change between loads."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0

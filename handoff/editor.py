"""The content editor's work: what the bot did not understand, and teaching it in one click.

* :func:`unanswered` groups the customer messages the bot could not answer (NLU decision
  ``reject`` or ``clarify`` — which includes every message that led to a «not understood»
  handoff) by their normalised text, newest first, with the bot's guesses, hiding what an
  editor dismissed or already taught.
* teaching and editing answers are in :mod:`handoff.teaching`.
* :func:`try_text` (:mod:`handoff.editor_try`) shows what the serving bot would do with a
  text, without a conversation; the journal is :mod:`handoff.editor_journal`.

User-facing messages are Russian and live here, apart from the exceptions' codes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import Brain
from bot.readings import clarify_options
from bot.storage.db import Database
from bot.storage.models import ContentRevision, EditorAction, Message, utcnow
from handoff import escalation
from handoff.editor_journal import HISTORY_TITLES as HISTORY_TITLES
from handoff.editor_journal import SHELL_ACTOR as SHELL_ACTOR
from handoff.editor_journal import describe as describe
from handoff.editor_journal import history as history
from handoff.editor_try import DECISIONS as DECISIONS
from handoff.editor_try import prediction_json as prediction_json
from handoff.editor_try import try_text as try_text
from handoff.errors import Conflict, HandoffError
from handoff.views import guess_title
from knowledge_base.loader import question_key
from nlu.api import Decision, IntentScore, Prediction
from nlu.config import NLUConfig

log = logging.getLogger(__name__)

MISSED = ("reject", "clarify")
# Marks of a customer message the bot handled though NLU missed it: sent to a person, a flow's
# input («12345678») or its cancel («передумал», flows/engine.py), an option picked («2»).
HANDLED = ("to_human", "flow", "flow_cancelled", "choice", "order_for")
SCAN_LIMIT = 5000  # newest missed messages looked at per request
# Journal lines that take a text out of the list up to their time, while their entry stands:
# a question taught, or one the bot already answers (:func:`resolve`: «Убрать», or «Научить»
# to the entry that already has it).
HIDING = ("taught", "answered")


@dataclass(frozen=True, slots=True)
class Guess:
    entry_id: str
    title: str
    confidence: float


@dataclass(slots=True)
class UnansweredItem:
    """Customers' identical (normalised) messages the bot did not answer."""

    key: str
    text: str  # the newest message as written
    count: int
    last_at: datetime
    channels: list[str]
    decision: str
    guesses: list[Guess] = field(default_factory=list)
    # The entry to preselect: the top guess only if the bot itself would have asked «Вы имели в
    # виду…?» about it (``clarify_threshold``); a 12 % guess preselected gets taught by a hurry.
    suggested: str | None = None
    # What the serving bot does with the text today («ответит» once another change taught it):
    # the guesses and the preselected entry are today's too, not those of the day it was asked.
    decision_now: str | None = None
    # … and, when that is an answer, what answers it («Адреса магазинов…», «сценарий «…»»)
    answered_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "text": self.text,
            "count": self.count,
            "last_at": self.last_at.isoformat(),
            "channels": self.channels,
            "decision": self.decision,
            "guesses": [
                {"entry_id": g.entry_id, "title": g.title, "confidence": g.confidence}
                for g in self.guesses
            ],
            "suggested": self.suggested,
            "decision_now": self.decision_now,
            "answered_by": self.answered_by,
        }


@dataclass(slots=True)
class Unanswered:
    items: list[UnansweredItem]
    total: int


async def _journal(session: AsyncSession) -> list[Any]:
    """Every journal line with whether its change is undone (``reverted_at``)."""
    return list(
        (
            await session.execute(
                select(
                    EditorAction.id,
                    EditorAction.key,
                    EditorAction.action,
                    EditorAction.entry_id,
                    EditorAction.text,
                    EditorAction.created_at,
                    ContentRevision.reverted_at,
                ).outerjoin(ContentRevision, ContentRevision.id == EditorAction.revision_id)
            )
        ).all()
    )


def _taught(rows: list[Any]) -> dict[str, Any]:
    """The :data:`HIDING` lines in effect, by key (the latest): undone ones and those of an entry
    deleted after them (its questions went with it) do not count. A ``reverted`` line's key is
    the id of the line it undid (each is undone at most once)."""
    undo_of = {int(row.key): row for row in rows if row.action == "reverted"}
    deleted: dict[str, datetime] = {}
    for row in rows:
        if row.action == "entry_deleted" and row.entry_id:
            gone = _in_effect_since(row, undo_of)
            if gone is not None and (row.entry_id not in deleted or gone > deleted[row.entry_id]):
                deleted[row.entry_id] = gone
    taught: dict[str, Any] = {}
    for row in rows:
        if row.action not in HIDING:
            continue
        since = _in_effect_since(row, undo_of)
        if since is None or (row.entry_id in deleted and since <= deleted[row.entry_id]):
            continue
        if row.key not in taught or since > taught[row.key][0]:
            taught[row.key] = (since, row)
    return taught


async def _hidden(session: AsyncSession) -> tuple[set[str], dict[str, datetime]]:
    """Dismissed keys (for good) and taught keys (messages up to the teaching are done).

    A teaching undone with «Отменить» hides nothing; undoing that undo teaches the question
    again, from then on. A teaching to an entry deleted since hides nothing either."""
    rows = await _journal(session)
    dismissed = {row.key for row in rows if row.action == "dismissed"}
    taught = {key: since for key, (since, _) in _taught(rows).items()}
    return dismissed, taught


async def taught_to(session: AsyncSession, entry_id: str, *, days: int = 30) -> list[str]:
    """The customers' questions taught to ``entry_id`` that are in effect and that customers
    did ask in the last ``days`` without getting an answer: the ones deleting it puts back in
    «Бот не понял». A question the editor typed herself («Новая запись», «Добавить вопрос») is
    journaled as ``taught`` too, but no customer's message waits behind it."""
    rows = await _journal(session)
    dismissed = {row.key for row in rows if row.action == "dismissed"}
    mine = {
        key: row.text
        for key, (_, row) in _taught(rows).items()
        if row.entry_id == entry_id and key not in dismissed
    }
    if not mine:
        return []
    asked = {
        question_key(text or "")
        for text, _, _, data in await _missed(session, utcnow() - timedelta(days=days))
        if not any((data or {}).get(mark) for mark in HANDLED)
    }
    return [text for key, text in mine.items() if key in asked]


async def _missed(session: AsyncSession, since: datetime) -> list[Any]:
    """The newest customer messages since ``since`` the NLU did not answer (text, channel,
    created_at, data), at most :data:`SCAN_LIMIT`."""
    decision = Message.data["nlu"]["decision"].as_string()
    return list(
        (
            await session.execute(
                select(Message.text, Message.channel, Message.created_at, Message.data)
                .where(
                    Message.author == "customer",
                    Message.kind == "message",
                    Message.created_at >= since,
                    decision.in_(MISSED),
                )
                .order_by(Message.id.desc())
                .limit(SCAN_LIMIT)
            )
        ).all()
    )


def _in_effect_since(line: Any, undo_of: dict[int, Any]) -> datetime | None:
    """When ``line``'s change last went live, or None if it is undone now: walks the
    undo → redo → undo … chain (a line's revision is marked reverted when it is undone)."""
    since: datetime = line.created_at
    while line.reverted_at is not None:
        undo = undo_of.get(line.id)
        if undo is None or undo.reverted_at is None:  # the undo stands
            return None
        redo = undo_of.get(undo.id)
        if redo is None:
            return None
        line, since = redo, redo.created_at
    return since


async def unanswered(
    session: AsyncSession,
    brain: Brain,
    *,
    days: int = 30,
    query: str = "",
    limit: int = 50,
    offset: int = 0,
) -> Unanswered:
    """Groups of unanswered customer messages from the last ``days``, newest first."""
    rows = await _missed(session, utcnow() - timedelta(days=days))
    dismissed, taught = await _hidden(session)
    wanted = question_key(query)
    clarify_at = NLUConfig.model_validate(brain.config.nlu).clarify_threshold
    groups: dict[str, UnansweredItem] = {}
    for text, channel, created_at, data in rows:
        if any((data or {}).get(mark) for mark in HANDLED):
            continue  # to a person, a flow's input or cancel, an option picked («2»)
        key = question_key(text or "")
        if not key or key in dismissed or (key in taught and created_at <= taught[key]):
            continue
        if wanted and wanted not in key:
            continue
        item = groups.get(key)
        if item is None:
            if escalation.detect(text, None, brain.config.handoff) is not None:
                continue  # «позовите оператора», rudeness: handled, not an FAQ question
            nlu = data.get("nlu") or {}
            groups[key] = UnansweredItem(
                key=key,
                text=" ".join(text.split()),
                count=1,
                last_at=created_at,
                channels=[channel],
                decision=customer_got(brain, _stored(text, nlu)),
            )  # the guesses: the bot's of today, for the page only (below)
        else:
            item.count += 1
            if channel not in item.channels:
                item.channels.append(channel)
    ordered = list(groups.values())
    page = ordered[offset : offset + limit]
    if page:  # read again by the bot as it is now (its content may have changed since)
        now = await asyncio.to_thread(brain.nlu.predict_many, [item.text for item in page])
        for item, prediction in zip(page, now, strict=True):
            _read_now(brain, item, prediction, clarify_at)
    return Unanswered(page, len(ordered))


def customer_got(brain: Brain, prediction: Prediction) -> str:
    """What the customer got for a message the NLU read so: a «Вы имели в виду…?» with no entry
    worth offering (:func:`bot.readings.clarify_options`) is the dialogue's «не понял»
    (``reject``), so the list says «не поймёт», not «переспросит»."""
    if prediction.decision is Decision.CLARIFY and not clarify_options(
        prediction, brain.kb, brain.config
    ):
        return Decision.REJECT.value
    return prediction.decision.value


def _stored(text: str, nlu: dict[str, Any]) -> Prediction:
    """The reading kept with a customer's message (bot/engine.py ``_prediction_json``)."""
    try:
        decision = Decision(str(nlu.get("decision")))
    except ValueError:
        decision = Decision.REJECT
    ranking = tuple(
        IntentScore(str(s.get("intent")), float(s.get("confidence") or 0.0))
        for s in nlu.get("ranking") or []
    )
    return Prediction(
        text, nlu.get("intent"), float(nlu.get("confidence") or 0.0), decision, ranking
    )


def _read_now(
    brain: Brain, item: UnansweredItem, prediction: Prediction, clarify_at: float
) -> None:
    item.decision_now = customer_got(brain, prediction)
    answer = _answer_now(brain, prediction)
    item.answered_by = None if answer is None else answer[1]
    guesses = [
        Guess(entry.id, entry.title, float(score.confidence))
        for score in prediction.ranking
        if (entry := brain.kb.get(score.intent)) is not None
    ][:3]
    item.guesses = guesses
    item.suggested = (
        guesses[0].entry_id if guesses and guesses[0].confidence >= clarify_at else None
    )


async def dismiss(db: Database, text: str, operator_id: int) -> str:
    """«Не вопрос к FAQ»: hide this text (and its identical copies) for good; audited."""
    key = question_key(text)
    if not key:
        raise HandoffError("Пустой текст.", "empty")
    async with db.write() as session:
        action = EditorAction(
            key=key[:400], text=text[:2000], action="dismissed", operator_id=operator_id
        )
        session.add(action)
    log.info("editor %s dismissed %r", operator_id, key)
    return key


def answered_by(brain: Brain, text: str) -> tuple[str, str] | None:
    """What answers ``text`` now, as (entry or intent, its title): the entry that has it among
    its questions (compared as the loader compares them), else what the serving bot answers it
    with as the customer gets it (:func:`customer_got`) — an entry, a flow, a phrase."""
    key = question_key(text)
    for entry in brain.kb.entries.values():
        if any(question_key(q) == key for q in entry.questions):
            return entry.id, entry.title
    prediction = brain.nlu.predict(text)
    return _answer_now(brain, prediction)


def _answer_now(brain: Brain, prediction: Prediction) -> tuple[str, str] | None:
    if customer_got(brain, prediction) != Decision.ANSWER.value or not prediction.intent:
        return None
    title = guess_title(brain, prediction.intent)
    return None if title is None else (prediction.intent, title)


async def resolve(db: Database, brain: Brain, text: str, operator_id: int) -> str:
    """A listed text the bot answers by now (the CSV import, a hand edit or another teaching
    gave it an answer): it leaves «Бот не понял» — its messages up to now, as a teaching would
    take them out — and the journal says which entry answers it. Refused for a text the bot
    still does not answer (teach it, or «Не вопрос к FAQ»)."""
    key = question_key(text)
    if not key:
        raise HandoffError("Пустой текст.", "empty")
    answer = answered_by(brain, text)
    if answer is None:
        raise Conflict(  # 409 ``not_answered``
            "Бот пока не отвечает на этот вопрос — научите его (выберите запись) или нажмите "
            "«Не вопрос к FAQ».",
            "not_answered",
        )
    async with db.write() as session:
        session.add(
            EditorAction(
                key=key[:400],
                text=text[:2000],
                action="answered",
                entry_id=answer[0][:64],
                operator_id=operator_id,
            )
        )
    log.info("editor %s: %r is answered by %s, out of the list", operator_id, key, answer[0])
    shown = " ".join(text.split())
    by = f"записью «{answer[1]}»" if answer[0] in brain.kb else answer[1]
    return f"Готово: бот уже отвечает на «{shown}» ({by}) — вопрос убран из списка."


def entries_json(brain: Brain) -> list[dict[str, Any]]:
    """The FAQ entries for the picker, by title; ``flow``: the flow (id, title) that answers
    the entry's questions instead of its answer (the answer form says so), or null;
    ``asks_order_number``: a number sent after the answer goes to a person with this topic
    (bot/order_topic.py; the answer form says so too)."""
    return sorted(
        (
            {
                "id": e.id,
                "title": e.title,
                "category": e.category,
                "flow": _flow_of(brain, e.id),
                "asks_order_number": e.asks_order_number,
            }
            for e in brain.kb.entries.values()
        ),
        key=lambda e: (str(e["title"]).lower(), str(e["id"])),
    )


def _flow_of(brain: Brain, entry_id: str) -> dict[str, str] | None:
    """The flow a confident reading of the entry starts (flows/starting.py ``flow_for``): a
    customer asking its questions gets the flow, not the entry's answer."""
    flow = next((f for f in brain.flows.values() if entry_id in f.intents), None)
    return None if flow is None else {"id": flow.id, "title": flow.title}

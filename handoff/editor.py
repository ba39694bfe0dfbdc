"""The content editor's work: what the bot did not understand, and teaching it in one click.

* :func:`unanswered` groups the customer messages the bot could not answer (NLU decision
  ``reject`` or ``clarify`` — which includes every message that led to a «not understood»
  handoff) by their normalised text, newest first, with the bot's guesses, hiding what an
  editor dismissed or already taught.
* teaching and editing answers are in :mod:`handoff.teaching`.
* :func:`try_text` shows what the serving bot would do with a text, without a conversation.

User-facing messages are Russian and live here, apart from the exceptions' codes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import Brain
from bot.storage.db import Database
from bot.storage.models import ContentRevision, EditorAction, Message, Operator, utcnow
from bot.topics import topic_entries
from handoff import escalation
from handoff.errors import HandoffError
from handoff.phrase_titles import TITLES as PHRASE_TITLES
from handoff.revision_log import changed_since
from handoff.views import intent_title
from knowledge_base.loader import question_key
from knowledge_base.models import FAQEntry
from nlu.api import Decision, Prediction
from nlu.config import NLUConfig

log = logging.getLogger(__name__)

MISSED = ("reject", "clarify")
# Marks of a customer message the bot handled though NLU missed it: sent to a person, a flow's
# input («12345678») or its cancel («передумал», flows/engine.py), an option picked («2»).
HANDLED = ("to_human", "flow", "flow_cancelled", "choice")
SCAN_LIMIT = 5000  # newest missed messages looked at per request
DECISIONS = {"answer": "ответит", "clarify": "переспросит", "reject": "не поймёт"}


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
    """The ``taught`` lines in effect, by key (the latest): undone ones and those of an entry
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
        if row.action != "taught":
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


async def taught_to(session: AsyncSession, entry_id: str) -> list[str]:
    """The customers' questions taught to ``entry_id`` (from «Бот не понял», «Добавить
    вопрос» or a new entry) that are in effect: the ones deleting it puts back in the list."""
    taught = _taught(await _journal(session))
    return [row.text for _, row in taught.values() if row.entry_id == entry_id]


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
    since = utcnow() - timedelta(days=days)
    decision = Message.data["nlu"]["decision"].as_string()
    rows = (
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
                decision=str(nlu.get("decision")),
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


def _read_now(
    brain: Brain, item: UnansweredItem, prediction: Prediction, clarify_at: float
) -> None:
    item.decision_now = prediction.decision.value
    guesses = [
        Guess(entry.id, entry.title, float(score.confidence))
        for score in prediction.ranking
        if (entry := brain.kb.get(score.intent)) is not None
    ][:3]
    item.guesses = guesses
    item.suggested = (
        guesses[0].entry_id if guesses and guesses[0].confidence >= clarify_at else None
    )


HISTORY_TITLES = {
    "taught": "научил(а) запись",
    "dismissed": "убрал(а) из списка «не понял»",
    "answer_edited": "изменил(а) ответ записи",
    "entry_created": "создал(а) запись",
    "entry_imported": "изменил(а) запись из таблицы",
    "flow_edited": "изменил(а) текст сценария",
    "phrase_edited": "изменил(а) фразу бота",
    "question_removed": "убрал(а) вопрос из записи",
    "entry_deleted": "удалил(а) запись",
    "reverted": "отменил(а) правку",
}


# who made a change from a shell (``zabota kb import``): its lines have no operator, and their
# verbs agree with «строка» («Командная строка изменила запись из таблицы «…»»)
SHELL_ACTOR = "Командная строка"
SHELL_TITLES = {
    "entry_created": "создала запись",
    "entry_imported": "изменила запись из таблицы",
}


def _flow_title(brain: Brain, flow_id: str | None) -> str | None:
    flow = brain.flows.get(flow_id or "")
    return flow.title if flow is not None else flow_id


def _entry_title(
    brain: Brain, action: EditorAction, gone: dict[str, str] | None = None
) -> str | None:
    """The title of what a line changed; an entry deleted since is named by the title its
    deletion's line keeps (``gone``: entry id → title; the deletion line's own text)."""
    if action.action == "entry_deleted":
        return intent_title(brain.kb, action.entry_id) or action.text
    if action.action == "flow_edited":
        return _flow_title(brain, action.entry_id)
    if action.action == "phrase_edited":
        return PHRASE_TITLES.get(action.entry_id or "", action.entry_id)
    if action.action == "reverted" or not action.entry_id:
        return None  # an undo's text already names what it undid
    return intent_title(brain.kb, action.entry_id) or (gone or {}).get(action.entry_id)


def _text(action: EditorAction) -> str:
    """A line's text as shown (a deletion's is the entry's title, already its title)."""
    return "" if action.action == "entry_deleted" else action.text


def describe(brain: Brain, action: EditorAction) -> str:
    """A journal line's change in words, for the line of its undo («научил(а) запись «…»: …»)."""
    title = _entry_title(brain, action)
    words = HISTORY_TITLES.get(action.action, action.action)
    text = _text(action)
    return words + (f" «{title}»" if title else "") + (f": {text}" if text else "")


async def history(
    session: AsyncSession, brain: Brain, root: Path | None, *, limit: int = 50
) -> list[dict[str, Any]]:
    """The editors' latest changes, newest first: who (:data:`SHELL_ACTOR` for a change made
    from a shell), when, what, to which entry, and whether «Отменить» can undo it (``undo``:
    ``ready``, ``later_changes`` — a file changed since, ``reverted``, ``too_old``; null for a
    line that changed no file)."""
    rows = (
        await session.execute(
            select(EditorAction, Operator.display_name, Operator.username)
            .outerjoin(Operator, Operator.id == EditorAction.operator_id)
            .order_by(EditorAction.id.desc())
            .limit(limit)
        )
    ).all()
    ids = {action.revision_id for action, _, _ in rows if action.revision_id is not None}
    revisions = {
        revision.id: revision
        for revision in (
            await session.execute(select(ContentRevision).where(ContentRevision.id.in_(ids)))
        ).scalars()
    }
    now: dict[str, bytes | None] = {}  # each file read once for all the lines
    gone = {a.entry_id: a.text for a, _, _ in rows if a.action == "entry_deleted" and a.entry_id}
    return [
        {
            "id": action.id,
            "at": action.created_at.isoformat(),
            "who": SHELL_ACTOR if action.operator_id is None else name or username,
            "action": action.action,
            "action_title": (SHELL_TITLES if action.operator_id is None else {}).get(
                action.action, HISTORY_TITLES.get(action.action, action.action)
            ),
            "entry_id": action.entry_id,
            "entry_title": _entry_title(brain, action, gone),
            "text": _text(action)[:300],
            "file": action.file,
            "undo": _undo_state(root, revisions.get(action.revision_id or 0), now),
        }
        for action, name, username in rows
    ]


def _undo_state(
    root: Path | None, revision: ContentRevision | None, now: dict[str, bytes | None]
) -> str | None:
    if revision is None or root is None:
        return None
    if revision.reverted_at is not None:
        return "reverted"
    if not revision.kept:
        return "too_old"
    return "later_changes" if changed_since(root, revision.files, now) else "ready"


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


# -- what the bot would do -----------------------------------------------------------------


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


def _response_text(brain: Brain, name: str, channel: str | None) -> str:
    try:
        return brain.domain.render(name, channel).text
    except KeyError:
        return ""


def try_text(brain: Brain, text: str, channel: str | None = None) -> dict[str, Any]:
    """What the serving bot would reply to ``text`` as a first message (no conversation)."""
    text = " ".join(text.split())[: brain.config.policy.max_message_chars]
    if not text:
        raise HandoffError("Введите вопрос.", "empty")
    prediction = brain.nlu.predict(text)
    result = prediction_json(brain, prediction)
    trigger = escalation.detect(text, prediction, brain.config.handoff)
    answer = ""
    if trigger is not None:
        title = escalation.REASON_TITLES.get(trigger.reason, trigger.reason.value)
        answer = f"Передаст оператору: {title}."
    elif topic := _bare_topic(brain, text, prediction):
        answer = _response_text(brain, "utter_clarify_topic", channel) or _response_text(
            brain, "utter_clarify", channel
        )
        answer += "\n" + "\n".join(f"• {e.title}" for e in topic)
    elif prediction.decision is Decision.ANSWER and prediction.intent is not None:
        entry = brain.kb.get(prediction.intent)
        if entry is not None:
            answer = entry.render(channel).text
            if entry.human_only:
                answer += "\n(и передаст оператору: тема только для сотрудника)"
        else:
            answer = _response_text(brain, f"utter_{prediction.intent}", channel)
    elif prediction.decision is Decision.CLARIFY:
        options = [
            e.title
            for s in prediction.ranking[: brain.config.policy.clarify_max_options]
            if (e := brain.kb.get(s.intent)) is not None
        ]
        answer = _response_text(brain, "utter_clarify", channel)
        if options:
            answer += "\n" + "\n".join(f"• {title}" for title in options)
    else:
        answer = _response_text(brain, "utter_default", channel)
    return {"text": text, **result, "answer": answer}


def _bare_topic(brain: Brain, text: str, prediction: Prediction) -> list[FAQEntry]:
    policy = brain.config.policy
    if not policy.clarify_bare_topics:
        return []
    return topic_entries(text, prediction, brain.kb, policy.clarify_max_options)


def entries_json(brain: Brain) -> list[dict[str, Any]]:
    """The FAQ entries for the picker, by title."""
    return sorted(
        ({"id": e.id, "title": e.title, "category": e.category} for e in brain.kb.entries.values()),
        key=lambda e: (str(e["title"]).lower(), str(e["id"])),
    )

"""The content editor's work: what the bot did not understand, and teaching it in one click.

* :func:`unanswered` groups the customer messages the bot could not answer (NLU decision
  ``reject`` or ``clarify`` — which includes every message that led to a «not understood»
  handoff) by their normalised text, newest first, with the bot's guesses, hiding what an
  editor dismissed or already taught.
* :func:`teach` adds the customer's text to an entry's ``questions`` in the YAML file
  (:mod:`knowledge_base.editing`) and runs the validated, gated hot reload; if anything refuses
  it, the file gets its previous bytes back and the result says why.
* :func:`try_text` shows what the serving bot would do with a text, without a conversation.

User-facing messages are Russian and live here, apart from the exceptions' codes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import Brain
from bot.reload import Edit, ReloadReport
from bot.storage.db import Database
from bot.storage.models import EditorAction, Message, utcnow
from bot.topics import topic_entries
from handoff import escalation
from handoff.errors import Conflict, HandoffError, NotFound
from handoff.views import intent_title
from knowledge_base.editing import EditError, add_question_to_file, clean_question
from knowledge_base.loader import question_key
from knowledge_base.models import FAQEntry
from nlu.api import Decision, Prediction
from nlu.config import NLUConfig

log = logging.getLogger(__name__)

MISSED = ("reject", "clarify")
SCAN_LIMIT = 5000  # newest missed messages looked at per request
DECISIONS = {"answer": "ответит", "clarify": "переспросит", "reject": "не поймёт"}
EDIT_MESSAGES = {
    "empty": "Пустой текст: учить нечему.",
    "too_long": "Слишком длинный текст для вопроса (не больше 300 символов).",
    "duplicate": "Этот вопрос уже есть в выбранной записи.",
    "entry_not_found": "Запись не найдена в своём файле: его изменили вручную. "
    "Перезагрузите контент и попробуйте снова.",
    "no_questions": "У записи нет списка questions — поправьте файл вручную.",
    "not_kb_file": "Файл базы знаний не похож на список entries — поправьте его вручную.",
    "invalid_yaml": "Файл базы знаний сейчас с ошибкой YAML — сначала исправьте его.",
    "file_not_found": "Файл записи не найден на диске.",
    "not_utf8": "Файл записи не в кодировке UTF-8.",
    "verify_failed": "Не удалось аккуратно вставить строку в файл; файл не изменён.",
}

Reloader = Callable[[Edit | None], Awaitable[ReloadReport]]


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
        }


@dataclass(slots=True)
class Unanswered:
    items: list[UnansweredItem]
    total: int


async def _hidden(session: AsyncSession) -> tuple[set[str], dict[str, datetime]]:
    """Dismissed keys (for good) and taught keys (messages up to the teaching are done)."""
    dismissed: set[str] = set()
    taught: dict[str, datetime] = {}
    rows = await session.execute(
        select(EditorAction.key, EditorAction.action, EditorAction.created_at)
    )
    for key, action, at in rows:
        if action == "dismissed":
            dismissed.add(key)
        elif action == "taught" and (key not in taught or at > taught[key]):
            taught[key] = at
    return dismissed, taught


def _guesses(brain: Brain, nlu: dict[str, Any], limit: int = 3) -> list[Guess]:
    guesses: list[Guess] = []
    for score in nlu.get("ranking") or []:
        entry = brain.kb.get(str(score.get("intent")))
        if entry is not None:
            guesses.append(Guess(entry.id, entry.title, float(score.get("confidence") or 0)))
        if len(guesses) >= limit:
            break
    return guesses


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
        if (data or {}).get("to_human") or (data or {}).get("flow"):
            continue  # said to a person, or a flow's input («12345678»): not for the FAQ
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
            guesses = _guesses(brain, nlu)
            groups[key] = UnansweredItem(
                key=key,
                text=" ".join(text.split()),
                count=1,
                last_at=created_at,
                channels=[channel],
                decision=str(nlu.get("decision")),
                guesses=guesses,
                suggested=guesses[0].entry_id
                if guesses and guesses[0].confidence >= clarify_at
                else None,
            )
        else:
            item.count += 1
            if channel not in item.channels:
                item.channels.append(channel)
    ordered = list(groups.values())
    return Unanswered(ordered[offset : offset + limit], len(ordered))


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


# -- teaching --------------------------------------------------------------------------------


@dataclass(slots=True)
class TeachResult:
    ok: bool
    message: str
    entry_id: str
    text: str
    problems: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    prediction: dict[str, Any] | None = None
    line: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.message,
            "entry_id": self.entry_id,
            "text": self.text,
            "problems": self.problems,
            "failures": self.failures,
            "prediction": self.prediction,
            "source": self.line,
        }


def _failure_json(brain: Brain, failure: Any) -> dict[str, Any]:
    def title(intent: str | None) -> str | None:
        entry = brain.kb.get(intent or "")
        return entry.title if entry is not None else intent

    return {
        "text": failure.text,
        "expected": failure.expected,
        "expected_title": title(failure.expected),
        "got": failure.got,
        "got_title": title(failure.got),
    }


def _refusal(report: ReloadReport, text: str, entry_id: str) -> str:
    if report.problems:
        return "Изменение не принято: в контенте ошибки, файл возвращён как был."
    own = [f for f in report.failures if f.text == text and f.expected == entry_id]
    if own and len(own) == len(report.failures):
        return (
            "Изменение не принято: даже после обучения бот не отвечает на этот текст выбранной "
            "записью (похож на другую запись?). Файл возвращён как был."
        )
    return (
        "Изменение не принято: проверка качества нашла вопросы, на которые бот стал бы "
        "отвечать неправильно. Файл возвращён как был."
    )


async def teach(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    *,
    text: str,
    entry_id: str,
    operator_id: int,
    force: bool = False,
) -> TeachResult:
    """Add ``text`` to ``entry_id``'s questions on disk and put it live, or change nothing.

    A text the bot already answers confidently with *another* entry is refused unless
    ``force`` (moving a question between entries is a deliberate correction, not a click).
    """
    try:
        question = clean_question(text)
    except EditError as exc:
        raise HandoffError(EDIT_MESSAGES[exc.code], exc.code) from None
    current = brain()
    source = current.kb.sources.get(entry_id)
    if entry_id not in current.kb or source is None:
        raise NotFound("Запись базы знаний не найдена.", "entry_not_found")
    before = current.nlu.predict(question)
    other = current.kb.get(before.intent or "")
    if (
        not force
        and before.decision is Decision.ANSWER
        and other is not None
        and other.id != entry_id
    ):
        raise Conflict(
            f"Бот уже уверенно отвечает на этот текст записью «{other.title}». "
            "Если бот ошибается, перенесите вопрос в выбранную запись.",
            "answered_elsewhere",
        )
    path = Path(source.file)
    edit = Edit(
        apply=lambda: add_question_to_file(path, entry_id, question),
        checks=[(question, entry_id)],
    )
    try:
        report = await reloader(edit)
    except EditError as exc:
        log.warning("teach refused before reload: %s", exc)
        raise HandoffError(EDIT_MESSAGES.get(exc.code, str(exc)), exc.code) from None
    if not report.ok:
        log.warning("teach %r -> %s refused by the reload", question, entry_id)
        return TeachResult(
            ok=False,
            message=_refusal(report, question, entry_id),
            entry_id=entry_id,
            text=question,
            problems=report.problems,
            failures=[_failure_json(current, f) for f in report.failures],
        )
    live = brain()
    prediction = prediction_json(live, live.nlu.predict(question))
    async with db.write() as session:
        session.add(
            EditorAction(
                key=question_key(question)[:400],
                text=question,
                action="taught",
                entry_id=entry_id,
                file=str(path)[:500],
                operator_id=operator_id,
            )
        )
    log.info("editor %s taught %r -> %s (%s)", operator_id, question, entry_id, path)
    entry = live.kb.get(entry_id)
    return TeachResult(
        ok=True,
        message=f"Готово: бот теперь отвечает на этот вопрос записью «"
        f"{entry.title if entry else entry_id}».",
        entry_id=entry_id,
        text=question,
        prediction=prediction,
        line=str(live.kb.sources.get(entry_id, "")),
    )


def entries_json(brain: Brain) -> list[dict[str, Any]]:
    """The FAQ entries for the picker, by title."""
    return sorted(
        ({"id": e.id, "title": e.title, "category": e.category} for e in brain.kb.entries.values()),
        key=lambda e: (str(e["title"]).lower(), str(e["id"])),
    )

"""A customer waiting in the queue for a person: FAQ answers that keep the place in the
queue, and acknowledgements that do not spam (called by the engine while the conversation is
``queued`` or an operator's)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.dialogue import Turn, answer_entry
from bot.events import InboundKind
from bot.ownership import Owner
from bot.readings import understood_entries
from handoff import escalation, waiting
from nlu.api import Decision

QUEUED_REMINDER_EVERY = timedelta(minutes=3)
"""A queued customer writing on and on hears «ваше сообщение добавлено» this often at most…"""
QUEUED_SILENCE = timedelta(minutes=1)
"""…unless they paused this long: the first message after a pause is always acknowledged."""
QUEUED_ANSWERED = "utter_handoff_queued_answered"
WAIT = "utter_handoff_wait"
NOBODY_WAIT = "utter_handoff_wait_nobody_online"
# «ну и долго ждать?», «сколько ещё ждать», «когда подключится оператор», «скоро?»: a queued
# customer asking about their wait, answered with today's estimate (not «добавлено к обращению»),
# or, with nobody of the team online, that a colleague answers once back (no minutes).
_ASKS_WAIT = re.compile(
    r"^(?:(?:ну|а|и|так|еще|ещ[её]|мне|вас|нам)\s+)*"
    r"(?:долго|скоро|сколько|когда)(?:\s+(?:еще|ещ[её]|мне|вас|нам|уже|примерно|же))*"
    r"(?:\s+(?:ждать|ожидать|жду|ответите|ответят|подключится|подключитесь|оператор|"
    r"будет)){0,2}$"
)
_WORDS = re.compile(r"[а-яё]+")


def asks_about_wait(text: str) -> bool:
    """Is this short message a question about the wait for a person?"""
    return bool(_ASKS_WAIT.match(" ".join(_WORDS.findall(text.lower().replace("ё", "е")))))


async def while_queued(turn: Turn) -> None:
    """A person owns the conversation: the bot keeps quiet while an operator has it.

    A customer waiting in the queue is not left writing into a void. A question the
    knowledge base answers gets its answer at once, and the request keeps its place in the
    queue (``utter_handoff_queued_answered``, with «Отменить вызов оператора» should the
    answer be enough). Anything else is acknowledged (``utter_handoff_queued_again``, out of
    hours ``utter_handoff_queued_offline`` with when the team is back) when it is the first
    message since the bot last spoke, or since the customer paused
    (``QUEUED_SILENCE``); a burst of messages gets one acknowledgement, then one every
    ``QUEUED_REMINDER_EVERY`` at most."""
    conv = turn.conversation
    if conv.owner != Owner.QUEUED.value or turn.event.edited:
        return
    heard = (conv.context or {}).get("queued_heard_at")
    hours = turn.config.handoff.working_hours
    if (
        turn.event.kind is InboundKind.TEXT
        and asks_about_wait(turn.event.text)
        and WAIT in turn.domain.responses
        and escalation.is_open(hours, turn.now)
    ):
        expected = await waiting.expected_wait_minutes(turn.session, conv, turn.config.handoff)
        if expected.nobody_online and NOBODY_WAIT in turn.domain.responses:
            turn.utter(NOBODY_WAIT)  # nobody is at their place: no minutes to name
        else:
            turn.utter(WAIT, wait_minutes=escalation.plural_minutes(expected.minutes))
        conv.context = {
            **(conv.context or {}),
            "queued_heard_at": turn.now.isoformat(),
            "queued_reminder_at": turn.now.isoformat(),
        }
        return
    entries = faq_answers(turn)
    for entry_id in entries:
        await answer_entry(turn, entry_id)
    context = dict(conv.context or {})
    last = context.get("queued_reminder_at")
    due = (
        last is None
        or turn.now - datetime.fromisoformat(last) >= QUEUED_REMINDER_EVERY
        or heard is None
        or turn.now - datetime.fromisoformat(heard) >= QUEUED_SILENCE
    )
    context["queued_heard_at"] = turn.now.isoformat()
    if entries:
        context["queued_reminder_at"] = turn.now.isoformat()
        if QUEUED_ANSWERED in turn.domain.responses:
            turn.utter(QUEUED_ANSWERED)
    elif due:
        context["queued_reminder_at"] = turn.now.isoformat()
        if not escalation.is_open(hours, turn.now):  # «скоро» would not be true at night
            back = escalation.next_opening(hours, turn.now)
            turn.utter(
                "utter_handoff_queued_offline"
                if "utter_handoff_queued_offline" in turn.domain.responses
                else "utter_handoff_offline",
                back_at=escalation.format_back_at(back, turn.now),
            )
        else:
            turn.utter("utter_handoff_queued_again")
    conv.context = context


def faq_answers(turn: Turn) -> list[str]:
    """The knowledge-base entries that answer a queued customer's message, confidently read
    («где мой заказ» while waiting), that the conversation has not shown yet. Their plain
    answers: no flow starts in the queue, and no entry only a person may answer (the person is
    coming)."""
    payload = turn.event.payload or ""
    if turn.event.kind is InboundKind.BUTTON and payload.startswith("faq:"):
        pressed = turn.kb.get(payload[4:])  # a FAQ button of an earlier answer
        return [pressed.id] if pressed is not None and not pressed.human_only else []
    prediction = turn.prediction
    if prediction is None or turn.event.kind is not InboundKind.TEXT:
        return []
    limit = turn.config.policy.max_answers_per_message
    found = understood_entries(prediction, turn.kb)
    entry = turn.kb.get(prediction.intent or "")
    if (
        not found
        and prediction.decision is Decision.ANSWER
        and entry is not None
        and not entry.human_only
    ):
        found = [entry.id]
    # Details for the operator («товар не включается» again) do not get the same answer twice.
    shown = (turn.conversation.context or {}).get("faq_ids") or []
    return [entry_id for entry_id in found if entry_id not in shown][:limit]

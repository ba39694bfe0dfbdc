"""A customer waiting for a person: FAQ answers that keep the place in the queue, short
statuses when asked «вы тут?», commands answered as with the bot, and acknowledgements that do
not spam (called by the engine while the conversation is ``queued`` or an operator's)."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import cancel, contacts, linking, queued_answers
from bot.dialogue import HANDOFF_PAYLOAD, LINK_PAYLOAD, Turn, answer_entry
from bot.events import InboundKind
from bot.ownership import Owner
from bot.readings import understood_entries
from bot.storage.models import Message, Operator
from handoff import escalation, routing, team_hours, waiting
from nlu.api import Decision
from nlu.question_words import LEAD_WORDS, opens_with_question

QUEUED_REMINDER_EVERY = timedelta(minutes=3)
"""A queued customer writing on and on hears «ваше сообщение добавлено» this often at most…"""
QUEUED_SILENCE = timedelta(minutes=1)
"""…unless they paused this long: the first message after a pause is always acknowledged."""
QUEUED_ANSWERED = "utter_handoff_queued_answered"
QUEUED_AGAIN = "utter_handoff_queued_again"
QUEUED_AGAIN_NOBODY = "utter_handoff_queued_again_nobody_online"
QUEUED_OFFLINE = "utter_handoff_queued_offline"
WAIT = "utter_handoff_wait"
NOBODY_WAIT = "utter_handoff_wait_nobody_online"
NOBODY_CONTACTS = "utter_handoff_wait_nobody_online_contacts"
"""The same with today's hours and the phone / e-mail of ``handoff.contacts_entry``."""
OPERATOR_CONNECTED = "utter_handoff_operator_connected"
"""«Оператор Анна подключён к диалогу и скоро ответит»: asked «вы тут?» before their first word."""
_LEAD = r"^(?:(?:ну|а|и|так|эй|еще|ещ[её]|мне|вас|нам)\s+)*"
# «ну и долго ждать?», «долго ещё?», «когда оператор ответит?», «скоро?»: a question about the
# wait for a person, answered with a short status (not «добавлено к обращению»).
_ASKS_WAIT = re.compile(
    _LEAD + r"(?:долго|скоро|сколько|когда)(?:\s+(?:еще|ещ[её]|мне|вас|нам|уже|примерно|же))*"
    r"(?:\s+(?:ждать|ожидать|жду|ответите|ответят|ответит|подключится|подключитесь|"
    r"подключат|оператор|будет)){0,2}$"
)
# «вы тут?», «ну где вы», «алло», «ау», «есть кто?»: is anybody there at all.
_ASKS_PRESENCE = re.compile(
    _LEAD + r"(?:ал+о+|ау+|вы\s+(?:тут|здесь|где)|где\s+(?:вы|оператор)|"
    r"(?:есть|тут|здесь)\s+(?:кто|кто\s+нибудь|кто\s+то)|кто\s+нибудь\s+(?:есть|тут|здесь))"
    r"(?:\s+(?:вообще|уже|там|еще|ал+о+))*$"
)
_WORDS = re.compile(r"[а-яё]+")
# «я ещё жду», «уже 10 минут жду», «жду ответа полчаса», «сколько можно ждать»: in the queue,
# waiting said in so many words is waiting for the person. Only these words: a message that
# names what else it waits for («жду заказ уже неделю», «а доставку сколько ждать») is left to
# the knowledge base, and so are days and weeks (a person is not waited for a week).
_WAITING_VERB = re.compile(r"жд(?:у|ем|ать|ал|ала|али)|ожида(?:ю|ем|ть|л|ла|ли)")
_WAITING_WORD = re.compile(
    r"я|мы|ну|а|и|так|еще|все|уже|до|сих|пор|сколько|можно|долго|же|ведь|вообще|опять|снова|"
    r"вас|вам|ответа?|оператора?|человека|специалиста|сотрудника|тут|здесь|минут[уы]?|минутку|"
    r"час|часа|часов|полчаса|пол|целый|целых|почти|больше|около|один|одну|две|два|три|четыре|"
    r"пять|десять|пятнадцать|двадцать|тридцать|сорок|\d{1,3}"
)
_WAITING_TOKENS = re.compile(r"[а-яё]+|\d+")

# A question without its «?»: «как долго», «почему не отвечаете», «а можно побыстрее»
# (nlu.question_words); of the wait, also without a question word: «а долго еще», «надолго?».
_HOW_LONG = re.compile(r"^(?:(?:" + "|".join(LEAD_WORDS) + r")\s+)*(?:надолго|долго)\b")


def asks_about_wait(text: str) -> bool:
    """Is this short message a question about the wait for a person, or whether anybody is
    there («вы тут?», «алло»)?"""
    words = " ".join(_WORDS.findall(text.lower().replace("ё", "е")))
    return bool(_ASKS_WAIT.match(words) or _ASKS_PRESENCE.match(words))


def reacts_to(turn: Turn) -> bool:
    """A queued customer's message the bot must answer whatever the throttle: a question
    («а сколько стоит доставка в Анадырь?», «почему так долго»), a call for a person or a
    complaint. Only plain additions to the request («меня зовут Ольга», «заказ 12345678») share
    one acknowledgement per burst."""
    event = turn.event
    if event.kind is not InboundKind.TEXT:
        return False
    text = event.text.lower().replace("ё", "е")
    prediction, cfg = turn.prediction, turn.config.handoff
    intent = prediction.intent if prediction is not None else None
    return bool(
        "?" in text
        or opens_with_question(text)
        or _HOW_LONG.match(" ".join(_WORDS.findall(text)))
        or escalation.calls_for_person(text)
        or (intent is not None and intent in (*cfg.request_intents, *cfg.complaint_intents))
    )


def says_waiting(text: str) -> bool:
    """«я ещё жду», «уже 10 минут жду»: a verb of waiting among words of nothing but the wait
    (a number of minutes, not an order's)."""
    tokens = _WAITING_TOKENS.findall(text.lower().replace("ё", "е"))
    return (
        0 < len(tokens) <= 8
        and any(_WAITING_VERB.fullmatch(t) for t in tokens)
        and all(_WAITING_VERB.fullmatch(t) or _WAITING_WORD.fullmatch(t) for t in tokens)
    )


async def _silent_operator(turn: Turn) -> Operator | None:
    """The operator who has the conversation and has not written in it yet."""
    conv = turn.conversation
    if conv.owner != Owner.OPERATOR.value or conv.operator_id is None:
        return None
    wrote = await turn.session.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conv.id,
            Message.author == "operator",
            Message.kind == "message",
            Message.operator_id == conv.operator_id,
        )
        .limit(1)
    )
    return None if wrote is not None else await turn.session.get(Operator, conv.operator_id)


async def say_status(turn: Turn) -> None:
    """A short honest status for «вы тут?», «долго ещё?» or a plain /start, whatever the
    throttle: in the queue the expected wait (``utter_handoff_wait``; with nobody of the team
    online ``utter_handoff_wait_nobody_online``, no minutes; out of hours with nobody of it
    online when the team is back), with an operator who has not written yet that they are on it
    (``utter_handoff_operator_connected``). Once the operator writes, they answer it."""
    conv = turn.conversation
    if conv.owner != Owner.QUEUED.value:
        operator = await _silent_operator(turn)
        if operator is not None and OPERATOR_CONNECTED in turn.domain.responses:
            turn.utter(OPERATOR_CONNECTED, operator=operator.display_name)
        return
    back = await _closed_until(turn)
    if back is not None:
        _say_offline(turn, back)
    elif WAIT in turn.domain.responses:
        expected = await waiting.expected_wait_minutes(turn.session, conv, turn.config.handoff)
        if expected.nobody_online and _say_contacts(turn):
            pass  # nobody is at their place: today's hours and the phone / e-mail instead
        elif expected.nobody_online and NOBODY_WAIT in turn.domain.responses:
            turn.utter(NOBODY_WAIT)  # nobody is at their place: no minutes to name
        else:
            turn.utter(WAIT, wait_minutes=team_hours.plural_minutes(expected.minutes))
    else:
        turn.utter(QUEUED_AGAIN)
    conv.context = {
        **(conv.context or {}),
        "queued_heard_at": turn.now.isoformat(),
        "queued_reminder_at": turn.now.isoformat(),
    }


def _say_contacts(turn: Turn) -> bool:
    """In working hours with nobody of the team online: what the bot knows instead of minutes —
    today's hours and the contacts entry's phone and e-mail, with its buttons
    (``utter_handoff_wait_nobody_online_contacts``, bot/contacts.py). False without the
    response, the entry's contacts or today's hours."""
    cfg = turn.config.handoff
    found = contacts.from_entry(turn.kb, cfg.contacts_entry)
    hours = contacts.hours_today(cfg.working_hours, turn.now)
    if found is None or hours is None or NOBODY_CONTACTS not in turn.domain.responses:
        return False
    said = turn.domain.render(NOBODY_CONTACTS, turn.channel, hours=hours, contacts=found.text)
    turn.say(
        dataclasses.replace(said, buttons=(*said.buttons, *found.buttons)),
        {"response": NOBODY_CONTACTS},
    )
    return True


async def _closed_until(turn: Turn) -> datetime | None:
    """When the conversation's team is back, or None while it is answering (in working hours,
    or out of them with someone of it online): :func:`handoff.routing.closed_until`, as for the
    hand-off and the web chat's header."""
    hours = turn.config.handoff.working_hours
    return await routing.closed_until(turn.session, turn.conversation.team, hours, turn.now)


def _say_offline(turn: Turn, back: datetime) -> None:
    turn.utter(
        QUEUED_OFFLINE if QUEUED_OFFLINE in turn.domain.responses else "utter_handoff_offline",
        back_at=team_hours.format_back_at(back, turn.now),
        hours=team_hours.usual_hours(turn.config.handoff.working_hours),
    )


async def command(turn: Turn) -> bool:
    """A bot command while a person is called or has the conversation, answered as with the
    bot (bot/commands.py makes «/link», «/help», «/start …» typed anywhere these events): /link
    its code, /help its text (without «Позвать оператора»: one is called), /start with a link
    code links. False for anything else, /start with a FAQ entry included (:func:`faq_answers`
    answers it) and a plain /start (:func:`say_status`)."""
    event = turn.event
    payload = event.payload or ""
    if event.kind is InboundKind.START:
        param = event.start_param or ""
        if payload == "welcomed":  # Viber's welcome went in the webhook's response
            return True
        return param.startswith("link_") and await linking.apply_link_code(turn, param[5:])
    if event.kind is not InboundKind.BUTTON or payload == HANDOFF_PAYLOAD:
        return False
    if payload == LINK_PAYLOAD:
        await linking.offer_link_code(turn)
        return True
    name = f"utter_{payload[1:]}"
    if not payload.startswith("/") or name not in turn.domain.responses:
        return False
    said = turn.domain.render(name, turn.channel)
    kept = tuple(b for b in said.buttons if b.payload != HANDOFF_PAYLOAD)
    turn.say(dataclasses.replace(said, buttons=kept), {"response": name})
    return True


async def while_queued(turn: Turn) -> None:
    """A person owns the conversation: the bot keeps quiet while an operator has it, but for
    commands (:func:`command`), «вы тут?» before the operator's first word (:func:`say_status`)
    and a FAQ deep link (/start faq_…).

    A customer waiting in the queue is not left writing into a void. A question the
    knowledge base answers gets its answer at once, and the request keeps its place in the
    queue (``utter_handoff_queued_answered``, with «Отменить вызов оператора» should the
    answer be enough). «Долго ещё?», «вы тут?» or a plain /start always gets the status; «я ещё
    жду», «уже 10 минут жду» (:func:`says_waiting`) get it instead of the acknowledgement, when
    one is due, and never a knowledge-base answer (the person is waited for). Anything
    else is acknowledged (``utter_handoff_queued_again``, with nobody of the team online
    ``utter_handoff_queued_again_nobody_online``, out of hours with nobody of the team online
    ``utter_handoff_queued_offline`` with when the team is back) when it is the first message
    since the bot last spoke, or since the customer paused (``QUEUED_SILENCE``); a burst of
    messages gets one acknowledgement, then one every ``QUEUED_REMINDER_EVERY`` at most."""
    conv = turn.conversation
    if turn.event.edited or await command(turn):
        return
    event = turn.event
    asks = (event.kind is InboundKind.TEXT and asks_about_wait(event.text)) or (
        event.kind is InboundKind.START and not faq_answers(turn)
    )
    # «я ещё жду» is about the person, never an order to answer: the status when an
    # acknowledgement is due (a burst of «жду» is not answered each time).
    waits = event.kind is InboundKind.TEXT and says_waiting(event.text)
    if asks or (waits and conv.owner != Owner.QUEUED.value):
        await say_status(turn)
        return
    if conv.owner != Owner.QUEUED.value:
        for entry_id in faq_answers(turn) if event.kind is InboundKind.START else ():
            await answer_entry(turn, entry_id)  # a FAQ deep link: its answer, as asked
        return
    if not faq_answers(turn) and cancel.offer(turn):
        # «да ладно, не надо уже наверное…»: maybe a cancel — the button, never silence.
        conv.context = {
            **(conv.context or {}),
            "queued_heard_at": turn.now.isoformat(),
            "queued_reminder_at": turn.now.isoformat(),
        }
        return
    if not waits and queued_answers.details_added(turn):
        return  # «новый адрес ул. Ленина 5»: for the case, not the stores' answer
    if not waits and queued_answers.order_added(turn):
        return  # «заказ 66778899»: a fact for the case, not «где мой заказ» (bot/queued_answers.py)
    heard = (conv.context or {}).get("queued_heard_at")
    entries = [] if waits else faq_answers(turn)
    for entry_id in entries:
        await queued_answers.answer(turn, entry_id)  # no «напишите «оператор»» in the queue
    if not entries and not waits and not reacts_to(turn):
        queued_answers.add_to_case(turn)  # a plain addition: on the case's details too
    context = dict(conv.context or {})
    last = context.get("queued_reminder_at")
    due = (
        last is None
        or turn.now - datetime.fromisoformat(last) >= QUEUED_REMINDER_EVERY
        or heard is None
        or turn.now - datetime.fromisoformat(heard) >= QUEUED_SILENCE
        or reacts_to(turn)  # a question or a call for a person is never met with silence
    )
    context["queued_heard_at"] = turn.now.isoformat()
    if entries:
        context["queued_reminder_at"] = turn.now.isoformat()
        if QUEUED_ANSWERED in turn.domain.responses:
            turn.utter(QUEUED_ANSWERED)
    elif due:
        context["queued_reminder_at"] = turn.now.isoformat()
        if waits:
            await say_status(turn)  # «я ещё жду»: how long, not «добавлено к обращению»
        elif (back := await _closed_until(turn)) is not None:  # no «скоро» at night
            _say_offline(turn, back)
        elif (
            QUEUED_AGAIN_NOBODY in turn.domain.responses
            and (
                await waiting.expected_wait_minutes(turn.session, conv, turn.config.handoff)
            ).nobody_online
        ):
            turn.utter(QUEUED_AGAIN_NOBODY)  # nobody is at their place: no «скоро»
        else:
            turn.utter(QUEUED_AGAIN)
    conv.context = context


def faq_answers(turn: Turn) -> list[str]:
    """The knowledge-base entries that answer a queued customer's message, confidently read
    («где мой заказ» while waiting), that the conversation has not shown yet. Their plain
    answers: no flow starts in the queue, and no entry only a person may answer (the person is
    coming)."""
    payload = turn.event.payload or ""
    param = turn.event.start_param or ""
    if turn.event.kind is InboundKind.START and param.startswith("faq_"):
        linked = turn.kb.get(param[4:])  # a deep link to an entry («t.me/volt_bot?start=faq_…»)
        return [linked.id] if linked is not None and not linked.human_only else []
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

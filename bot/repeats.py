"""The question the bot has just answered, asked again: the answer did not help.

«как вернуть товар» — answered — «ну а как вернуть то?»: the NLU reads the same entry again,
and sending the same text once more tells the customer nothing new. When the customer's
previous message was answered with that entry alone (:func:`just_answered`), the bot says
``utter_answer_repeated`` instead («Я уже ответил на этот вопрос выше…», with «Позвать
оператора»): the answer itself follows only when it is short (:data:`SHORT_ANSWER`), otherwise
the entry's own buttons carry its links and follow-up questions (:func:`reminder`).

The re-ask counts as a miss (``Conversation.unknown_streak``), so the machinery of «did not
understand twice» hands over: a third ask of the entry — or a miss right after the reminder —
reaches ``handoff.not_understood_limit`` and goes to a person with reason ``not_understood``
(``utter_handoff_not_understood``, bot/handover.py).

A re-ask is the customer's own question again: their message must say what their previous one
said (:func:`similar`: half the words of each one, by lemma, are in the other) — «как
вернуть товар», «ну а как вернуть то?». A new question that the same entry happens to answer
(«а перенести можно?» after the courier's intervals, «а холодильник?» after the carrying
upstairs) gets the part of a long answer that holds its words, or a pointer to the answer
above (bot/answer_parts.py); a short answer again in full. Pronouns and «можно / нельзя» are
not the question's words: «а они сгорят?», then «а потратить на доставку их можно», are two
questions.

Only the customer's previous message counts. A different question, «спасибо», a miss or an
operator in between, and the next ask is a new one, answered in full — however often the
entry was answered earlier in the conversation. A press of «👍 Помогло / 👎 Не помогло» under
the answer rates it and asks nothing, so it is looked past: «👎», then the same question, is a
re-ask. A fragment read as the answered entry only through the answer before it («а на
телек?» after the warranty, :mod:`bot.followup`) asks about another detail and is answered in
full. So is an answer an editor rewrote since the customer read it. A project whose domain
lacks the response answers again as before.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot import followup, helpful, order_answers
from bot.events import Outbound
from bot.handover import escalate
from bot.storage.models import Message
from handoff.escalation import Reason
from knowledge_base.models import FAQEntry

if TYPE_CHECKING:
    from bot.dialogue import Turn

RESPONSE = "utter_answer_repeated"
SHORT_ANSWER = 280
"""An answer up to this many characters is repeated under the reminder; a longer one is not
(the demo's run from 300 to 900: two sentences is what a reader takes in again)."""
LOOKBACK = 20
"""How many of the conversation's latest messages are read to find the previous question."""
DETAIL = "repeated:"  # the escalation's detail: repeated:<entry id>
# Replies that stand for the answer: this module's reminder, and bot/answer_parts.py's part of
# it or pointer to it.
_STANDS_FOR = frozenset({RESPONSE, "utter_answer_part", "utter_answer_above"})
_LINK = re.compile(r"https?://\S+[^\s.,;:!?»)]")


SIMILAR = 0.5
"""The share of either message's words (lemmas, fillers aside) the other must have."""
_FILLERS = frozenset(
    [
        "а",
        "и",
        "ну",
        "же",
        "то",
        "так",
        "вот",
        "еще",
        "ещё",
        "я",
        "мне",
        "вы",
        "вам",
        "у",
        "в",
        "на",
        "с",
        "по",
        "о",
        "об",
        "это",
        "да",
        "нет",
        "ли",
    ]
)
_POINTERS = frozenset(["он", "она", "оно", "они", "ее", "можно", "нельзя"])
"""Lemmas that point back or ask «may I» and say nothing of the question itself: «а они сгорят?»
and «а потратить на доставку их можно» share «они», not a question."""


async def just_answered(turn: Turn) -> str | None:
    """The FAQ entry the bot answered the customer's previous message with, if it was one entry
    and nobody else spoke since (ratings of the answer looked past)."""
    return (await _previous(turn))[0]


async def previous_question(turn: Turn) -> str | None:
    """The text of the customer's previous message (ratings of an answer looked past), if no
    operator spoke since."""
    return (await _previous(turn))[1]


async def asked_again(turn: Turn, entry_id: str) -> bool:
    """Is the customer's message their previous question again — answered with ``entry_id``
    just now, and :func:`similar` to it?"""
    answered, asked = await _previous(turn)
    return answered == entry_id and asked is not None and similar(turn.event.text, asked)


def similar(text: str, other: str) -> bool:
    """«ну а как вернуть то?» and «как вернуть товар»: at least :data:`SIMILAR` of each one's
    words (by lemma) are in the other; «а перенести можно?» and «доставка курьером интервал» are
    not, nor is a longer question that only shares a word or two with a short one: «а если
    бракованный товар был куплен по акции…» after «Товар с браком», «отпишите меня от смс номер
    89261234567» after «СТОП СМС» ask something new (QA 3 QA39, QA41)."""
    a, b = _lemmas(text), _lemmas(other)
    if not a or not b:
        return False
    return len(a & b) >= SIMILAR * max(len(a), len(b))


def _lemmas(text: str) -> set[str]:
    from nlu.text import lemma

    words = re.findall(r"\w+", text.lower().replace("ё", "е"))
    return {lemma(w) for w in words if w not in _FILLERS} - _POINTERS


async def _previous(turn: Turn) -> tuple[str | None, str | None]:
    """(the entry the previous message was answered with, if one; its text)."""
    rows = await turn.session.execute(
        select(Message.author, Message.text, Message.data)
        .where(Message.conversation_id == turn.conversation.id, Message.kind == "message")
        .order_by(Message.id.desc())
        .limit(LOOKBACK)
    )
    answered: set[str] = set()
    current = True  # the newest customer message is the one being answered now
    for author, text, data in rows:
        data = data if isinstance(data, dict) else {}
        if author == "bot":
            if not current and data.get("faq") and _still_says(turn, str(data["faq"]), text, data):
                answered.add(str(data["faq"]))
        elif author != "customer":
            return None, None  # an operator answered in between
        elif current:
            current = False
        elif not _rating(data):
            return (answered.pop() if len(answered) == 1 else None), text
    return None, None


def _still_says(turn: Turn, entry_id: str, text: str, data: dict[str, object]) -> bool:
    """The entry would answer with what the customer read then: an editor who rewrote the
    answer since has something new to say, and the customer gets it in full. (A reminder
    counts as the answer it stood for.)"""
    entry = turn.kb.entries.get(entry_id)
    if entry is None:
        return False
    return (
        data.get("response") in _STANDS_FOR
        or entry.render(turn.channel).text == text
        or order_answers.still_says(turn, entry, text, data)  # «Заказ № 12345678 можно…»
    )


def _rating(data: dict[str, object]) -> bool:
    """A press of «👍 Помогло / 👎 Не помогло»: no question of its own."""
    return bool(data.get("helpful")) or helpful.parse(str(data.get("payload") or "")) is not None


async def answer_again(turn: Turn, entry_id: str) -> None:
    """The reminder for a re-ask of ``entry_id`` — or, once the misses add up, a person."""
    conv = turn.conversation
    conv.unknown_streak += 1  # the answer did not help: a miss, as «не понял» is
    if conv.unknown_streak >= turn.config.handoff.not_understood_limit:
        await escalate(turn, Reason.NOT_UNDERSTOOD, f"{DETAIL}{entry_id}")
        return
    entry = turn.kb.entries[entry_id]
    turn.say(reminder(turn, entry), {"response": RESPONSE, "faq": entry_id})
    turn.conversation.context = followup.remember(conv.context, entry_id, turn.now)


def reminder(turn: Turn, entry: FAQEntry) -> Outbound:
    """``utter_answer_repeated``, then the answer if it is short, or else its first link when
    no button of the entry has one; the entry's buttons, then the response's own (or
    «Позвать оператора»)."""
    from bot.dialogue import operator_button

    said = turn.domain.render(RESPONSE, turn.channel)
    answer = entry.render(turn.channel)
    text = said.text
    if len(answer.text) <= SHORT_ANSWER:
        text = f"{text}\n\n{answer.text}"
    elif not any(b.url for b in answer.buttons) and (link := _LINK.search(answer.text)):
        text = f"{text}\n\n{link.group()}"
    own = said.buttons or (operator_button(),)
    return dataclasses.replace(said, text=text, buttons=(*answer.buttons, *own))

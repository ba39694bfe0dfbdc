"""A phone number given right after an answer: kept for the case and handed to a person (QA 3
Q9).

«…НОМЕР НЕ ЗНАЮ» got the answer «SMS и письмо с номером заказа… коллега найдёт заказ по
телефону»; «ТЕЛЕФОН 89161234567» then got the support's contacts and the phone was lost. «отложите
айфон на тверской» — «меня Ольга зовут телефон 89160001122» got «Я бот — виртуальный помощник».
The bot can do nothing with a phone but a person can: a message that gives a phone and nothing
else (a name, «телефон», «мой», «вот» around it) within the follow-up window of an answer keeps
the message on the case (:func:`bot.case_details.keep`) and hands over to the answered entry's
team, said with ``utter_handoff_phone_kept``. A flow asking for something takes its own answers
(its ``without`` reads a phone instead of the order number); with no answer before, the message
is read as before.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import case_details, followup
from bot.events import InboundKind
from bot.handover import escalate
from handoff.escalation import Reason

if TYPE_CHECKING:
    from bot.dialogue import Turn
    from knowledge_base.models import FAQEntry

RESPONSE = "utter_handoff_phone_kept"
# Words that may stand around the phone: «мой телефон», «вот номер», «звоните на», «меня зовут».
_AROUND = frozenset(
    {
        "телефон",
        "тел",
        "телефона",
        "номер",
        "мой",
        "моя",
        "мои",
        "вот",
        "это",
        "звоните",
        "позвоните",
        "перезвоните",
        "наберите",
        "на",
        "по",
        "для",
        "связи",
        "контактный",
        "контакт",
        "пожалуйста",
        "меня",
        "зовут",
        "имя",
        "я",
        "и",
        "а",
        "мне",
        "записывайте",
        "запишите",
    }
)
_NAME = re.compile(r"[А-ЯЁ][а-яё]+")
_NAMED = frozenset({"зовут", "имя"})
NAMES_MAX = 2  # «меня Ольга зовут», «Ольга Петровна»


def _phone(turn: Turn) -> tuple[str, str] | None:
    """The phone (its value and text) when it is the only entity of the message."""
    if turn.prediction is None:
        return None
    found = [e for e in turn.prediction.entities if e.type == "phone"]
    others = [e for e in turn.prediction.entities if e.type != "phone"]
    if len(found) != 1 or others:
        return None
    return found[0].value, found[0].text


def gives_phone(turn: Turn) -> str | None:
    """The phone as typed, when the message gives it and nothing else but a name."""
    if turn.event.kind is not InboundKind.TEXT or "?" in turn.event.text:
        return None
    phone = _phone(turn)
    if phone is None:
        return None
    _, typed = phone
    rest = turn.event.text.replace(typed, " ")
    words = re.findall(r"[А-Яа-яЁёA-Za-z]+", rest)
    lowered = [w.lower().replace("ё", "е") for w in words]
    unknown = [w for w, low in zip(words, lowered, strict=True) if low not in _AROUND]
    if not unknown:
        return typed
    named = bool(_NAMED & set(lowered))
    if len(unknown) <= NAMES_MAX and all(named or _NAME.fullmatch(w) for w in unknown):
        return typed
    return None


def _answered(turn: Turn) -> FAQEntry | None:
    """The entry the bot answered last, within the follow-up window."""
    context = turn.conversation.context
    return followup.last_entry(context, turn.kb, turn.config, turn.now)


class PhoneForCaseHandler:
    """«ТЕЛЕФОН 89161234567» after an answer: to a person with the phone."""

    name = "phone_for_case"

    def match(self, turn: Turn) -> bool:
        if RESPONSE not in turn.domain.responses or (turn.conversation.context or {}).get("flow"):
            return False
        return gives_phone(turn) is not None and _answered(turn) is not None

    async def handle(self, turn: Turn) -> None:
        phone = gives_phone(turn)
        entry = _answered(turn)
        assert phone is not None and entry is not None
        turn.conversation.unknown_streak = 0
        turn.message_data["phone_for"] = entry.id  # understood: not an FAQ miss
        case_details.keep(turn, turn.event.text.strip()[: case_details.LENGTH])
        turn.utter(RESPONSE, {"entry": entry.id}, phone=phone, topic=entry.title)
        await escalate(turn, Reason.REQUEST, f"phone:{entry.id}", team=entry.team, announced=True)

"""«2», «второе», «да, первое»: the customer picks one of the options just offered by typing it.

After «Уточните, пожалуйста, — вы имели в виду:» or «Что именно вас интересует?» with buttons,
many customers answer in words instead of pressing one — in Viber and Telegram above all, where
the buttons sit under an earlier message. «2» was read as a new question and not understood;
«второе» was even read as «Деньги списали дважды». Now the options of such a question are kept
in the conversation (:func:`offer`), and the next message, if it only names one by its number
or its place («1», «вариант 2», «второе», «да, третий», «последний»), is handled as that
button's press (:func:`picked`). So is a short reply whose every word is in exactly one offered
entry's title (:func:`by_words`): «про без чека», «мне продление гарантии» — the NLU alone may
read the words as a neighbour that was not offered. Any next message uses the offer up, whatever
it says, and it lapses after :data:`VALID_FOR`; the handlers still see what was offered
(``Turn.offered``: «нет», «другое» to it get ``utter_clarify_none``, bot/feedback.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.events import Inbound, InboundKind
from nlu.text import lemma

if TYPE_CHECKING:
    from bot.dialogue import Turn
    from bot.storage.models import Conversation

VALID_FOR = timedelta(minutes=30)
_WORDS = {
    1: "первый первое первая первую",
    2: "второй второе вторая вторую",
    3: "третий третье третья третью",
    4: "четвертый четвертое четвертая четвертую",
    5: "пятый пятое пятая пятую",
    -1: "последний последнее последняя последнюю",
}
_PLACE = {word: n for n, words in _WORDS.items() for word in words.split()}
_ORDINAL = re.compile(
    r"^(?:(?:да|ну|наверное|скорее|давайте|мне)\s+)*"
    r"(?:(?:вариант|номер|пункт|№)\s*)?"
    r"(?P<n>[1-9]|[а-я]+)"
    r"(?:\s+(?:вариант|пункт))?$"
)


def ordinal(text: str) -> int | None:
    """The place a message names (1-based, -1 for the last), if that is all it says."""
    words = re.sub(r"[^\w№]+", " ", text.lower().replace("ё", "е")).split()
    found = _ORDINAL.match(" ".join(words))
    if found is None:
        return None
    n = found.group("n")
    return int(n) if n.isdigit() else _PLACE.get(n)


BY_WORDS_MAX = 4
"""A reply of more words asks something of its own, even if the words are an option's."""
_NOT_CONTENT = frozenset(
    [
        "а",
        "и",
        "да",
        "ну",
        "мне",
        "меня",
        "про",
        "о",
        "об",
        "по",
        "на",
        "в",
        "во",
        "с",
        "у",
        "я",
        "это",
        "вот",
        "наверное",
        "скорее",
        "давайте",
        "хочу",
        "интересует",
        "нужно",
        "надо",
        "узнать",
        "вопрос",
        "насчет",
        "насчёт",
    ]
)


def _lemmas(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower().replace("ё", "е"))
    return {lemma(w) for w in words if w not in _NOT_CONTENT}


def by_words(text: str, offered: Sequence[tuple[str, str]]) -> int | None:
    """The index of the only offered entry («faq:…») whose title has every word of a short
    reply («мне про ремонт» → «Гарантийный ремонт»), if there is exactly one."""
    if len(text.split()) > BY_WORDS_MAX:
        return None
    words = _lemmas(text)
    if not words:
        return None
    found = [
        i
        for i, (title, payload) in enumerate(offered)
        if payload.startswith("faq:") and words <= _lemmas(title)
    ]
    return found[0] if len(found) == 1 else None


def offer(conversation: Conversation, options: Sequence[tuple[str, str]], now: datetime) -> None:
    """Remember the buttons (title, payload) just offered, in the order the customer sees them."""
    conversation.context = {
        **(conversation.context or {}),
        "choices": [[title, payload] for title, payload in options],
        "choices_at": now.isoformat(),
    }


def picked(turn: Turn) -> Inbound | None:
    """The customer's message as the press of the offered button it names, if it names one.
    Uses the offer up either way."""
    context = dict(turn.conversation.context or {})
    offered, at = context.pop("choices", None), context.pop("choices_at", None)
    if offered is None:
        return None
    turn.conversation.context = context
    if turn.event.kind is not InboundKind.TEXT or not isinstance(at, str):
        return None
    if turn.now - datetime.fromisoformat(at) > VALID_FOR:
        return None
    turn.offered = [(str(title), str(payload)) for title, payload in offered]
    place = ordinal(turn.event.text)
    if place is None:
        index = by_words(turn.event.text, turn.offered)
        if index is None:
            return None
    else:
        index = len(offered) - 1 if place == -1 else place - 1
    if not 0 <= index < len(offered):
        return None
    title, payload = offered[index]
    turn.message_data["choice"] = payload  # not a question the bot missed (the editor's list)
    return dataclasses.replace(turn.event, kind=InboundKind.BUTTON, payload=payload, text=title)

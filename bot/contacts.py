"""The other ways to reach the team, taken from the knowledge base's contacts entry.

A customer waiting in working hours with nobody of the team online asks «сколько ждать?»: no
minutes can be promised, so the bot says what it knows — today's hours and, when the project
names its contacts entry (``handoff.contacts_entry``, «Контакты и часы поддержки» in the demo),
the phone and e-mail of that entry's link buttons (``tel:``, ``mailto:``), written as its answer
writes them («8 800 555-35-35», not «88005553535»), with the buttons themselves. Nothing is
hard-coded: an editor who changes the entry changes what the waiting customer reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.events import Button
from handoff import team_hours
from handoff.config import WorkingHours
from knowledge_base.models import KnowledgeBase

_PHONE = re.compile(r"(?:\+7|8)[\s\-()]*\d[\d\s\-()]{7,}\d")


@dataclass(frozen=True, slots=True)
class Contacts:
    """How the team is reached besides this chat: ``text`` lists them («8 800 555-35-35,
    help@volt-shop.ru»), ``buttons`` are the entry's ``tel:``/``mailto:`` link buttons."""

    text: str
    buttons: tuple[Button, ...]


def _digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[1:] if len(digits) == 11 and digits[0] in "78" else digits


def _phone_as_written(answer: str, number: str) -> str:
    """The phone of a ``tel:`` link as the entry's answer writes it, else as in the link."""
    wanted = _digits(number)
    for found in _PHONE.finditer(answer):
        if _digits(found.group()) == wanted:
            return found.group().strip()
    return number


def from_entry(kb: KnowledgeBase, entry_id: str | None) -> Contacts | None:
    """The phone and e-mail of the contacts entry's link buttons; None without the entry or
    without any ``tel:``/``mailto:`` button in it."""
    entry = kb.get(entry_id or "")
    if entry is None:
        return None
    said: list[str] = []
    buttons: list[Button] = []
    for button in entry.buttons:
        url = button.url or ""
        if url.startswith("tel:"):
            said.append(_phone_as_written(entry.answer, url[4:]))
        elif url.startswith("mailto:"):
            said.append(url[7:].split("?")[0])
        else:
            continue
        buttons.append(Button(button.title, "", url))
    return Contacts(", ".join(said), tuple(buttons)) if said else None


def hours_today(hours: WorkingHours, now: datetime) -> str | None:
    """Today's working hours in the team's time zone («9:00–21:00»); None when closed today
    or always open (no hours to tell)."""
    if hours.always_open:
        return None
    today = now.astimezone(ZoneInfo(hours.timezone)).date()
    span = hours.hours_on(today)
    if span is None:
        return None
    return team_hours.format_span(*span)

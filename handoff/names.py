"""How the console addresses a customer in a ready reply: by first name.

Russian customer service writes «Здравствуйте, Анна!», not «Здравствуйте, Анна Петрова!» and
never «Здравствуйте, Петрова!». The messengers give one display name: Telegram's is «first
last», Viber's is whatever the person typed, the web chat's is what the visitor gave; a name
in a form is often «Фамилия Имя Отчество». So the first name is the word before a patronymic
when there is one, else the first word — and nothing when that word is not a name (a login
like «ivan_88», an emoji, «Клиент»): the reply then reads «Здравствуйте!» (console_replies.js).
"""

from __future__ import annotations

import itertools
import re

__all__ = ["first_name"]

_NAME = re.compile(r"^[^\W\d_]{2,}(?:-[^\W\d_]{2,})*$")  # letters; «Анна-Мария» too
_PATRONYMIC = re.compile(r"(?:вич|вна|ична|инична|оглы|кызы)$", re.IGNORECASE)
_NOT_NAMES = frozenset(
    {"клиент", "гость", "покупатель", "посетитель", "пользователь", "user", "guest", "customer"}
)


def first_name(display_name: str | None) -> str | None:
    """The customer's first name from their display name, or None if none can be told."""
    words = (display_name or "").split()
    if not words:
        return None
    chosen = words[0]
    for before, word in itertools.pairwise(words):
        if _PATRONYMIC.search(word) and _NAME.match(word):
            chosen = before  # «Петров Иван Сергеевич», «Иван Сергеевич Петров»
            break
    if not _NAME.match(chosen) or chosen.lower() in _NOT_NAMES:
        return None
    return chosen[0].upper() + chosen[1:] if chosen.islower() else chosen

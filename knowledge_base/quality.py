"""Content rules beyond the schema: what makes an answer useless to a customer.

Zabota's promise is a real answer or the exact link — never «смотрите на нашем сайте». An
answer that sends the customer to look for something on the website («подробнее на сайте»,
«смотрите в разделе “Доставка”») must say where: a link in the text or a button with a ``url``.
"""

from __future__ import annotations

import re

_REFERRAL = re.compile(
    r"\b(?:смотрите|посмотрите|см\.|читайте|прочитайте|подробнее|подробности|узнайте|узнать|"
    r"найдёте|найдете|найти|ищите|описан[аоы]?|указан[аоы]?|размещен[аоы]?|опубликован[аоы]?)"
    r"[^.!?\n]{0,40}?\b(?:на\s+(?:нашем\s+|официальном\s+)?сайте|в\s+разделе)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://|\bwww\.|\b[\w-]+\.(?:ru|рф|com|net|org)(?:/|\b)", re.IGNORECASE)


def vague_referral(text: str, *, has_url_button: bool = False) -> str | None:
    """The words that send the customer to the website without saying where, or None."""
    if has_url_button or _LINK.search(text):
        return None
    match = _REFERRAL.search(text)
    return " ".join(match.group().split()) if match else None

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
# A link names a site: ``https://`` alone (or ``https://volt-shop``) is not one. ``www.…`` and a
# bare site (``volt-shop.ru/delivery``) count too: Telegram and Viber show them as links, and so
# does the web chat (bot/web/static/chat.js ``linkify``, the same patterns) — keep the two alike.
_HOST = r"[\w-]+(?:\.[\w-]+)+"
_LINK = re.compile(
    rf"https?://{_HOST}|\bwww\.{_HOST}|\b[\w-]+\.(?:ru|рф|com|net|org)(?:/|\b)", re.IGNORECASE
)
_SCHEME = re.compile(r"\bhttps?://\S*", re.IGNORECASE)


def broken_links(text: str) -> list[str]:
    """Every ``http(s)://`` in ``text`` with no host with a dot (``https://``, ``https://сайт``)."""
    return [
        m.group().rstrip(".,;:!?)»\"'")
        for m in _SCHEME.finditer(text)
        if not re.match(rf"https?://{_HOST}", m.group(), re.IGNORECASE)
    ]


def vague_referral(text: str, *, has_url_button: bool = False) -> str | None:
    """The words that send the customer to the website without saying where, or None."""
    if has_url_button or _LINK.search(text):
        return None
    match = _REFERRAL.search(text)
    return " ".join(match.group().split()) if match else None


def broken_link_problems(text: str) -> list[str]:
    """What to tell the editor about each of :func:`broken_links`."""
    return [
        f"в ссылке «{link}» нет адреса сайта — напишите её целиком, например "
        "https://volt-shop.ru/delivery"
        for link in broken_links(text)
    ]

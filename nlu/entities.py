"""Rule-based entities: order numbers, phones, e-mails, dates, amounts, URLs.

Why rules and not a trained tagger: these entities have rigid surface forms, the demo data has no
entity annotations, and rules are exact, explainable and sub-millisecond. Regexes find the
patterns with rigid shapes; spaCy's Russian tokenizer + :class:`spacy.matcher.Matcher` finds the
word-level ones (relative dates) so that «завтра,» or «Завтра!» tokenise correctly.
Overlapping candidates are resolved by priority (email > url > phone > order > date > amount),
then by length.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import TYPE_CHECKING, Any

from nlu.api import Entity
from nlu.text import EMAIL_RE, URL_RE, tokenizer

if TYPE_CHECKING:
    from spacy.matcher import Matcher

MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
_MONTH_RE = (
    r"(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|"
    r"декабря|январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|октябрь|ноябрь|"
    r"декабрь)"
)
RELATIVE_DAYS = {"позавчера": -2, "вчера": -1, "сегодня": 0, "завтра": 1, "послезавтра": 2}

PHONE_RE = re.compile(
    r"(?<![\d+])(?:\+7|8)[\s(‐-]*\d{3}[\s)‐-]*\d{3}[\s‐-]*\d{2}[\s‐-]*\d{2}(?!\d)"
)
# «9161234567», «(916) 123-45-67»: a Russian mobile written with its 10 digits, without 8 / +7.
# Read after an order number («заказ 9161234567» stays the shop's number): see _rank.
MOBILE_RE = re.compile(
    r"(?<![\d+\w-])(?<!\d[\s-])\(?9\d{2}[\s)‐-]*\d{3}[\s‐-]*\d{2}[\s‐-]*\d{2}(?![\d\w])"
)
ORDER_RE = re.compile(
    r"(?:(?:заказ[а-я]*|посылк[а-я]*|отправлени[а-я]*|order)\s*(?:номер|№|#|n)?\s*|[№#]\s*)"
    # «1234 5678»: eight digits typed in two groups, as they are often read out
    r"(?P<num>\d{4}[ \u00a0]\d{4}(?![\d,.]|\s\d)|[a-zа-я]{0,3}-?\d{3,12}(?:-\d{1,6})?)"
    r"(?![\d,.]\d)"
    # «заказал ноут, номер 12345678»: «номер» alone before 5–9 digits (a phone has 10 or 11,
    # a card 16; «номер 12» is no order); «номер телефона 8916…» is a phone, read first
    r"|(?<![а-яё-])номер[а-я]{0,2}\s*(?P<bare>\d{4}[ \u00a0-]?\d{4}|\d{5,9})"
    r"(?![\d,.]?\d|[ \u00a0-]\d)",
    re.IGNORECASE,
)
DATE_NUM_RE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?(?![\d.]\d)")
DATE_WORD_RE = re.compile(rf"(?<!\d)(\d{{1,2}})\s+{_MONTH_RE}(?:\s+(\d{{4}}))?", re.IGNORECASE)
AMOUNT_RE = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:[  ]\d{3})+|\d+)(?:[.,](?P<frac>\d{1,2}))?\s*"
    r"(?P<mult>тыс(?:яч[аи]?|\.)?|к\b|млн\.?)?\s*"
    r"(?P<cur>руб(?:л[а-я]*|\.)?|р\.|₽|rub\b|рублей)?",
    re.IGNORECASE,
)
PRIORITY = {"email": 0, "url": 1, "phone": 2, "order_number": 3, "date": 4, "amount": 5}

_matcher: Matcher | None = None
_lock = threading.Lock()


def _relative_matcher() -> Matcher:
    global _matcher
    if _matcher is None:
        with _lock:
            if _matcher is None:
                from spacy.matcher import Matcher

                m = Matcher(tokenizer().vocab)
                m.add("REL_DAY", [[{"LOWER": {"IN": list(RELATIVE_DAYS)}}]])
                _matcher = m
    return _matcher


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _year(raw: str | None, today: dt.date) -> int:
    if not raw:
        return today.year
    y = int(raw)
    return y + 2000 if y < 100 else y


def _month(word: str) -> int:
    w = word.lower()
    for stem, n in MONTHS.items():
        if w.startswith(stem) and (stem != "ма" or w in {"мая", "май"}):
            return n
    return 0


def _amount_value(m: re.Match[str]) -> str | None:
    if not (m.group("mult") or m.group("cur")):
        return None
    frac = f".{m.group('frac')}" if m.group("frac") else ""
    value = float(re.sub(r"\s", "", m.group("num")) + frac)
    mult = (m.group("mult") or "").lower()
    if mult.startswith(("тыс", "к")):
        value *= 1000
    elif mult.startswith("млн"):
        value *= 1_000_000
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _candidates(text: str, today: dt.date) -> list[Entity]:
    out: list[Entity] = []

    def add(kind: str, value: str | None, start: int, end: int) -> None:
        if value is not None:
            out.append(Entity(kind, value, start, end, text[start:end]))

    for m in URL_RE.finditer(text):
        url = m.group(0).rstrip(".,;:!?)")
        add("url", url, m.start(), m.start() + len(url))
    for m in EMAIL_RE.finditer(text):
        add("email", m.group(0).lower(), m.start(), m.end())
    for m in PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        add("phone", "7" + digits[1:], m.start(), m.end())
    for m in MOBILE_RE.finditer(text):
        add("phone", "7" + re.sub(r"\D", "", m.group(0)), m.start(), m.end())
    for m in ORDER_RE.finditer(text):
        group = "num" if m.group("num") is not None else "bare"
        number = re.sub(r"[\s-]" if group == "bare" else r"\s", "", m.group(group)).upper()
        add("order_number", number, m.start(group), m.end(group))
    for m in DATE_NUM_RE.finditer(text):
        add(
            "date",
            _iso(_year(m.group(3), today), int(m.group(2)), int(m.group(1))),
            m.start(),
            m.end(),
        )
    for m in DATE_WORD_RE.finditer(text):
        add(
            "date",
            _iso(_year(m.group(3), today), _month(m.group(2)), int(m.group(1))),
            m.start(),
            m.end(),
        )
    doc = tokenizer().make_doc(text)
    for _, s, e in _relative_matcher()(doc):
        span = doc[s:e]
        delta = RELATIVE_DAYS[span.text.lower()]
        add("date", (today + dt.timedelta(days=delta)).isoformat(), span.start_char, span.end_char)
    for m in AMOUNT_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1].isspace():
            end -= 1
        add("amount", _amount_value(m), m.start(), end)
    return out


def _rank(entity: Entity) -> float:
    """The entity's place in :data:`PRIORITY`; a mobile without 8 / +7 comes after an order
    number, which the customer marked as such («заказ 9161234567»)."""
    if entity.type == "phone" and MOBILE_RE.fullmatch(entity.text):
        return PRIORITY["order_number"] + 0.5
    return PRIORITY[entity.type]


def extract_entities(text: str, today: dt.date | None = None) -> tuple[Entity, ...]:
    """All non-overlapping entities in reading order. ``today`` anchors relative dates."""
    cands = _candidates(text, today or dt.date.today())
    cands.sort(key=lambda e: (_rank(e), -(e.end - e.start), e.start))
    chosen: list[Entity] = []
    for c in cands:
        if all(c.end <= k.start or c.start >= k.end for k in chosen):
            chosen.append(c)
    return tuple(sorted(chosen, key=lambda e: e.start))


def entity_dicts(entities: tuple[Entity, ...]) -> list[dict[str, Any]]:
    return [
        {"type": e.type, "value": e.value, "start": e.start, "end": e.end, "text": e.text}
        for e in entities
    ]

"""Russian written in Latin letters: «gde moi zakaz» is «где мой заказ».

Transliteration has no single standard (ш is sh, щ is sch or shch, й is y, i or j, ь is ' or
nothing), so each Latin word is expanded into its plausible Cyrillic spellings, most likely
first, and the first one pymorphy3 knows wins; failing that, the first one of the trained
model's own vocabulary («promokod» is «промокод», which pymorphy3 does not know). As with the
keyboard layout (:mod:`nlu.layout`), a message is converted only when most of its Latin words
turn into known Russian words, and a Latin word of the training vocabulary is never touched;
English stays English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from nlu.layout import link_spans, replace_spans

MAX_CANDIDATES = 48  # spellings tried per word, most likely first
# Decoding a word costs up to ~0.2 ms; a message with more Latin words than this is not
# Russian in translit (it is a pasted text), and must not hold the event loop for long.
MAX_WORDS = 40
MIN_SHARE = 0.75  # of the message's Latin words (three letters or more) that must decode
_VOWELS = set("aeiouy")
# (Latin, Cyrillic options): longest first; the first option is the most likely one.
_MULTI: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shch", ("щ",)),
    ("sch", ("щ", "сч")),
    ("zh", ("ж",)),
    ("kh", ("х",)),
    ("ch", ("ч",)),
    ("sh", ("ш",)),
    ("ts", ("ц", "тс")),
    ("tz", ("ц",)),
    ("yu", ("ю",)),
    ("ju", ("ю",)),
    ("iu", ("ю", "иу")),
    ("ya", ("я",)),
    ("ja", ("я",)),
    ("ia", ("ия", "я")),
    ("yo", ("ё", "йо")),
    ("jo", ("ё",)),
)
_SINGLE: dict[str, tuple[str, ...]] = {
    "a": ("а",),
    "b": ("б",),
    "v": ("в",),
    "g": ("г",),
    "d": ("д",),
    "e": ("е", "э"),
    "z": ("з",),
    "i": ("и", "й", "ы"),
    "k": ("к",),
    "l": ("л",),
    "m": ("м",),
    "n": ("н",),
    "o": ("о",),
    "p": ("п",),
    "r": ("р",),
    "s": ("с",),
    "t": ("т",),
    "u": ("у",),
    "f": ("ф",),
    "h": ("х",),
    "c": ("ц", "к", "с"),
    "x": ("х", "кс"),
    "w": ("в",),
    "q": ("к",),
    "j": ("й", "ж"),
    "y": ("ы", "й", "и"),
    "'": ("ь",),
}
# A reflexive verb's ending as typed at a word's end: «polzovatsya», «polzovatsa»,
# «polzovatsia» are «пользоваться» («-тся» or «-ться», one letter apart in Latin). «-tsa» and
# «-tsia» are read as «-ца», «-ция» first: «ulitsa», «aktsia».
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tsya", ("тся", "ться")),
    ("tsia", ("ция", "тся", "ться")),
    ("tsa", ("ца", "тся", "ться")),
)
_AFTER_VOWEL = {"i": ("й", "и"), "y": ("й", "ы", "и")}  # «moi», «kakoy»
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_SOFT_AFTER = set("тлнсдрмзвкпб")  # «skolko» → «сколько»: ь is often left out


def _options(word: str, i: int) -> list[tuple[int, tuple[str, ...]]]:
    """(letters consumed, Cyrillic options) for position ``i`` of ``word``."""
    rest = len(word) - i
    out = [(rest, ru) for lat, ru in _ENDINGS if rest == len(lat) and word.endswith(lat)]
    out += [(len(lat), ru) for lat, ru in _MULTI if word.startswith(lat, i)]
    ch = word[i]
    if i == 0 and ch == "e":  # «eto», «ekran»: э starts words, е mostly does not
        out.append((1, ("э", "е")))
        return out
    single = _AFTER_VOWEL.get(ch) if i and word[i - 1] in _VOWELS else None
    out.append((1, single or _SINGLE.get(ch, (ch,))))
    return out


def spellings(word: str, limit: int = MAX_CANDIDATES) -> list[str]:
    """Cyrillic spellings of a lower-case Latin word, most likely first (at most ``limit``)."""
    beams: list[tuple[int, str]] = [(0, "")]  # (position, Cyrillic so far)
    done: list[str] = []
    while beams and len(done) < limit:
        nxt: list[tuple[int, str]] = []
        for pos, acc in beams:
            if pos == len(word):
                done.append(acc)
                continue
            for used, options in _options(word, pos):
                nxt.extend((pos + used, acc + ru) for ru in options)
        beams = nxt[: limit * 4]
    return done[:limit]


def decode(
    word: str,
    is_russian_word: Callable[[str], bool],
    is_trained_word: Callable[[str], bool] | None = None,
) -> str | None:
    """The first spelling of ``word`` pymorphy3 knows, then one with a dropped ь put back;
    failing both, the same with ``is_trained_word`` (the model's own vocabulary: «промокод»).

    The training vocabulary is asked second so that a word pymorphy3 reads stays as it was
    read: a form the model only guesses at must not win over a dictionary spelling."""
    found = spellings(word)
    for known in (is_russian_word, is_trained_word):
        if known is not None and (ru := _first_known(found, known)) is not None:
            return ru
    return None


def _first_known(found: list[str], known: Callable[[str], bool]) -> str | None:
    for ru in found:
        if known(ru.replace("ё", "е")):
            return ru
    for ru in found[:8]:
        for k in range(1, len(ru)):
            if ru[k - 1] in _SOFT_AFTER and ru[k] != "ь":
                soft = ru[:k] + "ь" + ru[k:]
                if known(soft):
                    return soft
        if ru[-1] in _SOFT_AFTER and known(ru + "ь"):
            return ru + "ь"
    return None


def fix_translit(
    text: str,
    is_russian_word: Callable[[str], bool],
    is_vocabulary: Callable[[str], bool],
    is_trained_word: Callable[[str], bool] | None = None,
) -> str:
    """``text`` with its transliterated words in Cyrillic, or ``text`` itself if it is not
    Russian in Latin letters. The first two predicates are those of
    :func:`nlu.layout.fix_layout`; ``is_trained_word`` accepts a Cyrillic spelling the model
    was trained on (or a form of one) that pymorphy3 does not know (:func:`decode`)."""
    if not re.search("[A-Za-z]", text):
        return text
    skip = link_spans(text)
    latin = [
        m
        for m in _WORD.finditer(text)
        if not any(a <= m.start() < b for a, b in skip)
        and not is_vocabulary(m.group().lower().strip("'"))
    ]
    words = sum(len(m.group()) >= 3 for m in latin)
    if words > MAX_WORDS:  # a pasted English text or log, not a question in translit
        return text
    allowed_misses = words - math.ceil(MIN_SHARE * words)
    replacements: list[tuple[int, int, str]] = []
    known = misses = 0
    for m in latin:
        raw = m.group()
        counts = len(raw) >= 3
        ru = decode(raw.lower(), is_russian_word, is_trained_word)
        if ru is None:
            misses += counts
            if misses > allowed_misses:  # the decision is made: stop decoding
                return text
            continue
        known += counts
        replacements.append((m.start(), m.end(), ru.capitalize() if raw[0].isupper() else ru))
    if not known or known < MIN_SHARE * words:
        return text
    return replace_spans(text, replacements)

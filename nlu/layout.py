"""Latin letters where Cyrillic was meant: a wrong keyboard layout («ult vjq pfrfp» is «где мой
заказ») and look-alike letters inside Russian words («зaкaз» with Latin «a»).

Russian speakers switch between the ЙЦУКЕН and QWERTY layouts all day and often type a phrase
before noticing the wrong one is on; every Russian search engine and keyboard corrects it. Here a
Latin word is read through the key map only when the message as a whole looks like that mistake:
most of its Latin words become known Russian words — of the dictionary or, failing it, of the
model's own training vocabulary («ghjvjrjl» is «промокод») — and a word that is itself in the
training vocabulary («wifi», a brand name) is never converted. English stays English: «where is my
order» maps to «цруку шы ьн щквук», which no dictionary knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~"
_RU = "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ"
_TO_RU = str.maketrans(_EN, _RU)
# A run of keys that are letters on the Russian layout, with at least one Latin letter in it.
_RUN = re.compile(r"[A-Za-z\[\]{};:'\",.<>`~]*[A-Za-z][A-Za-z\[\]{};:'\",.<>`~]*")
_EDGE_PUNCT = ",.;:'\""  # as trailing/leading keys these are far likelier punctuation
_SKIP = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|\S+\.(?:ru|com|net|org|su)\S*", re.IGNORECASE)
MIN_SHARE = 0.6  # of the message's Latin words (three letters or more) that must become Russian


# Latin letters that look like Cyrillic ones: autocorrect, copy-paste and some keyboards mix them
# into Russian words, which then fall apart into pieces for every tokenizer.
_HOMOGLYPHS = str.maketrans("aeopcxykmthbAEOPCXYKMTHB", "аеорсхукмтнвАЕОРСХУКМТНВ")
_MIXED = re.compile(r"\b(?=\w*[а-яёА-ЯЁ])(?=\w*[A-Za-z])\w+\b")
_LATIN = re.compile("[A-Za-z]")


def fix_homoglyphs(text: str) -> str:
    """«где мoй зaкaз» (Latin «o», «a») → «где мой заказ»: in a word that mixes the two
    alphabets, Latin look-alikes become Cyrillic, if that leaves no Latin letter in it."""

    def one(m: re.Match[str]) -> str:
        word = m.group().translate(_HOMOGLYPHS)
        return m.group() if _LATIN.search(word) else word

    return _MIXED.sub(one, text)


def to_russian_layout(text: str) -> str:
    """What ``text`` typed on QWERTY would have been on ЙЦУКЕН («ult» → «где»)."""
    return text.translate(_TO_RU)


def link_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` has URLs and e-mails: Latin there is meant, never converted."""
    return [m.span() for m in _SKIP.finditer(text)]


def replace_spans(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, new)`` span (in order, not overlapping) replaced."""
    out, pos = [], 0
    for start, end, new in replacements:
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _candidates(run: str) -> list[tuple[str, str, str]]:
    """Ways to read one run: (leading punctuation kept, core converted, trailing kept)."""
    out = [("", run, "")]
    stripped = run.rstrip(_EDGE_PUNCT)
    if stripped and stripped != run:
        out.append(("", stripped, run[len(stripped) :]))
    both = stripped.lstrip(_EDGE_PUNCT)
    if both and both != stripped:
        out.append((stripped[: len(stripped) - len(both)], both, run[len(stripped) :]))
    return out


def fix_layout(
    text: str,
    is_russian_word: Callable[[str], bool],
    is_vocabulary: Callable[[str], bool],
    is_trained_word: Callable[[str], bool] | None = None,
) -> str:
    """``text`` with its wrong-layout words converted, or ``text`` itself if it is not that.

    ``is_russian_word`` says whether a lower-case Cyrillic word is a known Russian word;
    ``is_vocabulary`` whether a lower-case Latin word is one the model was trained on;
    ``is_trained_word``, asked only when no reading of a run is a known Russian word, whether
    a Cyrillic word is one of the model's own (or a form of one) that the dictionary lacks:
    «ghjvjrjl» is «промокод», as transliteration reads «promokod» (:func:`nlu.translit.decode`).
    """
    if not re.search("[A-Za-z]", text):
        return text
    skip = link_spans(text)
    replacements: list[tuple[int, int, str]] = []
    words = known = 0
    for m in _RUN.finditer(text):
        start, end = m.span()
        run = m.group()
        if any(a <= start < b for a, b in skip) or is_vocabulary(run.lower().strip(_EDGE_PUNCT)):
            continue
        # Short words decide nothing: «tv», «vk», «gb» read as «ем», «мл», «пи», all in the
        # dictionary. They are converted only along with a message that longer words decided.
        counts = sum(ch.isalpha() for ch in run) >= 3
        words += counts
        readings = [(lead, core.translate(_TO_RU), trail) for lead, core, trail in _candidates(run)]
        good = [r for r in readings if is_russian_word(r[1].lower().replace("ё", "е"))]
        if not good and is_trained_word is not None:
            good = [r for r in readings if is_trained_word(r[1].lower().replace("ё", "е"))]
        if good:
            known += counts
            # «lf,» is «да,» rather than «даб»; «pyf.» is «знаю», not «зна.»: a long word
            # read whole wins, else punctuation at the edges stays punctuation.
            whole = good[0] if good[0] is readings[0] and len(good[0][1]) >= 4 else None
            lead, ru, trail = whole or good[-1]
        else:  # a typo in the wrong layout: convert it anyway, the speller may fix it
            lead, ru, trail = readings[-1]
        replacements.append((start, end, lead + ru + trail))
    if not known or known < MIN_SHARE * words:
        return text
    return replace_spans(text, replacements)

"""Which Latin words mean something: «xiaomi», «thanks», «gde» do; «asdfgh», «sdfsdf» do not.

A message none of whose words is evidence is rejected (``reject_unknown_words``,
:meth:`nlu.model.IntentModel._unread`). Latin words cannot be looked up: the dictionary is
Russian, while brands («iPhone», «Xiaomi») and English («thanks», «where is my order») are read
by the sentence encoder and must count. What must not count is a keyboard mash, and a mash has
a shape a word does not: keys next to each other on one row («asdfgh», «qwerty», «zxcvb»,
«ghjkl»), a syllable typed over and over («jkjkjk», «sdfsdfsdf»), a long word without a vowel, a
long run of consonants, or a long word from one row with hardly a vowel («aslkdjf»). Such a word
still counts if it reads as a Russian word through the keyboard layout or transliteration on
its own (:func:`means_something`); the training vocabulary is asked before this module.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from nlu.layout import to_russian_layout
from nlu.translit import decode

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEXT = {a + b for row in _ROWS for a, b in itertools.pairwise(row)}
_NEXT |= {pair[::-1] for pair in _NEXT}  # the same keys right to left («lkjh»)
_ROW_OF = {ch: i for i, row in enumerate(_ROWS) for ch in row}
_VOWELS = frozenset("aeiouy")
_LETTERS = re.compile("[a-z]+")
_REPEATED = re.compile(r"(.{1,3}?)\1+")  # a unit of 1–3 letters typed again and again
_CONSONANTS = re.compile("[^aeiouy]{6,}")  # «lengths» has five in a row; a mash has more
MIN_LENGTH = 4  # shorter Latin words («ok», «tv», «usb», «jbl») are always taken as meant
KEY_RUN = 4  # adjacent keys of one row: a mash if they make up ⅔ of the word, or at 5 anyway


def _key_run(word: str) -> int:
    """The longest stretch of ``word`` typed on neighbouring keys of one row, one way."""
    best = run = 1
    last = ""
    for a, b in itertools.pairwise(word):
        way = _direction(a, b) if a + b in _NEXT else ""
        run = 1 if not way else run + 1 if way == last else 2
        last = way
        best = max(best, run)
    return best


def _direction(a: str, b: str) -> str:
    row = _ROWS[_ROW_OF[a]]
    return "right" if row.index(b) > row.index(a) else "left"


def _repeated(word: str) -> bool:
    """«jkjkjk», «sdfsdfsdf», «hahah»: one unit over and over, the last time perhaps cut short."""
    m = _REPEATED.match(word)
    return m is not None and m[1].startswith(word[m.end() :])


def keyboard_mash(word: str) -> bool:
    """True if the lower-case Latin ``word`` has the shape of keys hit at random."""
    letters = "".join(_LETTERS.findall(word))
    n = len(letters)
    if n < MIN_LENGTH:
        return False
    run = _key_run(letters)
    if run >= KEY_RUN + 1 or (run >= KEY_RUN and 3 * run >= 2 * n):  # «liberty» has «erty»
        return True
    if _repeated(letters):
        return True
    vowels = sum(ch in _VOWELS for ch in letters)
    if (vowels == 0 and n >= 5) or _CONSONANTS.search(letters):
        return True
    one_row = len({_ROW_OF[ch] for ch in letters}) == 1
    return one_row and n >= 6 and 4 * vowels <= n


def means_something(word: str, is_russian_word: Callable[[str], bool]) -> bool:
    """True if the lower-case Latin ``word`` can be evidence: not a mash, or a mash in shape
    only that reads as a Russian word through the keyboard layout or transliteration."""
    if not keyboard_mash(word):
        return True
    return is_russian_word(to_russian_layout(word)) or decode(word, is_russian_word) is not None

"""Text normalisation shared by features, entities and the spelling corrector.

Why a separate module: the same normalisation must run at training and at prediction time, and
the expensive resources (spaCy's Russian tokenizer, pymorphy3's analyser) must be built once per
process, lazily, so that importing :mod:`nlu` stays cheap and cold start stays well under 3 s.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language

URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>«»\"']+|\b[\w-]+\.(?:ru|рф|com|net|org|su)(?:/[^\s]*)?\b",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# «1234 5678» (an order number in two groups) is one number, as «12345678» is.
NUMBER_RE = re.compile(r"(?<!\d)(?<!\d )\d{4} \d{4}(?! ?\d)|\d+(?:[.,:/-]\d+)*")
# Letters (Cyrillic/Latin) with inner hyphens; used by the spelling corrector and word features.
WORD_RE = re.compile(r"[a-zа-я]+(?:-[a-zа-я]+)*")

PLACEHOLDER_URL = "urltoken"
PLACEHOLDER_EMAIL = "emailtoken"
PLACEHOLDER_NUM = "numtoken"
PLACEHOLDERS = frozenset({PLACEHOLDER_URL, PLACEHOLDER_EMAIL, PLACEHOLDER_NUM})

_lock = threading.Lock()
_nlp: Language | None = None
_morph: Any = None


def tokenizer() -> Language:
    """Return the process-wide ``spacy.blank("ru")`` pipeline (tokenizer only, ~0.3 s to build)."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy

                _nlp = spacy.blank("ru")
    return _nlp


def morph() -> Any:
    """Return the process-wide pymorphy3 analyser; constructing one costs ~0.5 s and 15 MB."""
    global _morph
    if _morph is None:
        with _lock:
            if _morph is None:
                import pymorphy3

                _morph = pymorphy3.MorphAnalyzer(lang="ru")
    return _morph


def basic_normalize(text: str) -> str:
    """Lower-case, ``ё``→``е``, collapse whitespace. Keeps digits and punctuation."""
    return " ".join(text.lower().replace("ё", "е").split())


def mask_placeholders(text: str) -> str:
    """Replace URLs, e-mails and numbers by placeholder words.

    Features should learn "the message contains an order number", not the number itself, which
    would otherwise become a rare, useless n-gram.
    """
    text = EMAIL_RE.sub(f" {PLACEHOLDER_EMAIL} ", text)
    text = URL_RE.sub(f" {PLACEHOLDER_URL} ", text)
    text = NUMBER_RE.sub(f" {PLACEHOLDER_NUM} ", text)
    return text


def words(text: str) -> list[str]:
    """Alphabetic words of an already normalised text (spaCy-independent, fast path)."""
    return WORD_RE.findall(text)


_STRETCH = re.compile(r"([а-я])\1{2,}")


@lru_cache(maxsize=65536)
def unstretch(word: str) -> str:
    """«приииивеееет» → «привет», «заказзззз» → «заказ», «дааааа» → «да».

    A letter repeated three times or more is emphasis (Russian words almost never have three in
    a row): each such run becomes one letter, or two if only that gives a known word
    («иммммунитет» → «иммунитет»); the spelling corrector deals with the rest.
    """
    if not _STRETCH.search(word):
        return word
    single = _STRETCH.sub(r"\1", word)
    if is_known_word(single):
        return single
    double = _STRETCH.sub(r"\1\1", word)
    return double if is_known_word(double) else single


def tokens(text: str) -> list[str]:
    """spaCy tokens (Russian rules: abbreviations, hyphenated words) without whitespace."""
    return [t.text for t in tokenizer().make_doc(text) if not t.is_space]


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Most probable pymorphy3 normal form; placeholders and Latin words stay as they are."""
    if word in PLACEHOLDERS or not re.search("[а-я]", word):
        return word
    parses = morph().parse(word)
    return str(parses[0].normal_form).replace("ё", "е") if parses else word


@lru_cache(maxsize=65536)
def is_known_word(word: str) -> bool:
    """True if pymorphy3's dictionary knows the word (so it is not a typo)."""
    return bool(morph().word_is_known(word))

"""A small SymSpell-style spelling corrector whose dictionary is the training vocabulary.

Why: customers type «товр», «дастака», «интеренет». The words that matter for intent
classification are exactly the words of the training data, so the corrector maps unknown words to
the closest frequent training word (Damerau-Levenshtein distance ≤ 1 for short words, ≤ 2 for
longer ones). Words pymorphy3 knows are never "corrected" — they are real Russian words, and
rewriting them to a training word would invent signal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from nlu.text import PLACEHOLDERS, is_known_word

MIN_LEN = 4  # shorter words are too ambiguous to correct
# The short words a glued pair may begin or end with («вкорзину», «накаком», «мойзаказ»).
_SHORT = (
    "а в и к о с у я во до же за из ко ли мы на не ни но об он от по со то ты бы вы уже как"
    " мой моя мое мои мне где что кто чем"
)
SHORT_WORDS = frozenset(_SHORT.split())


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt: set[str] = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


def _max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def damerau_levenshtein(a: str, b: str) -> int:
    """Optimal string alignment distance (adjacent transpositions count as one edit)."""
    la, lb = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[lb]


class SpellCorrector:
    """Corrects single words against a frequency dictionary built from the training texts."""

    def __init__(self, counts: dict[str, int] | None = None, *, unglue: bool = True) -> None:
        self.counts: dict[str, int] = dict(counts or {})
        self.unglue = unglue  # «мойзаказ» → «мой заказ» (:meth:`_unglued`)
        self._index: dict[str, list[str]] = {}
        for word in self.counts:
            for d in _deletes(word, _max_distance(word)):
                self._index.setdefault(d, []).append(word)
        self.correct = lru_cache(maxsize=32768)(self._correct)

    @classmethod
    def from_texts(cls, texts: Iterable[list[str]], *, unglue: bool = True) -> SpellCorrector:
        """Build the dictionary from tokenised training texts (alphabetic words of length ≥ 3)."""
        counter: Counter[str] = Counter()
        for ws in texts:
            counter.update(w for w in ws if len(w) >= 3 and w not in PLACEHOLDERS)
        return cls(dict(counter), unglue=unglue)

    def _correct(self, word: str) -> str:
        if len(word) < MIN_LEN or word in self.counts or word in PLACEHOLDERS:
            return word
        if is_known_word(word):
            return word
        max_d = _max_distance(word)
        best: tuple[int, int, str] | None = None
        for d in _deletes(word, max_d):
            for cand in self._index.get(d, ()):
                if abs(len(cand) - len(word)) > max_d:
                    continue
                dist = damerau_levenshtein(word, cand)
                if dist > max_d:
                    continue
                key = (dist, -self.counts[cand], cand)
                if best is None or key < best:
                    best = key
        if best is not None:
            return best[2]
        return self._unglued(word) if self.unglue else word

    def _unglued(self, word: str) -> str:
        """Two words typed without the space between them («мойзаказ» → «мой заказ»), when no
        single word is close enough: one half must be a training word, the other a training
        word, a word of five letters or more that pymorphy3 knows, or one of
        :data:`SHORT_WORDS` — pymorphy3 alone knows enough short rare words to cut «интеренет»
        into «инте» and «ренет», and «мастеркард» into «мастер» and «кард». The split with more
        training words, then the more even one, wins. Otherwise the word as typed."""
        best: tuple[int, int, str] | None = None
        for i in range(1, len(word)):
            parts = (word[:i], word[i:])
            in_training = sum(p in self.counts for p in parts)
            if not in_training or not all(self._whole(p) for p in parts):
                continue
            key = (-in_training, -min(map(len, parts)), " ".join(parts))
            if best is None or key < best:
                best = key
        return best[2] if best is not None else word

    def _whole(self, part: str) -> bool:
        if part in SHORT_WORDS or (len(part) >= 3 and part in self.counts):
            return True
        return len(part) >= 5 and is_known_word(part)

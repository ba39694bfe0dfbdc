"""A score typed to the bot: «5», «ставлю 1 звезду», «5 звёзд», «оценка 4», «на 5».

Customers used to rating apps grade the bot's help without being asked. Alone such a message
reads as nothing («не понял»). :func:`score` recognises it — a number from 1 to 5, alone or
with «ставлю», «оценка», «на», «звезда», «балл» around it, and nothing else — and
bot/feedback.py takes 4–5 as «👍 Помогло» and 1–3 as «👎 Не помогло» (the same cut as the
conversation rating's low score, bot/rating.py).

A bare «1», «2» or «3» is no score: it is more likely an option's number typed after the offer
was used up (bot/choice.py), which stays «не понял»; «ставлю 2», «2 звезды» are scores.
"""

from __future__ import annotations

import re

HIGH = 4
"""A score from this up says the help was good."""

_SCORE = re.compile(
    # «спасибо, оценка 5», «спасибо большое, ставлю 5»: thanks before the score (QA 3 Q13)
    r"^\W*(?:(?:спасибо|спс|благодарю|большое|я|вам|вы|ну|ставлю|поставлю|ставим|оценка|"
    r"оцениваю|оценю|моя|на)[\s,!.]+)*"
    r"([1-5])"
    r"(?:\s*(?:из\s+5|/\s*5))?"
    r"(?:\s+(?:звезд\w*|звёзд\w*|балл\w*|бал))?"
    r"(?:\s+(?:ставлю|поставлю|вам))?"
    r"[\s!.)]*$",
    re.IGNORECASE,
)


def score(text: str) -> int | None:
    """The score a message gives the bot («5!», «ставлю 1 звезду», «4 из 5»), or None."""
    found = _SCORE.match(text.strip())
    if found is None:
        return None
    given = int(found.group(1))
    bare = re.fullmatch(r"\W*[1-5]\W*", text.strip()) is not None
    return None if bare and given < HIGH else given

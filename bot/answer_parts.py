"""Another question about the answer just given: the part of it that answers, not all of it again.

«в какое время привозит курьер» — the intervals' answer — «а в выходные тоже доставляете?»: the
NLU reads the same entry again, and the customer got the same long text twice, word for word
(QA D21, D23, D2). The follow-up asks something the answer says somewhere, or does not say: so
when a message is read as the entry the customer's previous message was answered with
(:func:`bot.repeats.just_answered`) and that answer is longer than :data:`bot.repeats.SHORT_ANSWER`,
the bot says ``utter_answer_part`` with ``{part}``, the sentences of the answer that hold the
follow-up's own words (:func:`relevant_part`: «Курьеры работают каждый день, включая
выходные…»), or, with none, ``utter_answer_above`` («в ответе выше — всё, что я знаю…»); both
with the entry's buttons and «Позвать оператора». Neither is a miss: the customer decides.

The same question again («как вернуть товар» twice, bot/repeats.py) keeps its reminder; a short
answer is answered again whole, as is one an editor rewrote since (:func:`bot.repeats.just_answered`
only counts an answer that still says what the customer read).
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from bot import followup, repeats
from nlu.question_words import QUESTION_WORDS

if TYPE_CHECKING:
    from bot.dialogue import Turn
    from bot.events import Outbound
    from knowledge_base.models import FAQEntry

PART = "utter_answer_part"
ABOVE = "utter_answer_above"
STEM = 5
MAX_SENTENCES = 2
"""More sentences than this holding the follow-up's words: they are the topic's words, and the
part would be most of the answer again."""

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[А-ЯЁA-Z«\"(0-9•])")
_WORD = re.compile(r"[^\W\d_]+|\d+")
# Words that say nothing of what is asked: pronouns, prepositions, particles, the question
# words, «можно», «быть», «если».
_NOT_ASKED = frozenset(
    {
        *QUESTION_WORDS,
        *("а", "и", "или", "но", "ну", "же", "то", "так", "вот", "ли", "бы", "не", "ни"),
        *("тоже", "также", "еще", "ещё", "уже", "только", "даже", "если", "тогда", "там"),
        *("я", "мы", "вы", "ты", "он", "она", "оно", "они", "себя", "свой", "мой", "ваш"),
        *("наш", "это", "этот", "тот", "такой", "весь", "у", "в", "во", "на", "с", "со", "по"),
        *("о", "об", "за", "для", "от", "до", "из", "к", "ко", "при", "без", "про", "через"),
        *("да", "нет", "можно", "нельзя", "надо", "нужно", "быть", "мочь", "есть", "как-то"),
        *("скажите", "подсказать", "сказать", "подскажите", "пожалуйста"),
    }
)


_DAYS = frozenset({"ежедневно", "выходной"})
_ALSO = {
    day: _DAYS
    for day in ("суббота", "воскресенье", "воскресение", "выходной", "праздник", "праздничный")
}
"""A day off asked about is also what «ежедневно», «включая выходные» answer: «а в воскресенье
работаете?» after «Магазины обычно работают ежедневно…»."""


_PRICE_ASKED = frozenset({"стоить", "стоимость", "цена", "почем", "платный", "обойтись"})
_PRICE_SAID = re.compile(r"\d\s*(?:₽|руб)|бесплатн", re.IGNORECASE)
_PRICE = "#price"
"""«и сколько стоит» after the installation's answer asks its sentence with the prices («…— от 1 990
₽»), which says none of the question's words (QA 3 Q8, QA1): a question of price
(:data:`_PRICE_ASKED`) also finds a sentence with a sum in roubles or «бесплатно»."""


UNSAID = 2
"""Distinctive words of a follow-up the answer never says that make it a question the answer
does not cover (:func:`_off_topic`)."""
_SPELLED = re.compile(r"\be-mail\b")
_SAME = {"sms": "смс", "смска": "смс", "емейл": "email", "имейл": "email", "мейл": "email"}
"""The answers write «SMS», «e-mail»; customers write «смс», «смску», «имейл» (QA 3 QA41:
«отпишите меня от смс…» got the sentence about e-mail letters): one lemma for each."""


def relevant_part(question: str, answer: str, topic: str = "") -> str | None:
    """The sentences of ``answer`` (at most :data:`MAX_SENTENCES`, in its order) that hold the
    most of ``question``'s own words (:func:`_score`); None if none holds one, or more than
    :data:`MAX_SENTENCES` hold as many, or if they were chosen on the entry's own words only
    (:func:`_off_topic`). A bullet («• при получении — картой…») comes after the line it lists
    under («Оплатить заказ можно:»)."""
    words = _lemmas(question) - _NOT_ASKED
    if not words:
        return None
    asked = words | {also for word in words for also in _ALSO.get(word, ())}
    if asked & _PRICE_ASKED:
        asked.add(_PRICE)
    sentences = _sentences(answer)
    scores = [_score(asked, _said(s)) for _, s in sentences]
    best = max(scores, default=0.0)
    if best == 0:
        return None
    chosen = [i for i, score in enumerate(scores) if score == best]
    if len(chosen) > MAX_SENTENCES:
        return None
    if _off_topic(words, topic, [_said(s) for _, s in sentences], chosen):
        return None
    lines: list[str] = []
    for i in chosen:
        header, sentence = sentences[i]
        if header and header not in lines:
            lines.append(header)
        lines.append(sentence)
    return "\n".join(lines)


def _off_topic(words: set[str], topic: str, said: list[set[str]], chosen: list[int]) -> bool:
    """«а если бракованный товар был куплен по акции со скидкой деньги вернут полностью?» after
    «Товар с браком» (QA 3 QA39): its distinctive words — not in the entry's title and questions
    (``topic``), not numbers — are «акция», «скидка», «полностью»; the answer says none of them,
    and the sentence chosen («после гарантийного ремонта… вернуть деньги») holds only the topic's
    words. Then the answer does not cover the question: True, the pointer to it instead.

    A verb is how a thing is asked («дадите», «вернут»), not what; and one word unsaid may be
    a synonym: «а счет-фактуру дадите?» after the answer for a company («счёт в PDF…», QA52)
    still gets its sentence. It takes :data:`UNSAID` distinctive words the answer never says."""
    known = _lemmas(topic)
    distinctive = {w for w in words if w.isalpha() and not _says(w, known) and not _verb(w)}
    whole = set().union(*said)
    if sum(not _says(w, whole) for w in distinctive) < UNSAID:
        return False
    return not any(_says(w, said[i]) for w in distinctive for i in chosen)


def _verb(word: str) -> bool:
    """A verb or an infinitive, by pymorphy3's likeliest reading."""
    from nlu.text import morph

    return morph().parse(word)[0].tag.POS in {"INFN", "VERB"}


def _says(word: str, said: set[str]) -> bool:
    """``said`` holds ``word`` as :func:`_score` counts it, or as a price or a day off."""
    return (
        _score({word}, said) > 0
        or (word in _PRICE_ASKED and _PRICE in said)
        or bool(_ALSO.get(word, frozenset()) & said)
    )


def _score(asked: set[str], said: set[str]) -> float:
    """1 for each word asked that the sentence says, by lemma; ½ for one it says only in
    another form of the same stem (:data:`STEM` letters: «оформить» — «оформляется»,
    «доставляете» — «доставку»), so the sentence with the very word wins."""
    stems = {w[:STEM] for w in said if len(w) >= STEM}
    return sum(
        1.0 if word in said else 0.5 if len(word) >= STEM and word[:STEM] in stems else 0.0
        for word in asked
    )


def _sentences(answer: str) -> list[tuple[str, str]]:
    """(the line a bullet lists under, or "", the sentence) for each sentence of ``answer``."""
    out: list[tuple[str, str]] = []
    header = ""
    for line in answer.splitlines():
        line = line.strip()
        if not line:
            continue
        bullet = line.startswith(("•", "-", "—"))
        for sentence in _SENTENCE_END.split(line):
            out.append((header if bullet else "", sentence.strip()))
        if not bullet:
            header = line if line.endswith(":") else ""
    return out


def _said(sentence: str) -> set[str]:
    """The sentence's lemmas, and :data:`_PRICE` when it names a price."""
    said = _lemmas(sentence)
    return said | {_PRICE} if _PRICE_SAID.search(sentence) else said


def _lemmas(text: str) -> set[str]:
    from nlu.text import lemma

    text = _SPELLED.sub("email", text.lower().replace("ё", "е"))
    lemmas = (lemma(w) for w in _WORD.findall(text))
    return {_SAME.get(w, w) for w in lemmas}


async def handled(turn: Turn, entry_id: str) -> bool:
    """Answer a follow-up read as ``entry_id``, the answer just given, with its part (or the
    pointer to it); False when the answer is to be given in full."""
    entry = turn.kb.get(entry_id)
    responses = turn.domain.responses
    if entry is None or entry.human_only or PART not in responses or ABOVE not in responses:
        return False
    answer = entry.render(turn.channel)
    if len(answer.text) <= repeats.SHORT_ANSWER:
        return False
    if await repeats.just_answered(turn) != entry_id:
        return False
    _say(turn, entry_id, answer, relevant_part(turn.event.text, answer.text, _topic(entry)))
    return True


async def missed(turn: Turn) -> bool:
    """«а счет-фактуру дадите?» right after the answer for a company's order, read as nothing
    alone (QA 3 Q12, QA52: «не понял»): an elliptic follow-up (bot/followup.py is_elliptic) the
    NLU did not understand gets the part of the answer just given that holds its words («…счёт в
    PDF придёт на e-mail…»); False when no sentence holds them (then «не понял», as before)."""
    if not followup.is_elliptic(turn.event.text):
        return False
    entry_id = await repeats.just_answered(turn)
    entry = turn.kb.get(entry_id or "")
    responses = turn.domain.responses
    if entry_id is None or entry is None or entry.human_only or PART not in responses:
        return False
    answer = entry.render(turn.channel)
    part = relevant_part(turn.event.text, answer.text, _topic(entry))
    if part is None:
        return False
    _say(turn, entry_id, answer, part)
    return True


def _topic(entry: FAQEntry) -> str:
    """The entry's title and questions: the words of its topic, not of one follow-up."""
    return "\n".join((entry.title, *entry.questions))


def _say(turn: Turn, entry_id: str, answer: Outbound, part: str | None) -> None:
    """``utter_answer_part`` with ``part`` (or ``utter_answer_above`` without), the entry's
    buttons and «Позвать оператора»; not a miss."""
    from bot.dialogue import operator_button

    if part is not None:
        response, said = PART, turn.domain.render(PART, turn.channel, part=part)
    else:
        response, said = ABOVE, turn.domain.render(ABOVE, turn.channel)
    own = said.buttons or (operator_button(),)
    message = dataclasses.replace(said, buttons=(*answer.buttons, *own))
    turn.conversation.unknown_streak = 0
    turn.say(message, {"response": response, "faq": entry_id})
    turn.conversation.context = followup.remember(turn.conversation.context, entry_id, turn.now)

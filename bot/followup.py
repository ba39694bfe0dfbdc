"""A short follow-up is read in the light of the answer before it.

«Сколько стоит доставка?» — answered — «а по времени сколько?». Alone, the follow-up is a weak
reading (delivery time at 0.31: «Уточните…»); right after an answer about delivery, a person
hears a question about delivery. So when a customer's message is elliptic («а …», «и …», at
most six words), the NLU did not answer it, and the bot answered an FAQ entry in this
conversation within the last ``policy.followup_window_minutes``, the entries of that entry's
category (other than the entry itself) get ``policy.followup_category_bonus`` added to their
scores and the answer / clarify / reject decision is taken again with the NLU's own thresholds.

A follow-up that only swaps a detail of the question just answered — «а на телек?» after the
warranty answer, «а если больше 14 дней прошло?» after the return answer — means that same
question: alone it reads as nothing (or as a stray guess), and the bonus above never favours
the entry itself. Such a fragment (:func:`is_substitution`: «а»/«и», then a preposition or
«если», no question word of its own) is read once more after the answered entry's title
(«Срок гарантии на телек?») and that reading, if the NLU answers it, is the one acted on.

Such a fragment may end in «можно?» / «нельзя?» / «ли»: «а на год можно?» after the installment
answer asks whether that answer holds for a year, nothing new. «а если коробку выкинул?» after
the return answer hesitated between the warranty without a receipt and goods damaged in
delivery, and the category bonus overturned the model's first guess for the neighbour, while
«Как вернуть товар если коробку выкинул?» is the return answer again. So when the bonus only
settles the model's own lean («а по срокам?» after the delivery cost: the delivery time) it
stands; when it overturns it, the reading after the title comes first.

A short message that points back at the thing just discussed with no question of its own
(:func:`refers_back`: «я его уже распаковал и попробовал» after «хочу вернуть пылесос» — alone
«не понял» —, «так можно или нет?») is read after the title the same way, taken if the NLU
answers that.

«что делать-то?», «и что мне теперь делать?», «как быть?» right after an answer
(:func:`asks_what_to_do`) asks what to do about the thing just answered — the answer's own
steps, which the customer has not taken in. Alone the NLU reads it as small talk («как дела»)
or not at all; after an answer it is read as that entry, marked ``followup_what_now``, and
handled as the answer asked again (bot/repeats.py: «Я ответил на этот вопрос выше…», the
entry's links and «Позвать оператора»; the next miss hands over).

A message the NLU could only guess at whose first guess is the entry just answered
(:func:`in_topic`: «пишет ошибка 3ds» after the answer why a payment fails, alone «Уточните: Не
проходит оплата / Привезли не тот товар») is about that topic: read as that entry, marked
``followup_topic``, and — right after its answer — a re-ask only in the words of the question
(bot/repeats.py), else the part of the answer about it (bot/answer_parts.py). The topic
under way is never offered as if it were new: when it is a later guess, «Уточните…» offers
only the guesses before it (:func:`before_topic`).

A bare question about what the answer offers — «как оформить» after the «Вольт-защита+» claim,
«а 31 декабря работаете» after the stores' hours (bot/bare_asks.py) — is read after the answered
entry's title as well, and that reading is taken when it stays in that entry's topic, however
surely the words alone read as another (the checkout, the support's hours); marked
``followup_bare``. A small-talk or service reading of the words alone stands. With no verb,
«а 1 января?», «а 31 декабря?», «а в воскресенье?» right after an answer that gives hours (the
stores', the support's) asks that answer about that day: read as that entry, marked
``followup_when``, and answered in full (not «Я ответил на этот вопрос выше»).

A short reply to «Что именно вас интересует?» / «Уточните…» (:func:`after_offer`) is read after
the customer's question it answers: «гарантия» — options — «а на телефон сколько» alone was the
support phone number, «мне про ремонт» the repair status; «гарантия а на телефон сколько» is the
warranty period and «гарантия мне про ремонт» the warranty repair. That reading is taken when it
answers an entry of an offered option's category more surely than the reply alone.

It can turn a clarify or a miss into an answer about the topic just discussed; a message the
NLU answered is changed only when it is such a fragment or elliptic, the NLU's entry is of
another topic and the fragment read after the title is answered more surely («а в воскресенье
работаете» after the shops' hours is not the courier's intervals, «а экран треснутый примут?»
after the trade-in answer is not goods damaged in delivery). Measured with
``python -m bench.followups`` (docs/nlu.md).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from typing import Any

from bot.bare_asks import asks_bare, asks_when, tells_hours
from bot.config import ProjectConfig
from bot.readings import clarify_options
from knowledge_base.models import FAQEntry, KnowledgeBase
from nlu import NLUConfig
from nlu.api import Decision, IntentScore, Prediction
from nlu.question_words import has_question_word

LAST_FAQ = "last_faq"  # conversation context: {"id": entry id, "at": ISO time}
MARKERS = ("а ", "и ")
MAX_WORDS = 6
SUBSTITUTION_MAX_WORDS = 8  # «а если он уже был в использовании»
_SUBSTITUTION = re.compile(
    r"^[аи]\s+(?:если|на|в|во|до|для|за|по|с|со|без|от|из|к|ко|при|через|про|об?)\s+\w", re.I
)
"""«а на телек?», «а до пункта выдачи?», «а если он уже был в использовании» — not «а у вас
есть собаки?» («у вас» starts a question of its own)."""


def _asks_own(text: str) -> bool:
    """A question word of its own (nlu.question_words), or «есть» («а в магазине есть
    парковка?»). Not «можно», «нельзя», «ли»: «а на год можно?» asks the same question."""
    return has_question_word(text) or "есть" in re.findall(r"\w+", text)


SHORT_REPLY_MAX_WORDS = 6
_ANAPHORA = frozenset(
    ["его", "ее", "их", "он", "она", "оно", "они", "него", "нее", "них", "им", "ним", "ей", "ней"]
)
"""«я его уже распаковал»: the thing of the answer just given."""


BARE = "followup_bare"  # Prediction.extra: «как оформить» read after the answer's title
WHEN = "followup_when"  # Prediction.extra (the NLU's confidence): «а 1 января?» after hours
TOPIC = "followup_topic"  # Prediction.extra (the NLU's confidence): a guess settled by context
WHAT_NOW = "followup_what_now"  # Prediction.extra (the NLU's confidence): «что делать-то?»
_WHAT_NOW = re.compile(
    r"^(?:(?:а|и|ну|так|ок|ладно|хорошо)[,\s]+)*"
    r"(?:(?:что|че|чо|шо)(?:\s+(?:же|мне|нам|теперь|тогда|сейчас|с\s+(?:ним|ней|ними|этим)))*"
    r"\s+(?:делать|дальше|теперь)"
    r"|как\s+(?:же\s+)?(?:мне\s+|нам\s+)?(?:теперь\s+)?быть)"
    r"(?:[\s-]+(?:то|же|теперь|дальше|тогда|мне|нам|делать|с\s+(?:ним|ней|ними|этим)))*"
    r"[\s?!.…]*$"
)
"""«что делать-то», «и что мне теперь делать?», «что с ним делать», «как быть», «и что
дальше?» — nothing but asking what to do now."""


def asks_what_to_do(text: str) -> bool:
    """Does the message only ask what to do now (:data:`_WHAT_NOW`)? «что делать если
    разбили экран» is a question of its own."""
    return _WHAT_NOW.match(text.strip().lower().replace("ё", "е")) is not None


def remember(context: dict[str, Any] | None, entry_id: str, now: datetime) -> dict[str, Any]:
    """The conversation's context after the bot answered ``entry_id``."""
    return {**(context or {}), LAST_FAQ: {"id": entry_id, "at": now.isoformat()}}


def asks_another_entry(
    prediction: Prediction | None, context: dict[str, Any] | None, kb: KnowledgeBase
) -> bool:
    """Does a corrected message (Telegram's edit) confidently ask about another entry than
    the one the bot answered last? Then the correction deserves its own answer."""
    if prediction is None or prediction.decision is not Decision.ANSWER:
        return False
    last = (context or {}).get(LAST_FAQ) or {}
    return prediction.intent in kb and prediction.intent != last.get("id")


def is_elliptic(text: str) -> bool:
    """«а за 2 часа?», «и сроки?» — not «а как вернуть товар, купленный в прошлом месяце?»."""
    lowered = text.strip().lower()
    return lowered.startswith(MARKERS) and len(lowered.split()) <= MAX_WORDS


def is_substitution(text: str) -> bool:
    """An elliptic follow-up that swaps a detail of the last question and asks nothing new:
    «а на холодильник», «а если больше 14 дней прошло» — not «а по времени сколько?» (its
    own question word: the category bonus reads it), «а почему?» or «а ладно»."""
    lowered = text.strip().lower().replace("ё", "е")
    if len(lowered.split()) > SUBSTITUTION_MAX_WORDS or _SUBSTITUTION.match(lowered) is None:
        return False
    return not _asks_own(lowered)


def refers_back(text: str) -> bool:
    """A short message about the thing just discussed, with no question of its own: «я его уже
    распаковал и попробовал» after the return answer, «так можно или нет?»."""
    lowered = text.strip().lower().replace("ё", "е")
    words = re.findall(r"\w+", lowered)
    if not words or len(words) > SUBSTITUTION_MAX_WORDS or _asks_own(lowered):
        return False
    return words[0] == "так" or bool(set(words) & _ANAPHORA)


def last_entry(
    context: dict[str, Any] | None, kb: KnowledgeBase, config: ProjectConfig, now: datetime
) -> FAQEntry | None:
    """The entry the bot answered last in this conversation, if within the follow-up window
    (bot/next_step.py)."""
    return _last_entry(context, kb, config, now)


def _last_entry(
    context: dict[str, Any] | None, kb: KnowledgeBase, config: ProjectConfig, now: datetime
) -> FAQEntry | None:
    """The entry the bot answered last in this conversation, if within the follow-up window."""
    last = (context or {}).get(LAST_FAQ) or {}
    entry = kb.get(str(last.get("id", "")))
    try:
        answered_at = datetime.fromisoformat(str(last.get("at", "")))
    except ValueError:
        return None
    window = timedelta(minutes=config.policy.followup_window_minutes)
    return entry if entry is not None and now - answered_at <= window else None


def substituted(
    prediction: Prediction,
    text: str,
    context: dict[str, Any] | None,
    kb: KnowledgeBase,
    config: ProjectConfig,
    now: datetime,
) -> str | None:
    """The text to read a substitution follow-up as — the last answered entry's title with the
    fragment in place of its detail («Срок гарантии на телек?») — or None: the follow-up is
    not one, nothing was answered recently, or the NLU answered it within that entry's topic
    («а в рассрочку?» after the payment methods is the installment entry)."""
    if config.policy.followup_category_bonus <= 0:
        return None
    entry = _last_entry(context, kb, config, now)
    if entry is not None and _bare(prediction, text, entry, kb):
        return f"{entry.title.rstrip('?.! ')} {text.strip()}"
    substitution = is_substitution(text)
    answered = prediction.decision is Decision.ANSWER
    if not (substitution or refers_back(text) or (answered and is_elliptic(text))):
        return None
    if entry is None or _settled(prediction, entry, kb):
        return None
    fragment = text.strip().split(maxsplit=1)[1] if substitution else text.strip()
    return f"{entry.title.rstrip('?.! ')} {fragment}"


def _settled(prediction: Prediction, previous: FAQEntry, kb: KnowledgeBase) -> bool:
    """The NLU's answer stands: a small-talk or service intent, or an entry of the topic just
    discussed. An entry of another topic, for a fragment that only swaps a detail («а в
    воскресенье работаете» after the shops' hours read as courier intervals), may not."""
    if prediction.decision is not Decision.ANSWER:
        return False
    entry = kb.get(prediction.intent or "")
    return entry is None or entry.category == previous.category


def reread(
    prediction: Prediction,
    text: str,
    context: dict[str, Any] | None,
    kb: KnowledgeBase,
    config: ProjectConfig,
    now: datetime,
    together: Prediction | None = None,
) -> Prediction | None:
    """The follow-up's reading in the light of the last answer, or None to keep the NLU's.

    ``together`` is the NLU's reading of :func:`substituted`'s text, if there is one: taken
    when the category bonus does not settle the follow-up, the NLU answers it, and — if the
    follow-up alone was answered too — more surely than the follow-up alone."""
    bonus = config.policy.followup_category_bonus
    if bonus > 0 and asks_what_to_do(text):
        return _what_now(prediction, _last_entry(context, kb, config, now))
    if bonus > 0 and asks_when(text):
        when = _when(prediction, _last_entry(context, kb, config, now))
        if when is not None:
            return when
    if bonus > 0 and together is not None:
        bare = _read_bare(prediction, text, _last_entry(context, kb, config, now), together, kb)
        if bare is not None:
            return bare
    if bonus <= 0 or not (is_elliptic(text) or is_substitution(text) or refers_back(text)):
        return None
    previous = _last_entry(context, kb, config, now)
    if previous is None or _settled(prediction, previous, kb):
        return None
    if prediction.decision is Decision.ANSWER or not is_elliptic(text):
        return _read_together(prediction, together, kb)
    boosted = _with_bonus(prediction, previous, kb, config)
    if boosted is not None and is_substitution(text) and not _leaned(prediction, boosted):
        # The bonus overturned the model's own first guess: the title's reading is surer.
        return _read_together(prediction, together, kb) or boosted
    return boosted or _read_together(prediction, together, kb)


def _bare(prediction: Prediction, text: str, previous: FAQEntry, kb: KnowledgeBase) -> bool:
    """Is ``text`` a bare question about what ``previous``'s answer offers (bot/bare_asks.py),
    the NLU having read it alone as an entry or not at all? A small-talk or service intent
    («помогите» — a person) stands, and so does an entry the answer's own buttons lead to:
    «а продлить можно?» after the warranty period is «Вольт-защита», its button."""
    if prediction.decision is Decision.ANSWER:
        intent = prediction.intent or ""
        if intent not in kb or intent in {b.entry for b in previous.buttons}:
            return False
    return asks_bare(text, previous)


def _read_bare(
    prediction: Prediction,
    text: str,
    previous: FAQEntry | None,
    together: Prediction,
    kb: KnowledgeBase,
) -> Prediction | None:
    """«как оформить» after the «Вольт-защита+» claim: the reading after the answer's title,
    if it answers that entry or one of its topic, however surely the words alone read as
    another (the checkout)."""
    if previous is None or not _bare(prediction, text, previous, kb):
        return None
    entry = kb.get(together.intent or "")
    if together.decision is not Decision.ANSWER or entry is None:
        return None
    if entry is not previous and (not previous.category or entry.category != previous.category):
        return None
    return _answer_as(prediction, together.intent, together.confidence, BARE, together.ranking)


def _what_now(prediction: Prediction, previous: FAQEntry | None) -> Prediction | None:
    """«что делать-то?» after ``previous``'s answer: that entry, whatever the NLU made of the
    words alone («как дела»); None when nothing was answered lately."""
    if previous is None:
        return None
    return _answer_as(prediction, previous.id, prediction.confidence, WHAT_NOW)


def _when(prediction: Prediction, previous: FAQEntry | None) -> Prediction | None:
    """«а 1 января?» after ``previous``'s answer that gives hours: that entry, whatever the NLU
    made of the date alone (nothing, or the support's hours after the stores'); else None."""
    if previous is None or not tells_hours(previous):
        return None
    return _answer_as(prediction, previous.id, prediction.confidence, WHEN)


def in_topic(
    prediction: Prediction,
    context: dict[str, Any] | None,
    kb: KnowledgeBase,
    config: ProjectConfig,
    now: datetime,
) -> Prediction | None:
    """A guess («Уточните…») whose first option is the entry answered last, within the
    follow-up window, read as that entry; else None."""
    if config.policy.followup_category_bonus <= 0 or prediction.decision is not Decision.CLARIFY:
        return None
    previous = _last_entry(context, kb, config, now)
    options = clarify_options(prediction, kb, config)
    if previous is None or not options or options[0].id != previous.id:
        return None
    confidence = prediction.ranking[0].confidence if prediction.ranking else 0.0
    return _answer_as(prediction, previous.id, confidence, TOPIC, mark=prediction.confidence)


def before_topic(
    options: list[FAQEntry],
    context: dict[str, Any] | None,
    kb: KnowledgeBase,
    config: ProjectConfig,
    now: datetime,
) -> list[FAQEntry]:
    """«Уточните…»'s ``options`` without the entry answered last and the guesses after it:
    the topic under way is not offered as if it were new, nor what matched worse than it."""
    previous = _last_entry(context, kb, config, now)
    ids = [e.id for e in options]
    if previous is None or previous.id not in ids:
        return options
    return options[: ids.index(previous.id)]


def _leaned(prediction: Prediction, boosted: Prediction) -> bool:
    """Was the bonus's entry the NLU's own first guess (it only settled a hesitation)?"""
    return bool(prediction.ranking) and prediction.ranking[0].intent == boosted.intent


def is_short_reply(text: str) -> bool:
    """«мне про ремонт», «а на телефон сколько»: a reply to options, not a question of its own."""
    return 0 < len(text.split()) <= SHORT_REPLY_MAX_WORDS


def after_offer(
    prediction: Prediction, together: Prediction, offered: list[str], kb: KnowledgeBase
) -> Prediction | None:
    """The reading of a short reply to offered options glued to the customer's question they
    were offered for (``together``), if it answers an entry of an offered option's category
    more surely than the reply alone; else None."""
    categories = {kb.entries[e].category for e in offered if e in kb.entries}
    entry = kb.get(together.intent or "")
    if together.decision is not Decision.ANSWER or entry is None:
        return None
    if entry.id not in offered and not (entry.category and entry.category in categories):
        return None
    return _surer(prediction, together, "followup_offer")


def _read_together(
    prediction: Prediction, together: Prediction | None, kb: KnowledgeBase
) -> Prediction | None:
    if together is None or together.decision is not Decision.ANSWER:
        return None
    if together.intent is None or together.intent not in kb:
        return None
    return _surer(prediction, together, "followup_together")


def _surer(prediction: Prediction, together: Prediction, mark: str) -> Prediction | None:
    """``together``'s answer in place of ``prediction``, marked in ``extra`` under ``mark``,
    unless ``prediction`` answers at least as surely."""
    if prediction.decision is Decision.ANSWER and together.confidence <= prediction.confidence:
        return None
    return _answer_as(prediction, together.intent, together.confidence, mark, together.ranking)


def _with_bonus(
    prediction: Prediction, previous: FAQEntry, kb: KnowledgeBase, config: ProjectConfig
) -> Prediction | None:
    bonus = config.policy.followup_category_bonus
    if not previous.category:
        return None

    def score(s: IntentScore) -> float:
        entry = kb.get(s.intent)
        same = entry is not None and entry.category == previous.category
        return s.confidence + (bonus if same and entry is not previous else 0.0)

    ranked = sorted(prediction.ranking, key=score, reverse=True)
    if not ranked or kb.get(ranked[0].intent) is None:
        return None
    top, second = score(ranked[0]), (score(ranked[1]) if len(ranked) > 1 else 0.0)
    thresholds = NLUConfig.model_validate(config.nlu)
    if top < thresholds.answer_threshold or top - second < thresholds.ambiguity_margin:
        return None
    best = ranked[0]
    # the model's own confidence: the bonus is context, not certainty
    return _answer_as(
        prediction, best.intent, best.confidence, "followup_bonus", tuple(ranked), mark=bonus
    )


def _answer_as(
    prediction: Prediction,
    intent: str | None,
    confidence: float,
    key: str,
    ranking: tuple[IntentScore, ...] | None = None,
    *,
    mark: float | None = None,
) -> Prediction:
    """``prediction`` re-read as an answer of ``intent``; ``extra[key]`` records why (``mark``,
    or ``confidence`` when not given), ``ranking`` replaces the model's when the re-reading
    ranked the entries itself."""
    return dataclasses.replace(
        prediction,
        intent=intent,
        confidence=confidence,
        decision=Decision.ANSWER,
        ranking=prediction.ranking if ranking is None else ranking,
        extra={**prediction.extra, key: confidence if mark is None else mark},
    )

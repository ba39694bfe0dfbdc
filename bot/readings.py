"""What a prediction offers the dialogue, beyond its top intent: the entries it understood in
each of a message's questions, the entries worth suggesting in «Вы имели в виду…?», the
questions to answer one by one, and the question only guessed at among several.

Pure functions of a :class:`nlu.api.Prediction` and the knowledge base (no turn, no database):
the dialogue (:mod:`bot.dialogue`), the flows, the editor's «Проверить бота» and the benchmarks
ask the same rules.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.config import ProjectConfig
from knowledge_base.models import FAQEntry, KnowledgeBase
from nlu.api import Decision, Prediction
from nlu.config import NLUConfig


def understood_entries(prediction: Prediction, kb: KnowledgeBase) -> list[str]:
    """The FAQ entries that are the confident reading of one of the message's questions
    (:attr:`Prediction.parts`), in the customer's order; none only a person may answer."""
    found: list[str] = []
    for part in prediction.parts:
        entry = kb.get(part.intent or "")
        if (
            part.decision is Decision.ANSWER
            and entry is not None
            and not entry.human_only
            and entry.id not in found
        ):
            found.append(entry.id)
    return found


def clarify_options(
    prediction: Prediction, kb: KnowledgeBase, config: ProjectConfig
) -> list[FAQEntry]:
    """The entries «Вы имели в виду…?» offers for a message the NLU could only guess at: among
    its top ``policy.clarify_max_options`` guesses, the FAQ entries that themselves reach
    ``nlu.clarify_threshold``. A 5 % entry behind a small-talk guess is no suggestion; with
    none, the customer is told the bot did not understand (``utter_default``). The editor's
    «Проверить бота» asks this too (handoff/editor_try.py)."""
    floor = NLUConfig.model_validate(config.nlu).clarify_threshold
    return [
        entry
        for score in prediction.ranking[: config.policy.clarify_max_options]
        if (entry := kb.get(score.intent)) is not None and score.confidence >= floor
    ]


def several_questions(prediction: Prediction, kb: KnowledgeBase, limit: int) -> list[str]:
    """The FAQ entries to answer one by one when the message asks several questions.

    Two or more different entries, each the confident reading of its own question
    (:attr:`Prediction.parts`), in the customer's order; or the one question understood when the
    message as a whole was not («у меня не работает интернет. сколько стоит доставка»).
    Otherwise nothing, and the message is answered as a whole. Entries only a person may answer
    are left to the whole message's handling, so a second question never hands the
    conversation over.
    """
    if limit < 2 and prediction.decision is Decision.ANSWER:
        return []
    found = understood_entries(prediction, kb)
    if len(found) >= 2 or (found and prediction.decision is not Decision.ANSWER):
        return found[:limit]
    return []


def unclear_part(
    prediction: Prediction,
    kb: KnowledgeBase,
    answered: Collection[str],
    limit: int,
    floor: float = 0.0,
) -> tuple[Prediction, list[str]] | None:
    """A question of a several-question message that the bot could only guess at, and the
    entries to offer for it — asked about after the answers to the others, so that it is not
    dropped in silence («сколько идёт доставка в казань? можно оплатить картой при получении?»
    answers the payment and asks «сроки или регионы?» about the delivery).

    The first part whose decision is CLARIFY and none of whose candidates was answered; parts the
    bot did not understand at all (a story around the question) are left alone. Only entries
    that reach ``floor`` (``nlu.clarify_threshold``, as :func:`clarify_options`) are offered.
    """
    if len(prediction.parts) < 2:
        return None
    for part in prediction.parts:
        if part.decision is not Decision.CLARIFY:
            continue
        options = [
            score.intent
            for score in part.ranking[:limit]
            if score.intent in kb
            and not kb.entries[score.intent].human_only
            and score.confidence >= floor
        ]
        if options and not set(options) & set(answered):
            return part, options
    return None

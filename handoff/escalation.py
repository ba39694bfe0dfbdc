"""When the bot should hand a conversation to a person, and what to tell the customer.

Triggers (each configurable in ``config.yml`` → ``handoff:``, each recorded as the reason):
an explicit request, N misses in a row, a complaint or profanity, a human-only knowledge-base
topic, a flow step, a failure of the bot pipeline (fail open), an attachment the bot can't read.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from handoff.config import HandoffConfig
from knowledge_base.models import KnowledgeBase
from nlu.api import Decision, Prediction
from nlu.question_words import starts_with_question


class Reason(StrEnum):
    REQUEST = "customer_request"
    NOT_UNDERSTOOD = "not_understood"
    COMPLAINT = "complaint"
    PROFANITY = "profanity"
    HUMAN_ONLY = "human_only_topic"
    FLOW = "flow"
    FAILURE = "bot_failure"
    ATTACHMENT = "attachment"
    # No trigger of the bot's: an operator took a conversation the bot had (handoff/service.py).
    OPERATOR_JOINED = "operator_joined"


REASON_TITLES: dict[str, str] = {
    Reason.REQUEST: "клиент попросил оператора",
    Reason.NOT_UNDERSTOOD: "бот не понял клиента",
    Reason.COMPLAINT: "жалоба / недовольство",
    Reason.PROFANITY: "грубость в сообщении",
    Reason.HUMAN_ONLY: "тема только для сотрудника",
    Reason.FLOW: "передано из сценария",
    Reason.FAILURE: "сбой бота",
    Reason.ATTACHMENT: "клиент прислал файл",
    Reason.OPERATOR_JOINED: "оператор сам взял диалог у бота",
}

# Stems of common Russian obscenities and strong insults. Matched on word starts, so that
# «хлебушек» never matches «хл…». Kept short on purpose: complaints are caught by the NLU.
_PROFANITY = re.compile(
    # A stem at the start of a word, or after a verb prefix («заебали», «охуели», «нахуй»,
    # «подъебать»); not inside other words («страхуем», «застрахуй»).
    r"(?<![а-яё])(?:(?:за|на|по|от|вы|до|об|о|у|при|пере|раз|рас|с|под|отъ|подъ|объ|съ|"
    r"разъ|въ|взъ)?(?:ху[йеяё]|пизд|еба[нлт]|ёба[нлт]|еб[уи]|ёб[уи])|"
    r"бля[тд]?|сука|суки|мудак|мудил|говн|дерьм|идиот|дебил|урод|твар[ьи])",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[а-яёa-z]+", re.IGNORECASE)


# Calling the shop a fraud is a complaint however the NLU weighs the rest of the message
# («вы мошенники верните деньги» reads half as a return question): the customer, not the
# classifier, has said what they think of us.
_ACCUSATION = re.compile(
    r"\b(?:вы|ты|магазин)\s+(?:(?:все|просто|тут|там|обычные|натуральные|настоящие)\s+)*"
    r"(?:мошенник|жулик|аферист|обманщик|ворюг|вор[ыа]?\b|кидал)\w*"
    r"|\b(?:одни|сплошные|кругом|магазин)\s+(?:мошенник|жулик|аферист|обманщик|кидал)\w*",
    re.IGNORECASE,
)


def has_profanity(text: str) -> bool:
    return bool(_PROFANITY.search(text.lower()))


PERSON = r"(?:оператор|человек|специалист|менеджер|сотрудник|консультант)\w*"
"""A word for a person of the team, as a regular expression (also :mod:`bot.cancel`)."""
# A call for a person in so many words, anywhere in a message: «позовите человека, у меня заказ
# 12345678 не пришёл», «соедините, пожалуйста, со специалистом», «хочу поговорить с живым
# человеком». Not «не зовите оператора», «специалист был невежлив», «когда приедет специалист».
_CALL = re.compile(
    r"\b(?:позов\w*|позвать|позови|зовите|соедин\w*|свяжите|переключ\w*|перевед\w*|дайте|хочу)"
    r"(?:[\s,]+(?:мне|меня|пожалуйста|поговорить|связаться|пообщаться|с|со|на|к|жив\w*))*"
    rf"[\s,]+{PERSON}"
)
# The person first, at the start of a sentence: «оператора пожалуйста. как связаться с вами по
# телефону», «человека дайте, как вернуть деньги» (not «оператор мне не помог», «специалист по
# установке придёт?»).
_CALL_FIRST = re.compile(
    rf"(?:^|[.!?;,]\s*)(?:жив\w*\s+)?{PERSON}[\s,]+(?:(?:мне|нам)\s+)?"
    r"(?:позовите|позови|зовите|дайте|давайте|пожалуйста|срочно|нужен|нужна|нужно)\b"
)
# Needing to talk to a person: «нужно поговорить с человеком по поводу возврата денег», «мне надо
# связаться со специалистом» — the talk is what makes it a call («нужен ли специалист для
# установки?» is a question about the service).
_CALL_TALK = re.compile(
    r"\b(?:нужно|надо|необходимо|хотел\w*|хотелось)(?:\s+(?:бы|мне|нам|срочно))*"
    rf"\s+(?:поговорить|связаться|пообщаться|переговорить)[\s,]+(?:с|со)\s+(?:жив\w*\s+)?{PERSON}"
)
# Words of a short message that looks for someone («есть кто живой?», «ау, люди», «помогите»),
# needed before an unsure reading of the request is taken for one.
_SEEKS_SOMEONE = re.compile(
    rf"{PERSON}|\bжив\w*|\bкто\b|\bлюд\w*|\bау+\b|\bал+о+\b|\bпомог\w*|\bпомощ\w*|\bэй\b"
)
_NEGATED = re.compile(r"\bне\s+(?:(?:надо|нужно|стоит|буду)\s+)?$")


def calls_for_person(text: str) -> str | None:
    """The words of an explicit call for a person in ``text``, if it has one (not negated)."""
    lowered = text.lower().replace("ё", "е")
    for call in (_CALL, _CALL_FIRST, _CALL_TALK):
        for found in call.finditer(lowered):
            if not _NEGATED.search(lowered[: found.start()]):
                return found.group().lstrip(".!?;, ")
    return None


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower().replace("ё", "е")))


@dataclass(frozen=True, slots=True)
class Trigger:
    reason: Reason
    detail: str = ""


def detect(
    text: str,
    prediction: Prediction | None,
    config: HandoffConfig,
    *,
    unknown_streak: int = 0,
    kb: KnowledgeBase | None = None,
) -> Trigger | None:
    """The escalation trigger that fires on this message, if any (the most specific first).

    ``unknown_streak`` counts this message already if it was not understood. With ``kb``, a
    complaint only remarked on in a message whose questions it answers needs
    ``complaint_remark_min_confidence`` (:func:`complaint_in`).
    """
    normalized = _norm(text)
    # What the NLU read: the keyboard layout fixed, typos corrected («jgthfnjh» → «оператор»).
    read = _norm(prediction.normalized_text) if prediction and prediction.normalized_text else ""
    if (
        prediction is not None
        and prediction.intent in config.request_intents
        and (prediction.decision is Decision.ANSWER)
    ):
        return Trigger(Reason.REQUEST, prediction.intent or "")
    # A call in so many words wins over what else the message asks or tells («позовите
    # человека, у меня заказ 12345678 не пришёл» is no status question for the bot to answer).
    called = calls_for_person(normalized) or calls_for_person(read) or calls_for_person(text)
    if called is not None:
        return Trigger(Reason.REQUEST, called)
    # Short messages that are just the request («оператор!!!», «живой человек пожалуйста»),
    # unless the NLU read them as something else («когда приедет специалист по установке»,
    # «вы живой человек?» — a question about the bot).
    words = normalized.split()
    read_otherwise = (
        prediction is not None
        and not prediction.parts  # «как вернуть товар? и позовите оператора» asks for both
        and prediction.decision is Decision.ANSWER
        and prediction.intent not in config.request_intents
    )
    # A longer one that names a person and that the NLU, unsure, reads first as the request
    # («Позовите оператора: влезет ли этот холодильник в нишу 60 см?»): not a question to
    # clarify with «вы имели в виду…».
    leaning = (
        prediction is not None
        and prediction.decision is Decision.CLARIFY
        and prediction.intent in config.request_intents
    )
    if leaning and prediction is not None and len(words) <= 6 and _SEEKS_SOMEONE.search(normalized):
        # «есть кто живой?» hesitates between the request and a greeting where «есть кто
        # живой» does not: the sentence encoder reads the «?», and in the training data a «?»
        # ends knowledge-base questions, not calls or small talk. A short message whose first
        # reading is the request is one, with or without the question mark — when it looks for
        # someone at all: «мне нужно на ул баумана» after a question about pickup points is
        # read as the request just as unsurely (0.3), and is no call (clarified below).
        return Trigger(Reason.REQUEST, prediction.intent or "")
    if (len(words) <= 6 and not read_otherwise) or leaning:
        for phrase in config.request_phrases:
            if phrase in normalized or phrase in read:
                return Trigger(Reason.REQUEST, phrase)
    if config.escalate_on_profanity and (has_profanity(text) or has_profanity(read)):
        return Trigger(Reason.PROFANITY)
    if config.escalate_on_complaint and prediction is not None:
        complaint = complaint_in(prediction, config, kb)
        if complaint is not None:
            return Trigger(Reason.COMPLAINT, complaint)
    if unknown_streak >= config.not_understood_limit:
        return Trigger(Reason.NOT_UNDERSTOOD, str(unknown_streak))
    return None


def complaint_in(
    prediction: Prediction, config: HandoffConfig, kb: KnowledgeBase | None = None
) -> str | None:
    """The complaint intent read, at ``complaint_min_confidence``, in the whole message, in one
    of its questions or in one of its clauses: «…Прошло уже три недели, а проблема не решена. Я
    очень недовольна и хочу вернуть деньги.» reads as a return question as a whole, and «Я очень
    недовольна» is a complaint all the same. Hesitation («ыыы ну это как его») is one clause,
    read as nothing. Calling us frauds («вы мошенники») is one in any words around it.

    In a message whose questions ``kb`` answers (:func:`answered_first`) a complaint only in a
    clause or a question needs ``complaint_remark_min_confidence``: read alone, a remark such
    as «я ничего не делал» after «почему мой заказ отменился сам??» is a complaint at 0.79,
    «это вообще нормально?» at 0.99."""
    if _ACCUSATION.search(prediction.text.lower().replace("ё", "е")):
        return "accusation"
    usual, remark = config.complaint_min_confidence, config.complaint_remark_min_confidence
    readings = [
        reading
        for reading in (prediction, *prediction.parts, *prediction.clauses)
        if reading.intent in config.complaint_intents
        and reading.decision is Decision.ANSWER
        and reading.confidence >= min(usual, remark)
    ]
    if readings and readings[0] is prediction and prediction.confidence >= usual:
        return prediction.intent
    readings = [r for r in readings if r is not prediction]
    if not readings:
        return None
    floor = remark if kb is not None and answered_first(prediction, config, kb) else usual
    found = next((r for r in readings if r.confidence >= floor), None)
    return None if found is None else found.intent


def answered_first(
    prediction: Prediction,
    config: HandoffConfig,
    kb: KnowledgeBase,
    beside: Collection[str] | None = None,
) -> list[str]:
    """The knowledge-base entries to answer before a complaint hands the message over: those of
    a message whose every question is confidently understood (at ``complaint_min_confidence``,
    in the question or in a clause that reads the same) as an entry a bot may answer, the whole
    message read as one of them — so the complaint is only a remark beside them («почему мой
    заказ отменился сам?? я ничего не делал», «деньги за возврат две недели жду, это вообще
    нормально?»). None for a complaint of the whole message, an accusation, or a story whose
    pieces read as this and that («Я заказывала стиральную машину… Я очень недовольна и хочу
    вернуть деньги»: a person reads it, not a list of answers).

    ``beside``: the intents that are the remark (the complaint intents by default; the request
    intents for a call for a person, answered after the handoff: «как вернуть товар? и
    позовите оператора» answers the return, «позовите оператора, вопрос по оплате» nothing —
    the whole message is the call, its topic is for the person)."""
    remarks = config.complaint_intents if beside is None else beside
    if prediction.intent in remarks or _ACCUSATION.search(
        prediction.text.lower().replace("ё", "е")
    ):
        return []
    found: list[str] = []
    for question in prediction.parts or (prediction,):
        if question.intent in remarks or question.intent in config.complaint_intents:
            continue
        entry = kb.get(question.intent or "")
        if question.decision is not Decision.ANSWER or entry is None or entry.human_only:
            return []
        same = [
            c.confidence
            for c in prediction.clauses
            if c.intent == entry.id and c.decision is Decision.ANSWER
        ]
        if prediction.clauses and not same:
            return []  # no clause asks it: the whole leans on the complaint's own words
        if max([question.confidence, *same]) < config.complaint_min_confidence:
            return []
        if entry.id not in found:
            found.append(entry.id)
    return found if prediction.intent in found else []


def _asks(text: str) -> bool:
    """A question in the customer's words: a «?», or an opening question word («как вернуть
    товар и позовите оператора»). «заказ 12345678 до сих пор не доставлен» names a topic, asks
    nothing."""
    return "?" in text or starts_with_question(text.strip())


def asked_beside_call(
    prediction: Prediction, config: HandoffConfig, kb: KnowledgeBase
) -> list[str]:
    """The entries to answer after a call for a person has handed the message over: those
    :func:`answered_first` answers beside the call, asked as questions («как вернуть товар? и
    позовите оператора»). Not a topic named for the person («соедините со специалистом, заказ
    12345678 до сих пор не доставлен», «оператора, вопрос по оплате»): the page where to look
    up a status is no answer to a customer who asked for someone to look."""
    found = answered_first(prediction, config, kb, config.request_intents)
    readings = (*prediction.parts, *prediction.clauses) or (prediction,)
    return [
        entry_id
        for entry_id in found
        if any(r.intent == entry_id and _asks(r.text) for r in readings)
    ]

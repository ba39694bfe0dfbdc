"""An order number sent after an answer that asked for it is for that answer's topic.

«сколько ждать возврат денег?» — «…Если срок прошёл, пришлите номер заказа — запросим у банка
номер операции (RRN)» — «заказ 34567890»: the customer gives what the answer asked for, not a
new question about the order's status. An FAQ entry whose answer asks for the order number
says so in its file, ``asks_order_number: true`` (data/faq/returns.yml ``refund_time``). When
the bot gives such an answer (:func:`remember_ask`), the conversation keeps it for
``policy.followup_window_minutes``; a message that is nothing but an order number in that time
(:func:`bare_order_number`: «34567890», «заказ 34567890», «номер заказа: 4821 3377») is kept
on the conversation (``context["order_number"]``, read by :func:`bot.handover.known_order`, so
no hand-over text asks for it again) and a person of the entry's team takes it with the topic
(reason «тема только для сотрудника», the entry's id as the detail): the customer is told
``utter_handoff_order_taken`` («Спасибо, заказ № 34567890 — передаю коллеге вопрос «…»»), then
the wait. The «Где мой заказ» flow, which a bare number starts otherwise (its
``start_pattern``), is not started. A flow started since, a hand-over or the number given
forgets the ask.

The customer often writes more than the number, or something else instead (QA 2d D38): «заказ
34567890, новый адрес ул. Ленина 5 кв 12» is the number with the case's details
(:func:`numbers_with_details`: a number in a message that asks nothing and that the NLU does
not read as another entry's question) — handed over the same way, the text kept on the case
(:mod:`bot.case_details`) and ``utter_handoff_order_taken_details`` says the details went with
it. An address without the number («нужно поменять адрес на ул. Ленина 5 кв 12») is kept for
the case and ``utter_order_details_kept`` asks for the number once more (the ask stays open),
unless the customer gave it earlier in the conversation (QA7: «нужно поменять адрес доставки
заказ 87654321» first, :func:`bot.handover.known_order`) — then it goes at once with that
number; «и?» right after that ask gets ``utter_order_number_again`` (:func:`asked_again`).
Of several numbers («заказы 34567890 и 87654321») the first is the topic's and the others go to
the colleague too, said so (:func:`bot.case_details.pass_on`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import case_details
from bot.events import InboundKind
from bot.handover import escalate, known_order
from handoff.escalation import Reason
from knowledge_base.models import FAQEntry
from nlu.api import Decision

if TYPE_CHECKING:
    from bot.dialogue import Turn
    from flows.models import Step

ASKED = "order_asked"  # conversation context: {"id": entry id, "at": ISO time}
ORDER = "order_number"  # conversation context: the number given for such an answer
TAKEN = "utter_handoff_order_taken"
"""«Спасибо, заказ № {order_number} — передаю коллеге вопрос «{topic}»…»."""
TAKEN_DETAILS = "utter_handoff_order_taken_details"
"""The same when the customer wrote the case's details too (an address, what to change)."""
KEPT = "utter_order_details_kept"
"""«Записал адрес — напишите ещё номер заказа…»: details without the number the answer asked."""
AGAIN = "utter_order_number_again"
"""«и?» right after :data:`KEPT`: the number is what is missing, asked for once more, briefly."""
MARK = "order_for"  # the customer's message data: the entry the number was given for

_AROUND = frozenset(
    ["вот", "мой", "моего", "мои", "номер", "номера", "заказ", "заказа", "заказу", "это", "у",
     "меня", "n", "no", "ну", "так", "пожалуйста", "пожалуйсто"]
)  # fmt: skip
"""Words that may stand around the number in a message that gives only it."""


def remember_ask(context: dict[str, Any] | None, entry: FAQEntry, now: datetime) -> dict[str, Any]:
    """The context after the bot answered ``entry``: an entry that asks for the order number
    is kept as the ask (the latest such answer wins); any other leaves it as it was."""
    if not entry.asks_order_number:
        return dict(context or {})
    return {**(context or {}), ASKED: {"id": entry.id, "at": now.isoformat()}}


def forget_ask(context: dict[str, Any] | None, *, number: bool = False) -> dict[str, Any]:
    """The context without the ask (a person takes over, the number came); with ``number``
    without the number given for it too (a flow started: what it collects is newer)."""
    gone = (ASKED, ORDER) if number else (ASKED,)
    return {k: v for k, v in (context or {}).items() if k not in gone}


def asked_entry(turn: Turn) -> FAQEntry | None:
    """The entry whose answer asked for the order number, if within the follow-up window."""
    asked = (turn.conversation.context or {}).get(ASKED) or {}
    entry = turn.kb.get(str(asked.get("id", "")))
    try:
        at = datetime.fromisoformat(str(asked.get("at", "")))
    except ValueError:
        return None
    window = timedelta(minutes=turn.config.policy.followup_window_minutes)
    if entry is None or not entry.asks_order_number or turn.now - at > window:
        return None
    return entry


def bare_order_number(turn: Turn) -> str | None:
    """The order number, when the message gives nothing else: a message that is only the
    ``start_pattern`` of a flow that asks first for the order number («12345678», «№ 1234
    5678»: its digits), or the NLU's ``order_number``
    entity with only words like «заказ», «номер», «вот» around it."""
    if turn.event.kind is not InboundKind.TEXT or turn.prediction is None:
        return None
    text = turn.event.text
    patterns = [  # the flows that take an order number (not «Статус ремонта»'s receipt)
        f.start_pattern
        for f in turn.flows.values()
        if f.start_pattern and f.steps and ORDER in (f.steps[0].slot, f.steps[0].entity)
    ]
    if any(re.fullmatch(p, text.strip()) for p in patterns):
        return re.sub(r"\D", "", text) or None
    numbers = [e for e in turn.prediction.entities if e.type == "order_number"]
    if len(numbers) != 1 or text[numbers[0].start : numbers[0].end] != numbers[0].text:
        return None
    rest = text[: numbers[0].start] + " " + text[numbers[0].end :]
    words = re.findall(r"\w+", rest.lower().replace("ё", "е"))
    return numbers[0].value if all(w in _AROUND for w in words) else None


def _another_question(turn: Turn, entry: FAQEntry) -> bool:
    """Does the message ask something, or does the NLU read it surely as another entry's or a
    flow's question («заказ 12345678 не пришёл» after the refund answer)? An address read as
    something else («…ул. Ленина 5» as the stores) is still the case's."""
    text, p = turn.event.text, turn.prediction
    if case_details.asks(text):
        return True
    other = p is not None and p.decision is Decision.ANSWER and p.intent not in (None, entry.id)
    return other and not case_details.gives_address(text)


def _order_step(turn: Turn) -> Step | None:
    """The first step of a flow that asks first for the order number (its ``pattern`` reads a
    bare «87654321» beside «заказ 34567890»)."""
    return next(
        (
            f.steps[0]
            for f in turn.flows.values()
            if f.steps and ORDER in (f.steps[0].slot, f.steps[0].entity)
        ),
        None,
    )


def numbers_with_details(turn: Turn, entry: FAQEntry) -> list[str]:
    """The order numbers of a message that gives them with more («заказ 34567890, новый адрес
    ул. Ленина 5 кв 12») or gives several («заказы 34567890 и 87654321»), in the customer's
    order, when the message asks nothing else (:func:`_another_question`; numbers alone are
    the answer to the ask, whatever the NLU reads); none otherwise."""
    from flows.values import every_value  # flows.values reads bot.dialogue, which reads this

    p = turn.prediction
    if turn.event.kind is not InboundKind.TEXT or p is None:
        return []
    step = _order_step(turn)
    read = every_value(step, turn.event.text, p) if step is not None else []
    numbers = list(dict.fromkeys([*read, *(e.value for e in p.entities if e.type == ORDER)]))
    if not numbers or (_says_more(turn) and _another_question(turn, entry)):
        return []
    return numbers


def _says_more(turn: Turn) -> bool:
    """Does the message say more than order numbers («заказы 34567890 и 87654321» does not)?"""
    words = re.findall(r"\w+", turn.event.text.lower().replace("ё", "е"))
    return not all(w.isdigit() or w in _AROUND or w in ("и", "заказы", "номера") for w in words)


def _details_only(turn: Turn) -> bool:
    """An address without a number, asking nothing: details for the case."""
    p = turn.prediction
    return (
        turn.event.kind is InboundKind.TEXT
        and p is not None
        and not any(e.type == "order_number" for e in p.entities)
        and case_details.gives_address(turn.event.text)
    )


class OrderForTopicHandler:
    """The order number the last answers asked for: to a person with that topic."""

    name = "order_topic"

    def match(self, turn: Turn) -> bool:
        context = turn.conversation.context or {}
        if context.get("flow") or ASKED not in context:
            return False  # a running flow's question takes its own answers
        entry = asked_entry(turn)
        if entry is None:
            return False
        if bare_order_number(turn) is not None or numbers_with_details(turn, entry):
            return True
        return KEPT in turn.domain.responses and _details_only(turn)

    async def handle(self, turn: Turn) -> None:
        entry = asked_entry(turn)
        assert entry is not None
        turn.conversation.unknown_streak = 0
        turn.message_data[MARK] = entry.id  # the answer to the bot's ask, not an FAQ miss
        number, others = bare_order_number(turn), list[str]()
        if number is None and (found := numbers_with_details(turn, entry)):
            number, others = found[0], found[1:]
            if _says_more(turn):
                case_details.keep(turn, turn.event.text.strip()[: case_details.LENGTH])
        if number is None:  # an address alone: kept, the number asked for once more
            case_details.keep(turn, turn.event.text.strip()[: case_details.LENGTH])
            number = await known_order(turn)  # unless given earlier in the conversation
        if number is None:
            context = turn.conversation.context or {}
            turn.conversation.context = {
                **context,
                ASKED: {**context[ASKED], "at": turn.now.isoformat()},
            }
            turn.utter(KEPT, {MARK: entry.id})
            return
        details = bool(case_details.kept(turn.conversation.context))
        turn.conversation.context = {**forget_ask(turn.conversation.context), ORDER: number}
        name = TAKEN_DETAILS if details and TAKEN_DETAILS in turn.domain.responses else TAKEN
        announced = name in turn.domain.responses
        if announced:
            turn.utter(name, {MARK: entry.id}, order_number=number, topic=entry.title)
        case_details.pass_on(turn, others)  # «…и 87654321»: to the colleague too, said so
        await escalate(turn, Reason.HUMAN_ONLY, entry.id, team=entry.team, announced=announced)


async def asked_again(turn: Turn) -> bool:
    """«и?» right after :data:`KEPT` (QA7): the customer waits, but the number is what is
    missing — :data:`AGAIN` asks for it briefly (the ask stays open), not «Жаль, что ответ не
    помог». False for anything else, or without the response."""
    from bot import next_step  # bot.next_step reads bot.handover, as this; kept local

    context = turn.conversation.context or {}
    if AGAIN not in turn.domain.responses or context.get("flow") or ASKED not in context:
        return False
    entry = asked_entry(turn)
    if entry is None or not next_step.asks_next(turn.event.text):
        return False
    if await next_step.latest_response(turn) != KEPT:
        return False
    turn.conversation.context = {**context, ASKED: {**context[ASKED], "at": turn.now.isoformat()}}
    turn.message_data[MARK] = entry.id
    turn.utter(AGAIN, {MARK: entry.id})
    return True

"""The customer takes back their request for a person: «Отменить вызов оператора».

The handoff messages carry the button (``/cancel_handoff`` in ``domain.yml``): a customer who
found the answer meanwhile, or asked for a person by mistake, need not wait in a queue an
operator will then open for nothing. While the conversation is queued the press hands it back to
the bot (``queued → bot``, reason ``customer_cancelled``), ends the promised wait, says so in the
history and to the customer (``utter_handoff_cancelled``). Once an operator has it, the press is
an ordinary message the operator reads, and the customer is told to say so to the operator
(``utter_handoff_cancel_too_late``). With the bot (an old button pressed after a cancel, or
after the conversation was closed: the press opens a new one), there is nothing to cancel, and
«отменил» would not be true: the customer reads ``utter_handoff_cancel_inactive`` («Вызов
оператора уже не активен…»), or without it in the domain ``utter_ask_question``, else the
greeting.

A queued customer may also say it in words — «отмена», «не нужно оператора», «отмените вызов
оператора», «вопрос решён, оператор не нужен», «а нет, не надо», «спасибо, уже не надо,
разобрался» (:func:`typed_cancel`). Only while queued: once an
operator has the conversation, the words are a message to that operator, who reads them; with the
bot, «отмена» is read like any other message (it may be about an order).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.events import InboundKind
from bot.ownership import Owner
from bot.storage import repo
from handoff import escalation, waiting

if TYPE_CHECKING:
    from bot.dialogue import Turn

CANCEL_HANDOFF_PAYLOAD = "/cancel_handoff"
CANCELLED = "utter_handoff_cancelled"
TOO_LATE = "utter_handoff_cancel_too_late"
INACTIVE = "utter_handoff_cancel_inactive"


# A whole message that only takes the request back («отмена», «уже не нужно», «передумал»),
# with the words people put around it: «а нет, не надо», «спасибо, уже не надо, разобрался»,
# «всё, отмена, сам нашёл». Not «не надо ждать, позовите» (the tail asks for something).
_ALONE = re.compile(
    r"(?:(?:а|ой|ах|ну|нет|спасибо|все|уже|ладно|хорошо|ок|окей|извините)\s+)*"
    r"(?:отмена|отменить|отмените|отмени|отменяю|стоп|"
    r"(?:уже\s+|больше\s+)?(?:не\s+(?:нужно|надо)|ничего\s+не\s+(?:нужно|надо))|"
    r"передумала?|вопрос\s+(?:решен|снят))"
    r"(?:\s+(?:спасибо|пожалуйста|уже|все|больше|извините|сам|сама|разобрал(?:ся|ась)|"
    r"нашел|нашла|нашлось|решил|решила|решилось|понял|поняла|вопрос\s+(?:решен|снят)))*"
)
# A person or the request named with a cancelling word around it, anywhere in the message.
_WHO = escalation.PERSON
_CANCEL_WORDS = re.compile(
    # «отмените вызов оператора», «отменить запрос», «отмените оператора»
    rf"\bотмен\w*\s+(?:(?:мой|мою|мое|свой|свою|этот|эту|пожалуйста)\s+)?"
    rf"(?:вызов\w*|запрос\w*|обращени\w*|заявк\w*|{_WHO})"
    # «не нужно оператора», «уже не нужен человек», «оператор не нужен», «не зовите оператора»
    rf"|\bне\s+(?:нужн\w*|надо|нужен|зовите|вызывайте|звать|вызывать)\s+(?:\w+\s+)?{_WHO}"
    rf"|\b{_WHO}\s+(?:(?:уже|больше|мне|пока)\s+)*не\s+(?:нужн\w*|надо|нужен)"
)
_WORDS = re.compile(r"[а-яa-z]+")


def is_cancel(turn: Turn) -> bool:
    """The «Отменить вызов оператора» button (of any handoff message, an old one too)."""
    event = turn.event
    return event.kind is InboundKind.BUTTON and event.payload == CANCEL_HANDOFF_PAYLOAD


def typed_cancel(text: str) -> bool:
    """The customer takes the request for a person back in words.

    «как отменить заказ» or «отмена заказа» is a question, not this: the words must name the
    call, the request or the person, or be the whole message."""
    words = " ".join(_WORDS.findall(text.lower().replace("ё", "е")))
    return bool(_ALONE.fullmatch(words) or _CANCEL_WORDS.search(words))


def wants_cancel(turn: Turn) -> bool:
    """The button, whoever owns the conversation; the words, while it waits in the queue."""
    if is_cancel(turn):
        return True
    return (
        turn.conversation.owner == Owner.QUEUED.value
        and turn.event.kind is InboundKind.TEXT
        and typed_cancel(turn.event.text)
    )


async def cancel(turn: Turn) -> None:
    conversation = turn.conversation
    if conversation.owner == Owner.OPERATOR.value:
        if TOO_LATE in turn.domain.responses:
            turn.utter(TOO_LATE)
        return
    if conversation.owner != Owner.QUEUED.value:  # an old button: no call to take back
        from bot.dialogue import PROMPT  # «Я на связи! Чем могу помочь?»

        said = next((r for r in (INACTIVE, PROMPT) if r in turn.domain.responses), "utter_greet")
        turn.utter(said)
        return
    await repo.move(
        turn.session,
        conversation,
        Owner.BOT,
        reason="customer_cancelled",
        actor="customer",
    )
    waiting.forget(conversation)
    await repo.add_event(
        turn.session, conversation, "Клиент отменил вызов оператора — диалог вернулся к боту"
    )
    if CANCELLED in turn.domain.responses:
        turn.utter(CANCELLED)

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
разобрался», «да ладно, не надо уже», «отбой», «сам разобрался» (:func:`typed_cancel`).
Words that may be a cancel in a longer message («не надо уже наверное, хотя…»,
:func:`might_cancel`) get the button offered (:func:`offer`), never silence. «а нет, всё таки
надо» right after a cancel brings the same request back (:func:`resume`). Only while queued: once an
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
OFFER = "utter_handoff_cancel_offer"
RESUMED = "utter_handoff_resumed"
WRONG_CHAT = "utter_handoff_cancel_wrong_chat"
"""«ой извините не туда» while queued: withdraw the request? «Да, отменить обращение» / «Нет»."""
CANCELLED_KEY = "cancelled_escalation"
"""The context of the request taken back, kept for the customer's next message only."""


# A whole message that only takes the request back («отмена», «уже не нужно», «передумал»),
# with the words people put around it: «а нет, не надо», «спасибо, уже не надо, разобрался»,
# «всё, отмена, сам нашёл», «да ладно, не надо уже», «отбой», «проехали», «сам разобрался»,
# «уже решил». Not «не надо ждать, позовите» (the tail asks for something), not «а нет, всё
# таки надо» (no «не»).
_DONE = (
    r"отмена|отменить|отмените|отмени|отменяю|стоп|отбой|проехали|забейте|забудьте|"
    r"(?:уже\s+|больше\s+|пока\s+)?(?:не\s+(?:нужно|надо|нужен|актуально)|неактуально|"
    r"ничего\s+не\s+(?:нужно|надо))|"
    r"передумала?|передумали|вопрос\s+(?:решен|снят|отпал|закрыт)|"
    r"(?:все|вопрос|проблема)\s+(?:решилось|решился|решилась)|"
    r"(?:я\s+)?(?:сам|сама|уже)\s+(?:все\s+)?(?:разобрал(?:ся|ась)|справил(?:ся|ась)|"
    r"решил|решила|нашел|нашла)|"
    r"(?:я\s+)?(?:разобрал(?:ся|ась)|справил(?:ся|ась))|нашлось|решилось|"
    r"(?:я\s+)?(?:сам|сама)\s+(?:разберусь|справлюсь|посмотрю|найду|решу)"
)
_ALONE = re.compile(
    r"(?:(?:а|ой|ах|ну|нет|да|спасибо|все|уже|ладно|хорошо|ок|окей|извините|короче|"
    r"слушайте|тогда|блин)\s+)*"
    rf"(?:{_DONE})"
    rf"(?:\s+(?:{_DONE}|спасибо|пожалуйста|уже|все|больше|извините|тогда|сам|сама|"
    r"разобрал(?:ся|ась)|разберусь|справлюсь|нашел|нашла|нашлось|решил|решила|решилось|понял|"
    r"поняла))*"
)
# A whole message of thanks and goodbye while queued: «спасибо, всё», «до свидания»,
# «понятно. спасибо, всё, до свидания». With a goodbye and «всё» / «понятно» the customer is
# done (:func:`says_done`); a goodbye or «всё» alone may also mean «that is all I had to add»
# (:func:`might_cancel` offers the button). «спасибо» or «ок» alone is neither.
_CLOSING = re.compile(
    r"(?:(?:спасибо|спс|благодарю|большое|огромное|все|понятно|ясно|понял|поняла|ок|окей|"
    r"хорошо|ладно|тогда|ну|а|у|меня|мне|больше|ничего|не|нужно|надо|вопросов|нет|до|свидания|"
    r"всего|доброго|хорошего|дня|вечера|пока)(?:\s+|$))+"
)
_FAREWELL = re.compile(
    r"\bдо\s+свидания\b|\bвсего\s+(?:доброго|хорошего)\b|\bпока\b|\bхорошего\s+(?:дня|вечера)\b"
)
_ENOUGH = re.compile(r"\bвсе\b|\bбольше\s+(?:ничего|вопросов\s+нет)\b")
_UNDERSTOOD = re.compile(r"\b(?:понятно|ясно|понял|поняла)\b")
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
# Words that may take the request back in a longer message («не надо уже наверное, хотя…»,
# «вроде разобрался, но…»): not sure enough to cancel, too close to leave unanswered.
_MAYBE = re.compile(
    r"\bне\s+(?:нужн\w*|надо|нужен|актуальн\w*)\b|\bнеактуальн\w*|\bотбой\b|\bпроехали\b|"
    r"\bпередумал\w*|\bразобрал(?:ся|ась)\b|\bсправил(?:ся|ась)\b|\bрешил(?:ся|ось|ась)\b|"
    r"\bотмен\w*\s+(?:вызов|запрос|обращени|заявк)"
)
# «ой извините не туда», «не туда написал», «не в тот чат», «случайно отправил»: the message (and
# maybe the request) was not meant for this chat.
_WRONG_CHAT = re.compile(
    r"\bне\s+туда\b|\bне\s+в\s+(?:тот|этот)\s+(?:чат|диалог)|"
    r"\bслучайно\s+(?:написал\w*|нажал\w*|отправил\w*)|\bошиб\w*\s+(?:чатом|диалогом)"
)
_CALLS = re.compile(r"\bпозов\w*|\bзовите\b|\bсоедин\w*|\bподключ\w*")
# «а нет, всё таки надо», «всё-таки нужен оператор», «нет, надо»: right after a cancel, the
# customer wants the person back.
_BACK = re.compile(
    r"(?:(?:а|ой|ну|нет|хотя|стоп|все|таки|всетаки|же|извините|я|мне|нам)\s+)*"
    r"(?:надо|нужно|нужен|нужна|верните|позовите|зовите)"
    rf"(?:\s+(?:все|таки|всетаки|же|пожалуйста|еще|обратно|его|{_WHO}|вызов\w*))*"
)


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


def _closing(text: str) -> str | None:
    """The message's words when it is nothing but thanks, «всё», «понятно» and goodbyes."""
    words = " ".join(_WORDS.findall(text.lower().replace("ё", "е")))
    return words if _CLOSING.fullmatch(words) else None


def says_done(text: str) -> bool:
    """«понятно. спасибо, всё, до свидания», «всё понятно, спасибо, до свидания»: a goodbye
    with «всё» or «понятно» and nothing else — the customer is finished, the call is taken back
    as with «отмена»."""
    words = _closing(text)
    return (
        words is not None
        and bool(_FAREWELL.search(words))
        and bool(_ENOUGH.search(words) or _UNDERSTOOD.search(words))
    )


def might_cancel(text: str) -> bool:
    """Words that may take the request back, in a message :func:`typed_cancel` does not read as
    a cancel for sure (nor a call for a person): the customer is offered the button. So is a
    message of thanks with «всё» or a goodbye («спасибо, всё», «до свидания»): it may be the
    end, or the end of what they had to add."""
    if typed_cancel(text) or says_done(text):
        return False
    words = _closing(text)
    if words is not None and (_FAREWELL.search(words) or _ENOUGH.search(words)):
        return True
    words = " ".join(_WORDS.findall(text.lower().replace("ё", "е")))
    return (
        escalation.calls_for_person(text) is None
        and not _CALLS.search(words)
        and bool(_MAYBE.search(words))
    )


def wrong_chat(text: str) -> bool:
    """«ой извините не туда», «не туда написал»: written here by mistake (QA 3 Q13)."""
    words = " ".join(_WORDS.findall(text.lower().replace("ё", "е")))
    return _WRONG_CHAT.search(words) is not None and escalation.calls_for_person(text) is None


def offer(turn: Turn) -> bool:
    """A queued customer's message that may be a cancel (:func:`might_cancel`): the
    «Отменить вызов оператора» button offered in so many words (``utter_handoff_cancel_offer``),
    whatever the throttle on acknowledgements. «ой извините не туда» (:func:`wrong_chat`) is
    asked about with ``utter_handoff_cancel_wrong_chat`` («Да, отменить обращение» / «Нет»).
    False when it is no such message (or the project has no such response)."""
    event = turn.event
    if (
        event.kind is InboundKind.TEXT
        and WRONG_CHAT in turn.domain.responses
        and wrong_chat(event.text)
    ):
        turn.utter(WRONG_CHAT)
        return True
    if event.kind is not InboundKind.TEXT or OFFER not in turn.domain.responses:
        return False
    if not might_cancel(event.text):
        return False
    turn.utter(OFFER)
    return True


def wants_cancel(turn: Turn) -> bool:
    """The button, whoever owns the conversation; the words, while it waits in the queue."""
    if is_cancel(turn):
        return True
    return (
        turn.conversation.owner == Owner.QUEUED.value
        and turn.event.kind is InboundKind.TEXT
        and (typed_cancel(turn.event.text) or says_done(turn.event.text))
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
    if isinstance(request := (conversation.context or {}).get("escalation"), dict):
        # «а нет, всё таки надо» next brings the same request back (:func:`resume`).
        conversation.context = {
            **(conversation.context or {}),
            CANCELLED_KEY: {**request, "team": conversation.team},
        }
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


def takes_back(text: str) -> bool:
    """«а нет, всё таки надо», «всё-таки нужен оператор», «нет, надо»: the cancel undone."""
    words = " ".join(_WORDS.findall(text.lower().replace("ё", "е")))
    return bool(_BACK.fullmatch(words))


async def resume(turn: Turn) -> bool:
    """The customer's message right after a cancel that wants the person back («а нет, всё таки
    надо»): the same request goes to the queue again — its reason, team and what the operator
    reads on the card — with ``utter_handoff_resumed`` and the wait. Any other message forgets
    the request taken back (a new call is a new request). False when it is no such message."""
    from bot.handover import escalate

    conversation = turn.conversation
    context = dict(conversation.context or {})
    request = context.pop(CANCELLED_KEY, None)
    if request is None:
        return False
    conversation.context = context
    event = turn.event
    if not isinstance(request, dict) or event.kind is not InboundKind.TEXT:
        return False
    if not takes_back(event.text):
        return False
    try:
        reason = escalation.Reason(str(request.get("reason")))
    except ValueError:
        reason = escalation.Reason.REQUEST
    announced = RESUMED in turn.domain.responses
    if announced:
        turn.utter(RESUMED)
    team = request.get("team")
    await escalate(
        turn,
        reason,
        str(request.get("detail") or ""),
        team=team if isinstance(team, str) else None,
        announced=announced,
    )
    if turn.conversation.owner != Owner.BOT.value:  # not blocked: the card as it was
        kept = {k: v for k, v in request.items() if k != "team"}
        turn.conversation.context = {
            **(turn.conversation.context or {}),
            "escalation": {**kept, "at": turn.now.isoformat()},
        }
    return True

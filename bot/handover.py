"""Handing a conversation to a person: the move to the queue, routing to a free colleague and
what the customer is told — the expected wait, who took it, when the team is back (holidays
included), or, for a customer an operator blocked, that a person is not available.

When the customer already wrote their order number (the NLU's ``order_number`` entity in this
or a recent message of the conversation, or a flow collected it), the handoff does not ask for
it again: ``utter_handoff_order_known`` and ``utter_handoff_offline_order_known`` say the
number is passed on (a project without them uses the usual responses). A handoff because the
bot did not understand the customer twice is explained first (``utter_handoff_not_understood``):
the customer never asked for a person.

Whether the team is answering now is :func:`handoff.routing.closed_until`'s to say, as for the
web chat's header: out of working hours with someone of the team online (even with every slot
taken) the customer hears the queue's estimate, not «завтра в 9:00». In working hours with
nobody of the conversation's team online, no wait is promised that nobody is there to keep:
``utter_handoff_nobody_online`` (``utter_handoff_nobody_online_order_known``,
``utter_handoff_wait_nobody_online`` after a hand-off announced in its own words) says the
question waits in the queue and a colleague answers here once back. A project without them
promises the estimate as before (``utter_handoff``).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot import cancel, case_details, followup
from bot.ownership import Owner
from bot.storage import repo
from bot.storage.models import Customer, Message
from handoff import escalation, routing, team_hours, waiting
from handoff.escalation import REASON_TITLES, Reason

if TYPE_CHECKING:
    from bot.dialogue import Turn

T = TypeVar("T")

NOT_UNDERSTOOD = "utter_handoff_not_understood"
"""Said before the handoff message when the bot hands over because it did not understand."""
NOT_HELPED = "utter_handoff_not_helped"
"""Said instead of it when the bot did answer in this conversation — the customer asked the same
again, said «не помогло» twice, or went on about the answered topic in words the bot could not
read («уже 5 раз запрашивал» after the login answer): the answer did not help, a person looks."""


NOBODY_ONLINE = "utter_handoff_nobody_online"
"""In working hours with nobody of the team online (all «Не на месте» or «Не в сети»)."""
NOBODY_WAIT = "utter_handoff_wait_nobody_online"
"""Its counterpart of ``utter_handoff_wait``, after a hand-off announced in its own words."""

OFFLINE_WAIT = "utter_handoff_offline_wait"
"""Out of hours, after a hand-off announced in its own words: when the team is back, with no
request for details those words may already have answered."""

RECENT_MESSAGES = 20
DESCRIBED = "_described"
"""The suffix of a hand-over phrase for a customer who described the question already."""
DESCRIBED_MESSAGES = 6  # the customer's latest messages read for a description
DESCRIBED_WORDS = 4  # «у меня пропали бонусы»: words that make a description
_WORDS = re.compile(r"\w+")
"""How many of the conversation's latest customer messages are read for an order number."""


async def known_order(turn: Turn) -> str | None:
    """The order number the customer already gave: in this message, collected by a flow, or in
    one of their recent messages of this conversation («у меня заказ 87654321 пришёл разбитым»,
    then «позовите оператора»), the latest first."""
    if turn.prediction is not None:
        for entity in turn.prediction.entities:
            if entity.type == "order_number":
                return entity.value
    given = (turn.conversation.context or {}).get("order_number")  # bot/order_topic.py
    if given:
        return str(given)
    # What a flow collected (flows/engine.py keeps it under the slot's name in «slots»).
    flow_data = (turn.conversation.context or {}).get("flow_data")
    slots = flow_data.get("slots") if isinstance(flow_data, dict) else None
    value = slots.get("order_number") if isinstance(slots, dict) else None
    if value:
        return str(value)
    for data in await _latest(turn, Message.data, RECENT_MESSAGES):
        nlu = (data or {}).get("nlu") if isinstance(data, dict) else None
        for entity in (nlu or {}).get("entities") or ():
            if isinstance(entity, dict) and entity.get("type") == "order_number":
                return str(entity.get("value") or "") or None
    return None


async def _latest(turn: Turn, column: InstrumentedAttribute[T], limit: int) -> list[T]:
    """``column`` of the customer's latest ``limit`` messages in this conversation, newest first."""
    rows = await turn.session.scalars(
        select(column)
        .where(
            Message.conversation_id == turn.conversation.id,
            Message.author == "customer",
            Message.kind == "message",
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(rows)


def _variant(
    turn: Turn, name: str, order: str | None, described: bool = False
) -> tuple[str, dict[str, object]]:
    """``name``, or its ``_order_known`` variant with ``{order_number}`` when that applies, or
    its ``_described`` variant when the customer has described the question already (no
    «Опишите вопрос подробно…» after a long description, QA 3 Q10)."""
    known = f"{name}_order_known"
    if order and known in turn.domain.responses:
        return known, {"order_number": order}
    if described and f"{name}{DESCRIBED}" in turn.domain.responses:
        return f"{name}{DESCRIBED}", {}
    return name, {}


async def described(turn: Turn) -> bool:
    """Has the customer described the question in this conversation — a message of
    :data:`DESCRIBED_WORDS` words or more among the latest, that is no call for a person
    («позовите оператора, пожалуйста, очень нужно»)? This message counts too."""
    texts = [turn.event.text, *await _latest(turn, Message.text, DESCRIBED_MESSAGES)]
    return any(
        len(_WORDS.findall(text or "")) >= DESCRIBED_WORDS
        and escalation.calls_for_person(text) is None
        for text in texts
    )


def _say_nobody_online(
    turn: Turn, order_number: str | None, *, announced: bool, told: bool = False
) -> bool:
    """In working hours with nobody of the team online: say that no operator is at their place
    now, the question waits in the queue and a colleague answers here once back — no minutes.
    ``utter_handoff_nobody_online`` (``_order_known`` with the number), or after a hand-off
    announced in its own words ``utter_handoff_wait_nobody_online``. False when the project
    has no such response: the caller then promises the estimate as before."""
    if announced:
        if NOBODY_WAIT not in turn.domain.responses:
            return False
        turn.utter(NOBODY_WAIT)
        return True
    name, order = _variant(turn, NOBODY_ONLINE, order_number, told)
    if name not in turn.domain.responses:
        return False
    turn.say(turn.domain.render(name, turn.channel, **order), {"response": name})
    return True


def _why_not_understood(turn: Turn) -> str | None:
    """The words before a hand-over for reason ``not_understood``: «мой ответ не помог» when
    the bot answered an entry in this conversation (``utter_handoff_not_helped``), else «не смог
    разобраться» (``utter_handoff_not_understood``); None without either."""
    answered = followup.LAST_FAQ in (turn.conversation.context or {})
    for name in (NOT_HELPED, NOT_UNDERSTOOD) if answered else (NOT_UNDERSTOOD,):
        if name in turn.domain.responses:
            return name
    return None


async def _blocked(session: AsyncSession, customer_id: int) -> bool:
    """Is the customer (or the one they were merged into) blocked from the people?"""
    customer = await session.get(Customer, customer_id)
    if customer is not None and customer.merged_into_id is not None:
        customer = await session.get(Customer, customer.merged_into_id)
    return customer is not None and customer.blocked_at is not None


async def escalate(
    turn: Turn,
    reason: Reason,
    detail: str = "",
    team: str | None = None,
    *,
    announced: bool = False,
) -> None:
    """Pass the conversation to the human queue and tell the customer honestly what happens.

    ``announced``: the customer has just been told in the caller's own words that a person
    takes over (a «только специалист» entry, a flow's hand-off step, the apology for a
    complaint). Then only what those words could not know is added — the expected wait
    (``utter_handoff_wait``), who took it, or when operators are back — and not a second,
    generic «Передаю ваш вопрос…» that may contradict the first (another team, «напишите
    номер заказа» after «повторять ничего не придётся»)."""
    conv = turn.conversation
    cfg = turn.config.handoff
    if await _blocked(turn.session, conv.customer_id):
        # An operator blocked this customer (handoff/blocking.py): the bot only.
        if "utter_handoff_unavailable" in turn.domain.responses:
            turn.utter("utter_handoff_unavailable")
        return
    from flows import more  # flows.more reads bot.dialogue, which hands over with this

    # «12345678 и 87654321»: the second goes to the person too, said so (not left waiting)
    case_details.pass_on(turn, more.drop(turn))
    conv.team = team or conv.team or cfg.default_team
    order_number = await known_order(turn)
    told = await described(turn)  # no «Опишите вопрос подробно» after a description
    context = dict(conv.context or {})
    context["escalation"] = {
        "reason": reason.value,
        "title": REASON_TITLES.get(reason, reason.value),
        "detail": detail,
        # «позовите оператора» or a button has no useful guesses: those of the question then.
        "guesses": turn.question_guesses(),
        "flow": context.get("flow_data"),
        "message": turn.event.text[:500],
        # What the customer wrote for the case before it went to people (bot/case_details.py).
        "details": case_details.kept(context),
        "at": turn.now.isoformat(),
    }
    context.pop(case_details.KEY, None)
    # The customer's first message after the handoff message is acknowledged (bot/engine.py).
    context.pop("queued_reminder_at", None)
    context.pop("queued_heard_at", None)
    context.pop("flow", None)  # a person takes over: an unfinished flow must not resume later
    context.pop("passed_on_by", None)  # a new escalation: anyone may take it
    context.pop("order_asked", None)  # a person has the topic: no number goes to it later
    conv.context = context
    await repo.move(turn.session, conv, Owner.QUEUED, reason=reason.value, actor="bot")
    if reason is Reason.NOT_UNDERSTOOD and (why := _why_not_understood(turn)) is not None:
        # The customer never asked for a person: say why they now wait for one.
        turn.utter(why)
    await repo.add_event(
        turn.session, conv, f"Передано оператору: {REASON_TITLES.get(reason, reason.value)}"
    )
    assigned = (
        routing.choose(await routing.operator_loads(turn.session, conv.team))
        if cfg.auto_assign
        else None
    )
    if assigned is not None and await routing.take(
        turn.session, conv.id, assigned.id, actor="router", reason="auto_assigned"
    ):
        # Someone online took it — even out of hours, «завтра в 9:00» would not be true.
        turn.assigned_operator = assigned
        # Should that colleague leave before answering, it waits in the queue again: late.
        waiting.promise(conv, turn.now + timedelta(minutes=1))
        joined = "utter_operator_joined" in turn.domain.responses
        # «Оператор Анна уже читает…» is the whole news: «подключится примерно через 1 минуту»
        # just before it would only contradict it. Without it, the hand-off with the minute.
        if not joined:
            name, order = _variant(turn, "utter_handoff", order_number, told)
            said = turn.domain.render(
                name, turn.channel, wait_minutes=team_hours.plural_minutes(1), **order
            )
            # Without «Отменить вызов оператора»: there is no queue to leave, a person has it.
            cancel_off = tuple(
                b for b in said.buttons if b.payload != cancel.CANCEL_HANDOFF_PAYLOAD
            )
            turn.say(dataclasses.replace(said, buttons=cancel_off), {"response": name})
        if joined:
            turn.utter("utter_operator_joined", operator=assigned.display_name)
        return
    elif (
        back := await routing.closed_until(turn.session, conv.team, cfg.working_hours, turn.now)
    ) is not None:
        # Out of hours with nobody of the team online. With someone online, even with every
        # slot taken, the queue's estimate below: «завтра в 9:00» would not be true.
        waiting.promise(conv, back)
        # On a holiday the usual «ежедневно с 9:00 до 21:00» would contradict «ответим 3 января».
        special = "utter_handoff_offline_special_day"
        holiday = team_hours.is_special_day(cfg.working_hours, turn.now)
        if holiday and special in turn.domain.responses:
            name, order = _variant(turn, special, None, told)
        elif announced and order_number is None and OFFLINE_WAIT in turn.domain.responses:
            # The caller's words knew what the customer has («найдём заказ по телефону»):
            # no generic «…укажите номер заказа» after them, only when the team is back.
            name, order = OFFLINE_WAIT, {}
        else:
            name, order = _variant(turn, "utter_handoff_offline", order_number, told)
        back_at = team_hours.format_back_at(back, turn.now)
        hours = team_hours.usual_hours(cfg.working_hours)
        turn.say(
            turn.domain.render(name, turn.channel, back_at=back_at, hours=hours, **order),
            {"response": name},
        )
        return
    else:
        expected = await waiting.expected_wait_minutes(turn.session, conv, cfg)
        if expected.nobody_online and _say_nobody_online(
            turn, order_number, announced=announced, told=told
        ):
            # No minutes said, so none can be late (handoff/waiting.py): the first colleague
            # back takes it («Оператор … уже читает»).
            waiting.forget(conv)
            return
        wait = expected.minutes
        waiting.promise(conv, turn.now + timedelta(minutes=wait))
    if not announced:
        name, order = _variant(turn, "utter_handoff", order_number, told)
        wait_text = team_hours.plural_minutes(wait)
        turn.say(
            turn.domain.render(name, turn.channel, wait_minutes=wait_text, **order),
            {"response": name},
        )
    elif "utter_handoff_wait" in turn.domain.responses:
        turn.utter("utter_handoff_wait", wait_minutes=team_hours.plural_minutes(wait))

"""«Ответ помог?»: two buttons under the bot's FAQ answer, and what a press does.

The press is stored with the customer's message (``data["helpful"] = {"entry", "value"}``),
so the editor's page can show which answers customers said did not help
(:func:`handoff.editor_helpful.helpfulness`). «👎» is answered with an offer to explain more or
to call a colleague (``utter_helpful_no``, with the operator button); «👍» with a short thanks
(``utter_helpful_yes``). Neither counts as a miss. Pressing the same button again is stored
and answered with nothing (a messenger keeps old buttons pressable); a change of mind («👍»
after «👎») is answered as a first press. A project whose domain lacks the response
sends nothing for that press, and ``policy.ask_helpful: false`` shows no buttons at all. The
same words typed right after the answer («не помогло», «это не то», «помогло») count as the
press (bot/feedback.py). Typed again after «👎» («👎», then «не помогло»; «не помогло», then «ну
и?») the customer insists: instead of the same «Жаль, что ответ не помог…» a person takes over
(reason ``not_understood``, detail :data:`AGAIN`).

Only a single answer gets the buttons: several answers to one message, an answer given on the
way to a person, and a flow's answer do not (the customer would not know which one they rate).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Button, Outbound
from bot.handover import escalate
from bot.storage.models import Message
from handoff.escalation import Reason

if TYPE_CHECKING:
    from bot.dialogue import Turn

PREFIX = "helpful:"
YES, NO = "yes", "no"
AGAIN = "not_helped_again"  # the escalation's detail for a second «не помогло»


def with_buttons(message: Outbound, entry_id: str) -> Outbound:
    """The answer with «👍 Помогло» / «👎 Нет» after its own buttons."""
    return dataclasses.replace(
        message,
        buttons=(
            *message.buttons,
            Button("👍 Помогло", f"{PREFIX}{entry_id}:{YES}"),
            Button("👎 Не помогло", f"{PREFIX}{entry_id}:{NO}"),
        ),
    )


def parse(payload: str) -> tuple[str, bool] | None:
    """``helpful:<entry>:<yes|no>`` → (entry, helped), else None."""
    if not payload.startswith(PREFIX):
        return None
    entry_id, _, value = payload[len(PREFIX) :].rpartition(":")
    if not entry_id or value not in (YES, NO):
        return None
    return entry_id, value == YES


async def handle(turn: Turn, entry_id: str, helped: bool, *, typed: bool = False) -> None:
    """A press of «👍/👎» — or its words typed right after the answer (``typed``, bot/feedback.py:
    answered every time, as typed words are never a stale button pressed again)."""
    from bot.dialogue import operator_button

    before = await _last_press(turn, entry_id)
    turn.message_data["helpful"] = {"entry": entry_id, "value": helped}
    if typed:
        turn.message_data["helpful"]["typed"] = True
        if before is False and not helped:
            # Told «Жаль, что ответ не помог…» already: the same words again would be a loop.
            await escalate(turn, Reason.NOT_UNDERSTOOD, AGAIN)
            return
    elif before is helped:
        return  # the same button again (Telegram keeps it pressable): thanked once already
    name = "utter_helpful_yes" if helped else "utter_helpful_no"
    if name not in turn.domain.responses:
        return
    message = turn.domain.render(name, turn.channel)
    if not helped and not message.buttons:
        message = dataclasses.replace(message, buttons=(operator_button(),))
    turn.say(message, {"response": name, "helpful": entry_id})


async def _last_press(turn: Turn, entry_id: str) -> bool | None:
    """What the customer last pressed under this entry's answer in this conversation."""
    rated = Message.data["helpful"]["entry"].as_string()
    data = await turn.session.scalar(
        select(Message.data)
        .where(
            Message.conversation_id == turn.conversation.id,
            Message.author == "customer",
            rated == entry_id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    press = (data or {}).get("helpful") or {}
    return None if "value" not in press else bool(press["value"])


async def presses(
    session: AsyncSession, since: datetime, until: datetime | None = None, limit: int = 20_000
) -> dict[tuple[int, str], bool]:
    """(conversation, entry) → whether the answer helped, for presses in ``[since, until)``
    (the newest ``limit``); a customer who pressed twice counts once, with their last press."""
    rated = Message.data["helpful"]["entry"].as_string()
    query = select(Message.conversation_id, Message.data).where(
        Message.author == "customer", Message.created_at >= since, rated.is_not(None)
    )
    if until is not None:
        query = query.where(Message.created_at < until)
    rows = (await session.execute(query.order_by(Message.id.desc()).limit(limit))).all()
    last: dict[tuple[int, str], bool] = {}
    for conversation_id, data in reversed(rows):
        press = (data or {}).get("helpful") or {}
        last[(conversation_id, str(press.get("entry")))] = bool(press.get("value"))
    return last

"""The customer takes back their request for a person: «Отменить вызов оператора».

The handoff messages carry the button (``/cancel_handoff`` in ``domain.yml``): a customer who
found the answer meanwhile, or asked for a person by mistake, need not wait in a queue an
operator will then open for nothing. While the conversation is queued the press hands it back to
the bot (``queued → bot``, reason ``customer_cancelled``), ends the promised wait, says so in the
history and to the customer (``utter_handoff_cancelled``). Once an operator has it, the press is
an ordinary message the operator reads, and the customer is told to say so to the operator
(``utter_handoff_cancel_too_late``). With the bot (an old button), there is nothing to cancel:
the customer reads ``utter_handoff_cancelled`` all the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.events import InboundKind
from bot.ownership import Owner
from bot.storage import repo
from handoff import waiting

if TYPE_CHECKING:
    from bot.dialogue import Turn

CANCEL_HANDOFF_PAYLOAD = "/cancel_handoff"
CANCELLED = "utter_handoff_cancelled"
TOO_LATE = "utter_handoff_cancel_too_late"


def is_cancel(turn: Turn) -> bool:
    event = turn.event
    return event.kind is InboundKind.BUTTON and event.payload == CANCEL_HANDOFF_PAYLOAD


async def cancel(turn: Turn) -> None:
    conversation = turn.conversation
    if conversation.owner == Owner.OPERATOR.value:
        if TOO_LATE in turn.domain.responses:
            turn.utter(TOO_LATE)
        return
    if conversation.owner == Owner.QUEUED.value:
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

"""An order number typed at a question with buttons about orders (QA 3 QA6).

The bot asked «Уточните, пожалуйста, — вы имели в виду: [Отменить заказ] [Заказ отменили без
меня]»; the customer typed «12345678» instead of pressing a button. That number used to start
«Где мой заказ» (a flow's ``start_pattern``) and the cancellation was forgotten. Now, when every
entry offered is of a category of orders (that of an intent which starts a flow asking for the
order number: «Заказы»), the number is kept for the conversation (``context["order_number"]``,
what :func:`bot.handover.known_order` reads) and the same options are offered again with
``utter_clarify_order_number`` «Номер заказа 12345678 вижу. Уточните, пожалуйста, что с ним:»;
the option pressed then answers about that order (``utter_faq_<entry>_order_known``) or takes
it to a person. Options about anything else leave the number to the flows as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import choice
from bot.events import Button, ButtonStyle, InboundKind, Outbound
from bot.flow_leave import about_order
from bot.order_topic import bare_order_number

if TYPE_CHECKING:
    from bot.dialogue import Turn

RESPONSE = "utter_clarify_order_number"


def _order_categories(turn: Turn) -> set[str]:
    """The categories of the intents that start a flow asking for an order number."""
    return {
        entry.category
        for flow in turn.flows.values()
        if about_order(flow)
        for intent in flow.intents
        if (entry := turn.kb.get(intent)) is not None and entry.category
    }


def _about_orders(turn: Turn) -> bool:
    entries = [turn.kb.get(p[4:]) for _, p in turn.offered if p.startswith("faq:")]
    categories = _order_categories(turn)
    return bool(entries) and all(e is not None and e.category in categories for e in entries)


class NumberAtChoiceHandler:
    """«12345678» typed at «Уточните…» whose options are all about orders."""

    name = "number_at_choice"

    def match(self, turn: Turn) -> bool:
        if turn.event.kind is not InboundKind.TEXT or RESPONSE not in turn.domain.responses:
            return False
        if (turn.conversation.context or {}).get("flow") or not turn.offered:
            return False  # a running flow's question takes its own answers
        return bare_order_number(turn) is not None and _about_orders(turn)

    async def handle(self, turn: Turn) -> None:
        number = bare_order_number(turn)
        assert number is not None
        turn.message_data["choice"] = "order_number"  # understood: not an FAQ miss
        turn.conversation.context = {**(turn.conversation.context or {}), "order_number": number}
        header = turn.domain.render(RESPONSE, turn.channel, order_number=number)
        buttons = tuple(Button(title, payload) for title, payload in turn.offered)
        choice.offer(turn.conversation, turn.offered, turn.now)  # «2» still picks one
        turn.say(
            Outbound(text=header.text, buttons=buttons, style=ButtonStyle.INLINE),
            {"response": RESPONSE, "options": [p for _, p in turn.offered]},
        )

"""A location the customer shares (Telegram location or venue, Viber location message).

It arrives as :attr:`~bot.events.InboundKind.LOCATION`: the history shows the point with a
map link, and it is no file that needs a person. No flow asks for a place yet, so outside a
flow the bot thanks the customer and asks what the point is about (``utter_location``);
inside one, the flow reads it like any other answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.events import InboundKind

if TYPE_CHECKING:
    from bot.dialogue import Turn


class LocationHandler:
    name = "location"

    def match(self, turn: Turn) -> bool:
        return turn.event.kind is InboundKind.LOCATION and not (
            (turn.conversation.context or {}).get("flow")
        )

    async def handle(self, turn: Turn) -> None:
        known = "utter_location" in turn.domain.responses
        turn.utter("utter_location" if known else "utter_default")

"""The first reply to «Уточните, пожалуйста, — вы имели в виду:» that the bot does not read either.

The clarify question counts as a miss (``Conversation.unknown_streak``) until the customer picks
an option, so with ``handoff.not_understood_limit: 2`` a short reply it could not read («а когда
тогда») used to go straight to a person with «не смог разобраться» (QA 2d D18). Now that reply
is read against the options offered (bot/answering.py ``_after_offer``: answered if it fits one
clearly) and otherwise gets the same options once more, with «Позвать оператора»
(``utter_clarify_again``). Only the next miss hands over. The grace is given once: only while
the clarify is the only miss in a row (a streak of 1), and the repeated options count as a miss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import followup

if TYPE_CHECKING:
    from bot.dialogue import Turn

RESPONSE = "utter_clarify_again"


def offered_entries(turn: Turn) -> list[tuple[str, str]]:
    """The entries (title, payload) of the options the customer answers now."""
    return [(title, payload) for title, payload in turn.offered if payload.startswith("faq:")]


def grace(turn: Turn) -> bool:
    """Is this a short reply to the bot's first clarify, with no other miss before it? Then a
    miss is no step to a person: the options are offered once more."""
    return (
        RESPONSE in turn.domain.responses
        and bool(offered_entries(turn))
        and turn.conversation.unknown_streak <= 1
        and followup.is_short_reply(turn.event.text)
    )

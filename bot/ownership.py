"""Who owns a conversation: the explicit state machine behind handoff.

::

          escalate            take/assign
    bot ────────────► queued ─────────────► operator ──┐ transfer to colleague
     ▲  ◄──────────── │  ▲   ◄────────────── │  ▲ ◄──┘ (operator → operator)
     │   cancel /      │  │   transfer to team│  │
     │   return        │  │   / operator away │  │
     │                 ▼  │                   ▼  │
     └──── hand back ── closed ◄──── close ───────┘

Every allowed move is a row of :data:`TRANSITIONS`; anything else raises
:class:`IllegalTransition`. A new customer message after ``closed`` opens a new conversation
instead of reopening the old one, so ratings and SLAs stay per conversation.
"""

from __future__ import annotations

from enum import StrEnum


class Owner(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    OPERATOR = "operator"
    CLOSED = "closed"


class IllegalTransition(Exception):
    def __init__(self, current: Owner, target: Owner, reason: str) -> None:
        super().__init__(f"cannot move a conversation from {current} to {target} ({reason})")
        self.current = current
        self.target = target


TRANSITIONS: dict[tuple[Owner, Owner], str] = {
    (Owner.BOT, Owner.QUEUED): "the bot escalates (request, misses, complaint, failure, flow)",
    (Owner.BOT, Owner.OPERATOR): "an operator joins a bot conversation directly",
    (Owner.BOT, Owner.CLOSED): "the conversation ends without a person (goodbye, inactivity)",
    (Owner.QUEUED, Owner.OPERATOR): "assigned automatically or taken by hand",
    (Owner.QUEUED, Owner.BOT): "the customer cancels or an operator returns it to the bot",
    (Owner.QUEUED, Owner.CLOSED): "closed while waiting (spam, resolved elsewhere)",
    (Owner.QUEUED, Owner.QUEUED): "moved to another team's queue",
    (Owner.OPERATOR, Owner.OPERATOR): "transferred to a colleague",
    (Owner.OPERATOR, Owner.QUEUED): "transferred to a team, or the operator went away",
    (Owner.OPERATOR, Owner.BOT): "the operator hands the conversation back to the bot",
    (Owner.OPERATOR, Owner.CLOSED): "the operator closes the conversation",
}

OPEN_OWNERS = (Owner.BOT, Owner.QUEUED, Owner.OPERATOR)
HUMAN_OWNERS = (Owner.QUEUED, Owner.OPERATOR)


def can_move(current: Owner, target: Owner) -> bool:
    return (current, target) in TRANSITIONS


def check_move(current: Owner | str, target: Owner | str, reason: str = "") -> None:
    """Raise :class:`IllegalTransition` unless ``current → target`` is in the table."""
    current, target = Owner(current), Owner(target)
    if (current, target) not in TRANSITIONS:
        raise IllegalTransition(current, target, reason or "not in the transition table")

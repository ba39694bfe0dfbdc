"""The statistics' timings per handoff (:mod:`handoff.metrics`): each handoff's first answer
and who gave it, the later replies within it, its resolution, and the waits still running —
from its own row (:mod:`bot.storage.handoffs`) and the period's operator replies, so a
conversation handed over twice is timed twice, each handoff on its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Row

from bot.storage.erasure import CLOSE_REASON as ERASED

# handoff, conversation, escalated, answered, first operator, reason, ended, outcome
Episode = Row[
    int, int, datetime, datetime | None, int | None, str | None, datetime | None, str | None
]
Reply = Row[int | None, int, datetime]  # operator, conversation, at
# handoff, conversation, what the customer wrote when, the handoff's first answer and end
Said = Row[int, int, datetime, datetime | None, datetime | None]
Timed = tuple[int | None, float]  # operator, seconds
Waited = Callable[[datetime, datetime], float]  # seconds of the team's time between two moments


def first_answers(
    escalated: Sequence[Episode],
    answered_waits: dict[int, float],
    by_conversation: dict[int, list[Reply]],
) -> list[Timed]:
    """(operator, seconds) of each answered handoff's wait, for who answered it first: kept
    with the handoff, else (a handoff rebuilt from older rows) the conversation's first reply
    of the period since the handoff began and before the next one."""
    found = []
    starts: dict[int, list[datetime]] | None = None  # only for handoffs without their operator
    for handoff_id, conversation_id, started, answered, operator_id, *_ in escalated:
        if answered is None:
            continue
        if operator_id is None:
            if starts is None:
                starts = {}
                for _, conversation, began, *_ in escalated:
                    starts.setdefault(conversation, []).append(began)
            following = [at for at in starts[conversation_id] if at > started]
            before = min(following, default=None)
            operator_id = min(
                (
                    reply
                    for reply in by_conversation.get(conversation_id, ())
                    if started <= reply[2] and (before is None or reply[2] < before)
                ),
                key=_at,
                default=(None, 0, started),
            )[0]
        found.append((operator_id, answered_waits[handoff_id]))
    return found


def last_replies(
    escalated: Sequence[Episode], by_conversation: dict[int, list[Reply]]
) -> dict[int, Reply]:
    """Each handoff's last reply of the period: the latest from its start until it ended (or
    until now); of replies at the same moment, the one read last. ``by_conversation``'s
    lists are sorted by time here, in place (a stable sort: what else reads them sees the
    same order of replies at one moment)."""
    for said in by_conversation.values():
        if len(said) > 1:
            said.sort(key=_at)
    found: dict[int, Reply] = {}
    for handoff_id, conversation_id, started, _, _, _, ended, _ in escalated:
        for reply in reversed(by_conversation.get(conversation_id, ())):
            at = reply[2]
            if ended is not None and at > ended:
                continue
            if started <= at:
                found[handoff_id] = reply
            break
    return found


def _at(reply: Reply) -> datetime:
    return reply[2]


def reply_times(
    said: Sequence[Said], by_conversation: dict[int, list[Reply]], waited: Waited
) -> list[Timed]:
    """(operator, seconds) for each reply a person gave after their handoff's first one, from
    the customer's first message since the previous reply (several messages in a row wait
    once, from the first)."""
    timeline: dict[int, list[tuple[datetime, int, int | None]]] = {}
    windows: dict[int, tuple[int, datetime | None, datetime | None]] = {}
    for handoff_id, conversation_id, at, answered, ended in said:
        timeline.setdefault(handoff_id, []).append((at, 0, None))
        windows[handoff_id] = (conversation_id, answered, ended)
    for handoff_id, (conversation_id, answered, ended) in windows.items():
        for operator_id, _, at in by_conversation.get(conversation_id, ()):
            if answered is not None and answered <= at and (ended is None or at <= ended):
                timeline[handoff_id].append((at, 1, operator_id))
    found = []
    for events in timeline.values():
        events.sort(key=lambda e: (e[0], e[1]))
        first = next((i for i, e in enumerate(events) if e[1] == 1), None)
        if first is None:
            continue
        pending: datetime | None = None
        for at, is_reply, operator_id in events[first + 1 :]:
            if not is_reply:
                pending = pending or at
            elif pending is not None:
                found.append((operator_id, waited(pending, at)))
                pending = None
    return found


def unanswered(said: Sequence[Said], by_conversation: dict[int, list[Reply]]) -> int:
    """How many of the customers' messages after a person's first answer, in handoffs not yet
    ended, no reply of the period has followed (a reply at the same moment answers them): the
    messages still waiting for a person. Six in a row are six here, however they are timed
    (:func:`reply_times` times them once, from the first)."""
    last: dict[int, datetime] = {}
    for _, conversation_id, at in (r for rs in by_conversation.values() for r in rs):
        if conversation_id not in last or at > last[conversation_id]:
            last[conversation_id] = at
    waiting = 0
    for _, conversation_id, at, answered, ended in said:
        if ended is not None:
            continue
        replied = last.get(conversation_id)
        # A reply before this handoff's first answer belongs to an earlier one.
        if replied is None or (answered is not None and replied < answered) or at > replied:
            waiting += 1
    return waiting


NOT_RESOLVED = frozenset({"customer_blocked", ERASED})
"""Outcomes that end a handoff without resolving it: the customer was blocked
(:mod:`handoff.blocking`) or asked to be forgotten (:mod:`bot.storage.erasure`)."""


def resolutions(
    escalated: Sequence[Episode], last: dict[int, Reply], waited: Waited
) -> list[Timed]:
    """(operator, seconds) from each answered handoff to the moment it ended — a person
    closed the conversation or gave it back to the bot. One closed for the customer's silence
    ends at the operator's last reply (the hour of silence is not the team's time). One closed
    because the customer was blocked (spam, abuse) or erased on their request (``NOT_RESOLVED``)
    was cut off, not resolved: it counts neither as resolved nor in the time to resolve. The
    operator is the one who replied last (``last``: :func:`last_replies`). A handoff rebuilt
    from a conversation row whose owner changes were not kept has no ``outcome``: how it ended
    is not known."""
    found = []
    for handoff_id, _, started, answered, _, _, ended, outcome in escalated:
        if answered is None or ended is None or outcome is None or outcome in NOT_RESOLVED:
            continue
        reply = last.get(handoff_id)
        finished = reply[2] if reply is not None and outcome == "customer_silent" else ended
        found.append((reply[0] if reply is not None else None, waited(started, finished)))
    return found


def still_waiting(escalated: Sequence[Episode], now: datetime, waited: Waited) -> list[float]:
    """Seconds waited so far by the handoffs still waiting for a person's first reply."""
    return [
        waited(started, now)
        for _, _, started, answered, _, _, ended, _ in escalated
        if answered is None and ended is None
    ]

"""The owner state machine: every allowed move, and every forbidden one, explicitly."""

from __future__ import annotations

import itertools

import pytest

from bot.ownership import TRANSITIONS, IllegalTransition, Owner, can_move, check_move

ALLOWED = {
    (Owner.BOT, Owner.QUEUED),
    (Owner.BOT, Owner.OPERATOR),
    (Owner.BOT, Owner.CLOSED),
    (Owner.QUEUED, Owner.OPERATOR),
    (Owner.QUEUED, Owner.BOT),
    (Owner.QUEUED, Owner.CLOSED),
    (Owner.QUEUED, Owner.QUEUED),
    (Owner.OPERATOR, Owner.OPERATOR),
    (Owner.OPERATOR, Owner.QUEUED),
    (Owner.OPERATOR, Owner.BOT),
    (Owner.OPERATOR, Owner.CLOSED),
}


def test_the_table_is_exactly_the_documented_set() -> None:
    assert set(TRANSITIONS) == ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_move(current: Owner, target: Owner) -> None:
    assert can_move(current, target)
    check_move(current, target)


FORBIDDEN = sorted(set(itertools.product(Owner, Owner)) - ALLOWED)


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_forbidden_move(current: Owner, target: Owner) -> None:
    assert not can_move(current, target)
    with pytest.raises(IllegalTransition):
        check_move(current, target)


def test_closed_is_final() -> None:
    assert not any(can_move(Owner.CLOSED, target) for target in Owner)


def test_check_move_accepts_stored_strings() -> None:
    check_move("bot", "queued")
    with pytest.raises(IllegalTransition, match="closed to bot"):
        check_move("closed", "bot")

"""The serving process keeps its long-lived objects out of full garbage collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot import heap


class Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_what_is_alive_at_start_up_is_frozen_and_skipped_by_full_collections(
    unfrozen_afterwards: None,
) -> None:
    survivor = Node()
    assert heap.freeze() > 0
    assert gc.get_freeze_count() > 0
    alive = weakref.ref(survivor)
    del survivor
    gc.collect()
    assert alive() is not None  # frozen: a full collection does not even look at it


def test_a_reload_lets_the_old_brains_cycles_go(unfrozen_afterwards: None) -> None:
    old_brain = Node()
    heap.freeze()
    gone = weakref.ref(old_brain)
    del old_brain  # the reload swapped it out
    heap.refreeze()
    assert gone() is None
    assert gc.get_freeze_count() > 0


def test_a_process_that_never_froze_is_left_alone() -> None:
    assert gc.get_freeze_count() == 0
    heap.refreeze()
    assert gc.get_freeze_count() == 0

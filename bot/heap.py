"""The serving process's garbage-collector policy: keep long-lived objects out of full collections.

A trained model, spaCy, pymorphy3 and the project are ~220 000 objects that live as long as the
process. CPython's full (generation 2) collection walks all of them: about 65 ms on this
project's 2-core benchmark machine, during which the event loop answers nobody. Under load
these pauses come every few seconds and are what a customer sees as the slowest 1 % of
replies (``bench.webhook_load``'s p99).

:func:`freeze` moves everything alive after start-up into the interpreter's permanent
generation (:func:`gc.freeze`), so later collections only walk what requests allocate. Frozen
objects are still freed by reference counting; only *cyclic* garbage among them would stay, which
is why a hot reload, which replaces the brain, calls :func:`refreeze`: unfreeze, one full
collection (the old brain goes), freeze again.

Only serving processes freeze (``zabota run``, the benchmark's bot); tests and one-off commands
leave the collector alone.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def freeze() -> int:
    """Collect once, then freeze what is left; return how many objects were frozen."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    count = gc.get_freeze_count()
    log.info(
        "froze %d long-lived objects in %.0f ms", count, 1000 * (time.perf_counter() - started)
    )
    return count


def refreeze() -> None:
    """After the long-lived objects changed (a reload): let the old ones go, freeze the new."""
    if gc.get_freeze_count() == 0:
        return  # this process does not freeze (tests, CLI commands)
    gc.unfreeze()
    freeze()

"""Stopping background tasks without hanging and without swallowing the caller's cancellation.

``task.cancel(); with suppress(CancelledError): await task`` has two faults: if the task loses
the cancellation (Python 3.11's ``asyncio.wait_for`` could swallow one that raced a wake-up) the
caller waits forever, and a cancellation aimed at the *caller* is suppressed too. ``asyncio.wait``
never raises the task's outcome, so the caller stays cancellable, and the wait is bounded.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


async def cancel_and_wait(task: asyncio.Task[Any] | None, timeout: float = 10.0) -> bool:
    """Cancel ``task`` and wait up to ``timeout`` s for it to end; True if it ended."""
    if task is None or task.done():
        return True
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        log.error("task %s did not stop within %.0f s; leaving it", task.get_name(), timeout)
        return False
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("task %s ended with %s while stopping", task.get_name(), type(exc).__name__)
    return True


async def stop_or_cancel(
    task: asyncio.Task[Any] | None, grace: float, timeout: float = 10.0
) -> bool:
    """Give ``task`` ``grace`` s to end by itself (it was told to stop), then cancel it.

    A task cancelled in the middle of a database call leaves that call running in the
    driver's worker thread (aiosqlite), which then reports its result to a loop that may be
    closed by then; letting the task reach its own stop check avoids that.
    """
    if task is None or task.done():
        return True
    done, _ = await asyncio.wait({task}, timeout=grace)
    return bool(done) or await cancel_and_wait(task, timeout)

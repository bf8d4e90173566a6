"""Keeping background loops stoppable when a library swallows a cancellation."""

from __future__ import annotations

import asyncio


def raise_if_cancelling() -> None:
    """Re-raise a pending cancellation of the current task.

    redis-py can turn a cancellation that lands mid-command into a ConnectionError; a loop that waits
    out Redis outages would then never stop. Call this first in such a loop's error handler.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def pause(seconds: float) -> None:
    """Sleep between rounds of a background loop, stopping first if the loop was asked to stop."""
    raise_if_cancelling()
    await asyncio.sleep(seconds)

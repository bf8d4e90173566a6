"""Keeping background loops stoppable when a library swallows a cancellation."""

from __future__ import annotations

import asyncio


def raise_if_cancelling() -> None:
    """Re-raise a pending cancellation of the current task.

    Libraries lose cancellations: redis-py can turn one that lands mid-command into a ConnectionError,
    and on Python 3.11 `asyncio.wait_for` (which redis-py uses to write a command) returns normally
    when the cancellation arrives just as the write completes. A loop that never sleeps between rounds
    would then run forever. Call this at the top of every round and first in every error handler.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def pause(seconds: float) -> None:
    """Sleep between rounds of a background loop, stopping first if the loop was asked to stop."""
    raise_if_cancelling()
    await asyncio.sleep(seconds)


async def stop_tasks(tasks: list[asyncio.Task[None]], timeout: float = 5.0) -> list[str]:
    """Cancel `tasks` and wait for them; a task that lost its cancellation is cancelled again.

    Returns the names of tasks still running after `timeout` (they are left behind, never waited on
    forever: a shutdown must end).
    """
    for task in tasks:
        task.cancel()
    if not tasks:
        return []
    _done, pending = await asyncio.wait(tasks, timeout=timeout / 2)
    for task in pending:
        task.cancel()
    if pending:
        _done, pending = await asyncio.wait(pending, timeout=timeout / 2)
    return sorted(task.get_name() for task in pending)

"""Process-local wake-ups: a background job asleep until its next due time, woken early by new work.

A job that sleeps until the earliest due time it read (capped) would miss work queued meanwhile with
an earlier time. The code that queues work rings the structure's doorbell once the write is done; the
job notes the ring count before it reads, and its wait returns at once if a ring came since. The bell
is process-local: work queued by another process is found at the latest when the job's capped sleep
ends. A spurious ring only costs the job one early look.

Bells are kept per name (the structure's Redis key) for the life of the process, so every job and
every writer on the same structure in this process share one, whatever event loop they run on.
"""

from __future__ import annotations

import asyncio

from bot.runtime.cancellation import raise_if_cancelling


class Doorbell:
    """Counts rings and wakes whoever waits for one."""

    def __init__(self) -> None:
        self._rings = 0
        self._waiters: set[asyncio.Future[bool]] = set()

    @property
    def rings(self) -> int:
        """Rings so far: note it before reading what is due, then `wait(..., since=...)`."""
        return self._rings

    def ring(self) -> None:
        """New work was queued: wake every waiter (from any event loop of this process)."""
        self._rings += 1
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            loop = waiter.get_loop()
            if waiter.done() or loop.is_closed():
                continue
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                waiter.set_result(True)
            else:
                loop.call_soon_threadsafe(_settle, waiter, True)

    async def wait(self, seconds: float, *, since: int) -> bool:
        """Sleep up to `seconds`, less if rung after the count `since`; whether a ring ended it."""
        raise_if_cancelling()
        if self._rings != since:
            return True
        if seconds <= 0:
            return False
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.add(waiter)
        timer = loop.call_later(seconds, _settle, waiter, False)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiters.discard(waiter)


def _settle(waiter: asyncio.Future[bool], rung: bool) -> None:
    if not waiter.done():
        waiter.set_result(rung)


_BELLS: dict[str, Doorbell] = {}


def doorbell(name: str) -> Doorbell:
    """The process's doorbell of a structure (by its Redis key)."""
    bell = _BELLS.get(name)
    if bell is None:
        bell = _BELLS[name] = Doorbell()
    return bell

"""Tracks in-flight listener work so a SIGTERM can let it finish before the process exits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class WorkTracker:
    """Counts running units of work; `drain` waits for them (bounded)."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def run(self, work: Awaitable[T]) -> T:
        """Await `work` while it is counted as in flight."""
        self._running += 1
        self._idle.clear()
        try:
            return await work
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def drain(self, timeout: float = 20.0) -> bool:
        """Wait until nothing is in flight; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

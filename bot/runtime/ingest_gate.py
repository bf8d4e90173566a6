"""Ingest first: inbox consumers give way to the callback endpoint while the vendor floods it.

Accepting a notification is what the vendor waits for (it redelivers what is not answered in time);
applying it can wait. While notifications arrive faster than FLOOD_RATE per second (each element of a
batch counts), consumers of this process apply one entry per trickle interval, so the endpoint keeps
the event loop and the worker still moves; below that rate (a vendor's normal traffic) consumers run
at full speed.
"""

from __future__ import annotations

import asyncio
import time

FLOOD_RATE = 2000  # notifications per second from which ingestion counts as flooded
WINDOW_SECONDS = 0.1  # arrivals are counted over windows this long
TRICKLE_SECONDS = 0.05  # one entry applied per interval while flooded (a few percent of a core)
POLL_SECONDS = 0.005


class IngestGate:
    """Counts arriving notifications; consumers are admitted freely unless they arrive in a flood."""

    def __init__(
        self,
        flood_rate: float = FLOOD_RATE,
        trickle_seconds: float = TRICKLE_SECONDS,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        self._flood_count = flood_rate * window_seconds
        self._window = window_seconds
        self.trickle_seconds = trickle_seconds
        self._window_start = float("-inf")
        self._current = 0  # arrivals in the current window
        self._previous = 0  # arrivals in the window before it
        self._turn = asyncio.Lock()
        self._last_admitted = float("-inf")

    def arrived(self, count: int = 1) -> None:
        """Count notifications that were just stored."""
        self._roll(time.monotonic())
        self._current += count

    def _roll(self, now: float) -> None:
        elapsed = now - self._window_start
        if elapsed < self._window:
            return
        self._previous = self._current if elapsed < 2 * self._window else 0
        self._current = 0
        self._window_start = now

    @property
    def flooded(self) -> bool:
        """Whether notifications arrive so fast that consumers should give way."""
        self._roll(time.monotonic())
        return max(self._current, self._previous) >= self._flood_count

    async def admit(self) -> None:
        """Return at once unless ingestion is flooded; then admit one caller per trickle interval."""
        if not self.flooded:
            return
        async with self._turn:  # one caller polls, the others wait their turn without waking
            while self.flooded:
                wait = self._last_admitted + self.trickle_seconds - time.monotonic()
                if wait <= 0:
                    break
                await asyncio.sleep(min(wait, POLL_SECONDS))
            self._last_admitted = time.monotonic()

"""Ingest first: inbox consumers give way to the callback endpoint while the vendor floods it.

Accepting a notification is what the vendor waits for (it redelivers what is not answered in time);
applying it can wait. While many callbacks are being received at once, consumers of this process
apply one entry per trickle interval, so the endpoint keeps the event loop and the worker still moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

BUSY_AT = 8  # callbacks being received at once from which ingestion counts as flooded
TRICKLE_SECONDS = 0.02  # one entry applied per interval while flooded (about 5% of a core)
POLL_SECONDS = 0.005


class IngestGate:
    """Counts callbacks being received; consumers are admitted freely unless ingestion is flooded."""

    def __init__(self, busy_at: int = BUSY_AT, trickle_seconds: float = TRICKLE_SECONDS) -> None:
        self.busy_at = busy_at
        self.trickle_seconds = trickle_seconds
        self.receiving = 0
        self._turn = asyncio.Lock()
        self._last_admitted = 0.0

    @contextmanager
    def receiving_one(self) -> Iterator[None]:
        """Count one callback while it is being received and stored."""
        self.receiving += 1
        try:
            yield
        finally:
            self.receiving -= 1

    @property
    def flooded(self) -> bool:
        """Whether so many callbacks are being received that consumers should give way."""
        return self.receiving >= self.busy_at

    async def admit(self) -> None:
        """Return at once unless ingestion is flooded; then admit one caller per trickle interval."""
        if not self.flooded:
            return
        async with self._turn:  # one caller polls, the others wait their turn without waking
            loop = asyncio.get_running_loop()
            while self.flooded:
                wait = self._last_admitted + self.trickle_seconds - loop.time()
                if wait <= 0:
                    break
                await asyncio.sleep(min(wait, POLL_SECONDS))
            self._last_admitted = loop.time()

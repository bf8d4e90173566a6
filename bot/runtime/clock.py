"""Wall-clock time in epoch milliseconds: the unit of every score and deadline the bot keeps in Redis."""

from __future__ import annotations

import time


def now_ms() -> int:
    """The current time in whole milliseconds since the epoch."""
    return int(time.time() * 1000)

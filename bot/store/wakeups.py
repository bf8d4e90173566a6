"""When queued work is due, and the doorbells rung by the code that queues it, for the jobs that wait.

A job sleeping until the earliest due time it read is woken when this process queues something that
may be due sooner (bot/runtime/wakeup.py). Work queued by another process is found when the job's
capped sleep ends.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.runtime.wakeup import Doorbell, doorbell
from bot.store.keys import Keys


def render_bell(keys: Keys) -> Doorbell:
    """Rung when a render is queued or deferred (both render queues)."""
    return doorbell(keys.pending_finals())


def reply_bell(keys: Keys) -> Doorbell:
    """Rung when a thread reply is queued or put back."""
    return doorbell(keys.reply_channels())


def sweep_bell(keys: Keys) -> Doorbell:
    """Rung when a request's deadline is set or an event is parked (what the deadline sweep waits for)."""
    return doorbell(keys.deadlines())


async def earliest_score(redis: Redis, key: str) -> float | None:
    """The lowest score of a sorted set (where scores are due times), None when it is empty."""
    head = await redis.zrange(key, 0, 0, withscores=True)
    return float(head[0][1]) if head else None

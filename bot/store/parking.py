"""Parked notifications: events that arrived before their remoteActionId was mapped to a request."""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis

from bot.store.inbox import ENTRY_FIELDS, RECEIVED_FIELD, entry_fields
from bot.store.keys import Keys
from bot.store.scripts import register
from bot.store.wakeups import earliest_score, sweep_bell

log = logging.getLogger(__name__)


class ParkedEvents:
    """Keeps events whose mapping is not written yet, and puts them back in the inbox once it is."""

    def __init__(self, redis: Redis, keys: Keys, *, ttl_seconds: float) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl_seconds = ttl_seconds
        self._replay = register(redis, "parked_replay", ENTRY_FIELDS)

    async def park(self, remote_action_id: str, element_json: str) -> None:
        """Keep one event of a remoteActionId that no request claims yet."""
        keys, ttl_ms = self._keys, int(self._ttl_seconds * 1000)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(keys.parked(remote_action_id), element_json)
            pipe.pexpire(keys.parked(remote_action_id), ttl_ms)
            pipe.zadd(keys.parked_index(), {remote_action_id: time.time()}, nx=True)
            await pipe.execute()
        sweep_bell(keys).ring()  # its expiry may come before the sweep's next look

    async def replay(self, remote_action_id: str) -> int:
        """Move the parked events of a remoteActionId back into the inbox; returns how many."""
        keys = self._keys
        moved = await self._replay(
            keys=[keys.parked(remote_action_id), keys.parked_index(), keys.inbox()],
            args=[remote_action_id, entry_fields("")[RECEIVED_FIELD]],
        )
        if moved:
            log.info("replayed %d parked event(s) of remote %s", moved, remote_action_id)
        return int(moved)

    async def next_expiry(self) -> float | None:
        """When the oldest parked remoteActionId outlives the park TTL (epoch seconds), None when none."""
        oldest = await earliest_score(self._redis, self._keys.parked_index())
        return None if oldest is None else oldest + self._ttl_seconds

    async def drop_expired(self) -> int:
        """Forget parked remoteActionIds older than the park TTL (sent outside the bot); returns how many."""
        keys = self._keys
        cutoff = time.time() - self._ttl_seconds
        expired = [str(item) for item in await self._redis.zrangebyscore(keys.parked_index(), 0, cutoff)]
        for remote_action_id in expired:
            log.warning("parked events of unknown remote %s dropped after the park TTL", remote_action_id)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(keys.parked(remote_action_id))
                pipe.zrem(keys.parked_index(), remote_action_id)
                pipe.incrby(keys.counter("parked_dropped"), 1)
                await pipe.execute()
        return len(expired)

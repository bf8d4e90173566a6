"""The queue of batch messages to render: one entry per batch, however many of its members change."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.runtime.clock import now_ms
from bot.runtime.wakeup import Doorbell, doorbell
from bot.store.keys import Keys
from bot.store.message_finish import MESSAGE_GAP_MS
from bot.store.scripts import register
from bot.store.wakeups import earliest_score

BATCH_RENDER_LEASE_MS = 30_000  # a renderer that dies holding a batch gives it back after this


def touch_batch(pipe: Pipeline, keys: Keys, batch_id: str) -> None:
    """Queue a batch's message inside the caller's transaction (a member changed)."""
    pipe.hincrby(keys.batches_generation(), batch_id, 1)
    pipe.zadd(keys.batches_dirty(), {batch_id: now_ms()}, nx=True)


def batch_render_bell(keys: Keys) -> Doorbell:
    """Rung when a batch message is queued in this process."""
    return doorbell(keys.batches_dirty())


@dataclass(frozen=True)
class BatchRenderLease:
    """A batch message being rendered, and the generation of its members it shows."""

    batch_id: str
    generation: int


class BatchRenders:
    """Takes due batch messages with a lease and gives them back, queued again if they changed."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._take = register(redis, "batch_render_take")
        self._done = register(redis, "batch_render_done")

    async def touch(self, batch_id: str) -> None:
        """Queue a batch's message now (its own state changed: started, stopped, decided)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            touch_batch(pipe, self._keys, batch_id)
            await pipe.execute()
        batch_render_bell(self._keys).ring()

    def _script_keys(self) -> list[str]:
        return [self._keys.batches_dirty(), self._keys.batches_generation(), self._keys.batches_edited()]

    async def take(self, limit: int = 8, *, lease_ms: int = BATCH_RENDER_LEASE_MS) -> list[BatchRenderLease]:
        """The batch messages due now and not edited within the message gap, each leased to this caller."""
        raw = await self._take(keys=self._script_keys(), args=[now_ms(), lease_ms, limit, MESSAGE_GAP_MS])
        pairs = [str(item.decode() if isinstance(item, bytes) else item) for item in raw]
        return [BatchRenderLease(pairs[i], int(pairs[i + 1])) for i in range(0, len(pairs), 2)]

    async def done(
        self, lease: BatchRenderLease, *, next_at_ms: int, keep: bool = False, edited_at_ms: int | None = None
    ) -> bool:
        """Give the lease back, with when the message was edited if it was; True when the batch stays
        queued (it changed meanwhile, or `keep`)."""
        edited = "" if edited_at_ms is None else str(edited_at_ms)
        kept = await self._done(
            keys=self._script_keys(),
            args=[lease.batch_id, lease.generation, next_at_ms, "1" if keep else "0", edited],
        )
        return bool(kept)

    async def forget(self, batch_id: str) -> None:
        """Drop a finished batch from the queue, its generation counter and its last edit's time."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._keys.batches_dirty(), batch_id)
            pipe.hdel(self._keys.batches_generation(), batch_id)
            pipe.hdel(self._keys.batches_edited(), batch_id)
            await pipe.execute()

    async def next_due(self) -> float | None:
        """When the earliest queued batch message is due (ms), None when none is."""
        return await earliest_score(self._redis, self._keys.batches_dirty())

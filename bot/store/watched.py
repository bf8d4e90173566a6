"""Optimistic read-modify-write of one key: read it under WATCH, queue the writes, retry on a conflict."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

T = TypeVar("T")


async def watched_update(redis: Redis, key: str, write: Callable[[str | None, Pipeline], T]) -> T:
    """Read `key` under WATCH, let `write` queue the transaction's commands from what it read (it may
    raise to write nothing), and run them; all again when another client wrote the key meanwhile."""
    while True:
        async with redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                raw = await pipe.get(key)
                pipe.multi()  # type: ignore[no-untyped-call]
                result = write(None if raw is None else str(raw), pipe)
                await pipe.execute()
                return result
            except WatchError:
                continue

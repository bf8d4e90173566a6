"""Short leases so that one replica at a time runs a periodic job."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.scripts import register


class Leases:
    """Named leases under the key prefix."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._release = register(redis, "compare_and_delete")

    @asynccontextmanager
    async def hold(self, name: str, lease_ms: int) -> AsyncIterator[bool]:
        """Try to take the lease for the block; yields whether this caller holds it."""
        key, token = self._keys.lock(name), secrets.token_hex(8)
        taken = bool(await self._redis.set(key, token, nx=True, px=lease_ms))
        try:
            yield taken
        finally:
            if taken:
                await self._release(keys=[key], args=[token])

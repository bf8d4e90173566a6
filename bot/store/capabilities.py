"""Vehicle capabilities kept in Redis for a while, shared by every replica (one key per vehicle, a TTL)."""

from __future__ import annotations

from pydantic import ValidationError
from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.vehicle.wire import VehicleCapability


class CapabilityCache:
    """What each vehicle can do, as the vendor last said, for `ttl_seconds` (0: nothing is kept)."""

    def __init__(self, redis: Redis, keys: Keys, ttl_seconds: float) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl_ms = int(ttl_seconds * 1000)

    @property
    def enabled(self) -> bool:
        """Whether capabilities are kept at all."""
        return self._ttl_ms > 0

    async def get(self, vin: str) -> VehicleCapability | None:
        """The kept capability of this vehicle, unless none is kept or it cannot be read any more."""
        if not self.enabled:
            return None
        stored = await self._redis.get(self._keys.capability(vin))
        if stored is None:
            return None
        try:
            return VehicleCapability.model_validate_json(stored)
        except ValidationError:  # written by another version: asked again
            return None

    async def forget(self, vin: str) -> None:
        """Drop what is kept of this vehicle, so that the next reader asks the vendor again."""
        await self._redis.delete(self._keys.capability(vin))

    async def put(self, vin: str, capability: VehicleCapability) -> None:
        """Keep what the vendor said about this vehicle, for the TTL."""
        if self.enabled:
            await self._redis.set(self._keys.capability(vin), capability.model_dump_json(), px=self._ttl_ms)

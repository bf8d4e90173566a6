"""The VIN -> opaque vehicle id map of a Fleet Owner v3 fleet, shared by every replica (one Redis hash)."""

from __future__ import annotations

from collections.abc import Mapping

from redis.asyncio import Redis

from bot.store.keys import Keys


class VehicleIds:
    """Remembered ids of one fleet's vehicles; an unknown VIN is looked up again by the backend."""

    def __init__(self, redis: Redis, keys: Keys, fleet_id: str) -> None:
        self._redis = redis
        self._key = keys.vehicle_ids(fleet_id)

    async def id_of(self, vin: str) -> str | None:
        """The vehicle id of this VIN, when known."""
        found = await self._redis.hget(self._key, vin)
        return None if found is None else str(found)

    async def remember(self, ids: Mapping[str, str]) -> None:
        """Store VIN -> id pairs (ids are stable; the map is refreshed when a VIN is missing)."""
        if ids:
            pairs: dict[str | bytes, str | bytes] = {vin: vid for vin, vid in ids.items()}
            await self._redis.hset(self._key, mapping=pairs)  # type: ignore[arg-type]

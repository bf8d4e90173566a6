"""When each vehicle last reported (telemetry time or a proven answer), shared by every replica: one hash."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.scripts import register


class LastReports:
    """VIN -> the unix time the vehicle last reported; a time only ever moves forward."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._key = keys.last_reports()
        self._note = register(redis, "last_report_note")

    async def note(self, vin: str, at: float) -> None:
        """The vehicle reported at `at` (unix time); an earlier time than the one known changes nothing."""
        await self.note_many([(vin, at)])

    async def note_many(self, reports: Iterable[tuple[str, float]]) -> None:
        """Several reports in one call (the latest per vehicle is sent)."""
        latest: dict[str, float] = {}
        for vin, at in reports:
            latest[vin] = max(at, latest.get(vin, at))
        if latest:
            args = [item for vin, at in latest.items() for item in (vin, repr(float(at)))]
            await self._note(keys=[self._key], args=args)

    async def of(self, vin: str) -> float | None:
        """When the vehicle last reported (None: never seen)."""
        return (await self.of_many([vin]))[vin]

    async def of_many(self, vins: Sequence[str]) -> dict[str, float | None]:
        """Several vehicles' last reports, in one HMGET (None: never seen)."""
        if not vins:
            return {}
        answers = await self._redis.hmget(self._key, list(vins))
        return {
            vin: float(answer) if answer is not None else None
            for vin, answer in zip(vins, answers, strict=True)
        }

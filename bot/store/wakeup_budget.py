"""The monthly wake-up budget of each vehicle, counted once per request, shared by every replica."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from redis.asyncio import Redis

from bot.store.keys import Keys

KEPT_AFTER_MONTH = timedelta(days=7)  # a month's counters outlive it a little, then expire


@dataclass(frozen=True)
class WakeUps:
    """A vehicle's wake-ups in the current calendar month (UTC), against the monthly allowance."""

    used: int  # requests in which the vendor woke the vehicle this month
    allowance: int
    vendor_spent: bool  # the vendor answered TooManyWakeUpsOverMonth this month
    resets_on: date  # the first day of next month (UTC)

    @property
    def left(self) -> int:
        """Wake-ups left this month (none once the vendor said its quota is used up)."""
        return 0 if self.vendor_spent else max(self.allowance - self.used, 0)

    @property
    def spent(self) -> bool:
        """Whether nothing is left this month."""
        return self.left == 0


def month_of(at: datetime) -> str:
    """The calendar month (UTC) of an instant, as YYYY-MM."""
    return at.astimezone(UTC).strftime("%Y-%m")


def next_month(at: datetime) -> date:
    """The first day of the calendar month (UTC) after the instant's."""
    day = at.astimezone(UTC).date()
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _expiry(at: datetime) -> datetime:
    return datetime.combine(next_month(at), time(), UTC) + KEPT_AFTER_MONTH


class WakeUpLedger:
    """Counts each vehicle's wake-ups per month, once per request, for every replica (Redis sets)."""

    def __init__(self, redis: Redis, keys: Keys, allowance: int) -> None:
        self._redis = redis
        self._keys = keys
        self.allowance = allowance

    async def count(self, vin: str, request_id: str, at: datetime | None = None) -> None:
        """The vendor woke the vehicle for this request: one wake-up of the month (again: nothing more)."""
        at = at or datetime.now(UTC)
        key = self._keys.wakeups(vin, month_of(at))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, request_id)
            pipe.expireat(key, _expiry(at))
            await pipe.execute()

    async def mark_spent(self, vin: str, at: datetime | None = None) -> None:
        """The vendor said the vehicle's monthly wake-ups are used up: nothing is left this month."""
        at = at or datetime.now(UTC)
        await self._redis.set(self._keys.wakeups_spent(vin, month_of(at)), "1", exat=_expiry(at))

    async def of(self, vin: str, at: datetime | None = None) -> WakeUps:
        """The vehicle's wake-ups this month."""
        return (await self.of_many([vin], at))[vin]

    async def of_many(self, vins: Sequence[str], at: datetime | None = None) -> dict[str, WakeUps]:
        """Several vehicles' wake-ups this month, in one round trip."""
        at = at or datetime.now(UTC)
        month = month_of(at)
        async with self._redis.pipeline(transaction=False) as pipe:
            for vin in vins:
                pipe.scard(self._keys.wakeups(vin, month))
                pipe.exists(self._keys.wakeups_spent(vin, month))
            answers = await pipe.execute()
        resets = next_month(at)
        return {
            vin: WakeUps(int(answers[2 * i]), self.allowance, bool(answers[2 * i + 1]), resets)
            for i, vin in enumerate(vins)
        }

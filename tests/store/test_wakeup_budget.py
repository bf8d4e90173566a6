"""The wake-up ledger: once per request, per calendar month (UTC), the vendor's "spent" for that month."""

from __future__ import annotations

from datetime import UTC, date, datetime

from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.wakeup_budget import WakeUpLedger

VIN = "VR3UHZKXZLT000012"
LAST_DAY = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
NEW_YEAR = datetime(2027, 1, 1, 0, 1, tzinfo=UTC)


async def test_a_request_counts_once_and_a_month_starts_empty(redis_client: Redis, key_prefix: str) -> None:
    """The same request counted twice (a redelivery) is one wake-up; the next month (UTC) starts at zero."""
    ledger = WakeUpLedger(redis_client, Keys(key_prefix), allowance=2)
    await ledger.count(VIN, "r1", at=LAST_DAY)
    await ledger.count(VIN, "r1", at=LAST_DAY)
    await ledger.count(VIN, "r2", at=LAST_DAY)
    december = await ledger.of(VIN, at=LAST_DAY)
    assert (december.used, december.left, december.spent) == (2, 0, True)
    assert december.resets_on == date(2027, 1, 1)
    january = await ledger.of(VIN, at=NEW_YEAR)
    assert (january.used, january.left, january.resets_on) == (0, 2, date(2027, 2, 1))


async def test_the_vendors_answer_spends_the_month_whatever_the_count(
    redis_client: Redis, key_prefix: str
) -> None:
    """TooManyWakeUpsOverMonth marks the month spent even below the allowance; the next month is free."""
    ledger = WakeUpLedger(redis_client, Keys(key_prefix), allowance=20)
    await ledger.mark_spent(VIN, at=LAST_DAY)
    spent = await ledger.of(VIN, at=LAST_DAY)
    assert (spent.used, spent.left, spent.vendor_spent) == (0, 0, True)
    assert not (await ledger.of(VIN, at=NEW_YEAR)).spent
    assert await redis_client.ttl(Keys(key_prefix).wakeups_spent(VIN, "2026-12")) > 0

"""The vehicle cloud gives the vendor's latest X-RateLimit-* headers, for the send pace to read."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.vehicle.errors import RateLimitedError
from tests.app_support import FLEET_V3, BotUnderTest, start_bot

QUOTA_HEADERS = {
    "X-RateLimit-Limit-1": "100000",
    "X-RateLimit-Remaining-1": "0",
    "X-RateLimit-Limit-2": "100",
    "X-RateLimit-Remaining-2": "37",
    "X-RateLimit-Reset": "1800000000",
    "Retry-After": "30",
}


@pytest.fixture
async def v3_bot(redis_url: str, key_prefix: str) -> AsyncIterator[BotUnderTest]:
    """The served bot under Fleet Owner v3."""
    async for handle in start_bot(redis_url, key_prefix, api=FLEET_V3):
        yield handle


async def test_fleet_v3_gives_the_simulators_quota_headers_of_its_latest_answer(v3_bot: BotUnderTest) -> None:
    """Every v3 answer carries the quotas: the cloud gives the latest, with the limits the simulator has."""
    cloud = v3_bot.services.vehicles
    await cloud.vehicles()
    before = cloud.rate_limits()
    v3_bot.simulator.fleet_api.set_rate_limits(day=500)
    await cloud.vehicles()
    after = cloud.rate_limits()
    assert set(after) == {f"x-ratelimit-{kind}-{n}" for kind in ("limit", "remaining") for n in (1, 2)}
    assert (before["x-ratelimit-limit-1"], after["x-ratelimit-limit-1"]) == ("100000", "500")
    used = 100000 - int(before["x-ratelimit-remaining-1"])
    assert after["x-ratelimit-remaining-1"] == str(500 - used - 1)


async def test_connected_car_v1_gives_a_429s_quota_headers(v1_bot: BotUnderTest) -> None:
    """The v1 simulator sends no quota headers (none documented for that API); those of a 429 come through."""
    cloud = v1_bot.services.vehicles
    await cloud.vehicles()
    assert cloud.rate_limits() == {}
    v1_bot.simulator.fail_next("/accounts/vehicles", 429, headers=QUOTA_HEADERS, method="GET")
    with pytest.raises(RateLimitedError):
        await cloud.vehicles()
    assert cloud.rate_limits() == {
        key.lower(): value for key, value in QUOTA_HEADERS.items() if key.startswith("X-RateLimit")
    }

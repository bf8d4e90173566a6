"""The last reports: one hash of VIN -> time, a time only moving forward, several vehicles read at once."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.last_reports import LastReports

VAN, CAR = "VR3UHZKXZLT000012", "VR1URHNSSKW000021"


async def test_a_report_keeps_the_latest_time_and_others_stay_unseen(
    redis_client: Redis, key_prefix: str
) -> None:
    """An earlier report noted after a later one (a late notification) changes nothing; a vehicle never noted
    reads as never seen."""
    reports = LastReports(redis_client, Keys(key_prefix))
    await reports.note(VAN, 2000.5)
    await reports.note_many([(VAN, 1000.0), (VAN, 1500.0)])
    assert await reports.of_many([VAN, CAR]) == {VAN: 2000.5, CAR: None}
    await reports.note(VAN, 3000.0)
    assert await reports.of(VAN) == 3000.0

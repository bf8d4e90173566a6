"""Start-up and shutdown: nothing in flight is cut off, nothing stuck stays stuck."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import pytest

from bot.notifications.apply import Pipeline
from bot.notifications.consumer import Consumer, WorkerOptions
from bot.runtime.cancellation import stop_tasks
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.store.inbox import Entry
from bot.store.records import RequestRecord, RequestStatus
from bot.usecases.dispatch import reconcile_stale_sends
from tests.app_support import OPERATOR, SECURITY, BotUnderTest, start_bot


async def test_shutdown_lets_a_request_in_flight_finish(bot: BotUnderTest) -> None:
    """A shutdown while the vendor is still answering waits for the request to get its remoteActionId."""
    bot.simulator.stall_remote_posts(0.3)
    await bot.command("horn van-12", user=SECURITY)
    await bot.wait_for_request_message()  # the request is now waiting on the vendor's late answer
    await bot.shut_down()
    (record,) = await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012")
    assert record.remote_action_id is not None
    assert len(bot.simulator.remote_posts) == 1


async def test_request_stuck_in_sending_is_reconciled_and_never_posted_again(bot: BotUnderTest) -> None:
    """A request left in "sending" (a crash before the 202) that the vendor does not list is unconfirmed."""
    stuck = RequestRecord(
        id="stuck01",
        action="lock",
        summary="lock the doors",
        vin="VR3UHZKXZLT000012",
        requester=SECURITY,
        channel="C0FLEETOPS",
        remote_body={"locking": {"state": "Locked"}},
        created_at=time.time() - 120,
    )
    stuck.sending_since = stuck.created_at
    assert await bot.services.requests.create(stuck) is None
    assert await reconcile_stale_sends(bot.services) == 1
    record = await bot.services.requests.get("stuck01")
    assert record is not None and record.status is RequestStatus.UNCONFIRMED
    assert bot.simulator.remote_posts == []


async def test_inbox_consumer_stops_even_when_a_library_loses_its_cancellation(bot: BotUnderTest) -> None:
    """A cancellation swallowed inside a Redis call (Python 3.11's wait_for in redis-py) still stops it."""
    consumer = Consumer(bot.services, Pipeline(bot.services), WorkerOptions(block_ms=10))
    reading, swallowed = asyncio.Event(), asyncio.Event()
    real_read = consumer.inbox.read

    async def read_losing_one_cancellation(count: int, block_ms: int) -> list[Entry]:
        if swallowed.is_set():
            return await real_read(count, block_ms)
        reading.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            swallowed.set()  # what redis-py's write path does on 3.11: carry on as if nothing happened
        return []

    consumer.inbox.read = read_losing_one_cancellation  # type: ignore[method-assign]
    task = asyncio.create_task(consumer.run(), name="consumer")
    await asyncio.wait_for(reading.wait(), 5)
    task.cancel()
    await asyncio.wait([task], timeout=2.0)  # one cancellation, lost once: the next round must stop
    assert swallowed.is_set() and task.cancelled()


async def test_shutdown_ends_even_when_a_job_ignores_every_cancellation() -> None:
    """A job that never stops is named and left behind: stopping the others never waits forever."""

    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    async def polite() -> None:
        await asyncio.sleep(3600)

    jobs = [asyncio.create_task(stubborn(), name="stubborn"), asyncio.create_task(polite(), name="polite")]
    await asyncio.sleep(0)
    assert await stop_tasks(jobs, timeout=0.2) == ["stubborn"]
    assert jobs[1].cancelled()
    released.set()
    jobs[0].cancel()
    await asyncio.wait([jobs[0]], timeout=5)


async def test_a_replica_started_before_its_redis_waits_then_serves(
    key_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis comes up half a second after the bot: the start waits (logged once) and the bot then answers."""
    caplog.set_level(logging.INFO, logger="bot.store.connect")
    with EmbeddedRedis() as redis_server:
        redis_server.stop()

        async def start_redis_later() -> None:
            await asyncio.sleep(0.5)
            await asyncio.get_running_loop().run_in_executor(None, redis_server.start)

        late = asyncio.create_task(start_redis_later())
        async for bot in start_bot(redis_server.url, key_prefix, redis_start_wait_seconds=20):
            await late
            await bot.command("whoami")
            assert OPERATOR in await bot.last_private_answer()
    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting for Redis")]
    assert len(waits) == 1

"""Redis Sentinel: the bot follows a failover with no notification lost and nothing sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.app import default_jobs
from bot.config import Settings
from bot.runtime.embedded_sentinel import ReplicatedRedis
from bot.slack_emulator import Message
from bot.store.connect import connect
from bot.store.records import RequestStatus
from tests.app_support import CHANNEL, SECURITY, BotUnderTest, wait_until
from tests.pipeline_support import running_bot
from tests.sentinel_support import sentinel_set

VEHICLES = ("van-12", "van-14", "car-21", "car-33", "car-35", "truck-40", "car-52", "car-57")
FINAL = {
    "Success": RequestStatus.SUCCESS,
    "AlreadyDone": RequestStatus.ALREADY_DONE,
    "Failed": RequestStatus.FAILED,
}


@pytest.fixture
def replicated() -> Iterator[ReplicatedRedis]:
    """A primary, its replica and three Sentinels (1 s failure detection); all stopped afterwards."""
    yield from sentinel_set(down_after_ms=1000, failover_timeout_ms=5000)


def _roots(bot: BotUnderTest) -> list[Message]:
    return [m for m in bot.slack.messages(CHANNEL) if not m.thread_ts]


async def _none(items: Awaitable[list[str]]) -> bool:
    return not await items


async def _stream_commands(bot: BotUnderTest, stop: asyncio.Event) -> int:
    """Send `/vehicle lock` round the fleet, one after another, until two rounds after `stop`; count them."""
    sent = after_stop = 0
    while after_stop < 2 * len(VEHICLES):
        response = await bot.command(f"lock {VEHICLES[sent % len(VEHICLES)]}", user=SECURITY)
        assert response.status == 200
        sent += 1
        after_stop += stop.is_set()
        await asyncio.sleep(0.05)
    return sent


@pytest.mark.timeout(150)  # five Redis processes and a real failover (about 12 s) before the checks
async def test_failover_loses_no_notification_and_sends_nothing_twice(
    replicated: ReplicatedRedis, key_prefix: str
) -> None:
    """Commands and notifications keep flowing while Sentinel promotes the replica: the bot carries on by
    itself, each remote's final status reaches its request, no remote or thread reply goes out twice."""
    async with running_bot(
        replicated.sentinel_url(),
        key_prefix,
        redis_socket_timeout_seconds=1.0,
        redis_connect_timeout_seconds=1.0,
        # The recovery paths for work a Redis error interrupted, run as `serve` runs them and shortened: an
        # entry whose worker failed is taken over, a request whose remoteActionId was not stored is looked up.
        reclaim_idle_seconds=5.0,  # five deliveries outlast the failover: none is dead-lettered for it
        sending_reconcile_seconds=2.0,
        background=default_jobs(Settings()),
    ) as bot:
        assert bot.settings.min_replicas == 1  # the Sentinel default
        stop = asyncio.Event()
        stream = asyncio.create_task(_stream_commands(bot, stop))
        await bot.slack.wait_for(lambda: len(_roots(bot)) >= len(VEHICLES), timeout=20)
        old_primary = replicated.primary_port()
        assert await asyncio.to_thread(replicated.fail_over) != old_primary
        before = len(_roots(bot))
        stop.set()  # the stream goes on for two rounds of the fleet on the new primary
        sent = await asyncio.wait_for(stream, timeout=30)
        # The bot reconnected by itself: requests made after the failover were stored and sent.
        await bot.slack.wait_for(lambda: len(_roots(bot)) > before, timeout=20)
        await bot.simulator.wait_idle(timeout=30)

        remotes = bot.simulator.remotes  # the simulator's own list: it grows while requests still go out

        async def unsettled() -> list[str]:
            """Remotes whose final status the stored request does not show (yet)."""
            left = []
            for remote in remotes:
                request_id = await bot.services.requests.request_for_remote(remote.remote_action_id)
                record = await bot.services.requests.get(request_id) if request_id else None
                status = record.status if record else None
                if not remote.done or status is not FINAL[remote.status]:
                    left.append(f"{remote.remote_action_id[:8]} {remote.status}: request shows {status}")
            return left

        # Every final notification reached its request: nothing answered 200 was lost with the old primary.
        try:
            await wait_until(lambda: _none(unsettled()), timeout=30)
        except TimeoutError:
            pytest.fail(f"final statuses missing: {await unsettled()}")
        assert remotes and not [remote for remote in remotes if remote.duplicate], "a remote was sent twice"
        roots = _roots(bot)
        assert len(roots) <= sent
        assert all(len(bot.slack.replies(CHANNEL, root.ts)) <= 1 for root in roots), "a reply was sent twice"


async def test_sentinel_pool_makes_a_burst_wait_for_a_free_connection(
    replicated: ReplicatedRedis, key_prefix: str
) -> None:
    """Through the Sentinels too, a caller finding every connection busy waits for one, within its bound."""
    patient = connect(Settings(redis_url=replicated.sentinel_url(), redis_max_connections=1))
    hasty = connect(
        Settings(redis_url=replicated.sentinel_url(), redis_max_connections=1, redis_pool_wait_seconds=0.05)
    )
    key = f"{key_prefix}held"

    async def hold(client: Redis) -> None:
        await client.blpop([key], timeout=0.5)  # holds the client's one connection for half a second

    try:
        for client in (patient, hasty):
            await client.ping()  # the one connection is open, so the holder takes it without yielding
            holder = asyncio.create_task(hold(client))
            await asyncio.sleep(0)  # the holder runs up to its read: the connection is in use
            if client is patient:
                assert await client.set(key + ":x", "1") is True
            else:
                with pytest.raises(RedisConnectionError, match="REDIS_POOL_WAIT_SECONDS"):
                    await client.set(key + ":x", "1")
            await holder
    finally:
        await patient.delete(key + ":x")
        await patient.aclose()
        await hasty.aclose()

"""The vendor callback and the replicas that exist: it waits for those online (REDIS_MIN_REPLICAS at most),
answers 500 when one online does not acknowledge, and keeps answering 200 from a primary left alone."""

from __future__ import annotations

import logging
import os
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.runtime.embedded_sentinel import ReplicatedRedis
from tests.app_support import BotUnderTest, wait_until
from tests.pipeline_support import notification, post, running_bot
from tests.sentinel_support import sentinel_set


@pytest.fixture
def primary_and_replica() -> Iterator[ReplicatedRedis]:
    """A primary and its replica, no Sentinels; the primary takes writes even with no replica."""
    cluster = ReplicatedRedis(sentinels=0, min_replicas_to_write=0).start()
    try:
        yield cluster
    finally:
        cluster.close()


def _body(size: int) -> Any:
    """One notification, or a backlog batch (a JSON array) of `size`."""
    elements = [notification(uuid.uuid4().hex, "Done", "Success") for _ in range(size)]
    return elements[0] if size == 1 else elements


def _online(cluster: ReplicatedRedis, primary: int) -> int:
    with cluster.client(primary) as node:
        return int(node.info("replication")["connected_slaves"])


async def _readyz(bot: BotUnderTest) -> dict[str, Any]:
    async with bot.session.get(bot.url + "/readyz") as response:
        assert response.status == 200
        answer: dict[str, Any] = await response.json()
        return answer


def _unreplicated(bot: BotUnderTest) -> float:
    value = bot.services.metrics.registry.get_sample_value(
        "remote_bot_notifications_total", {"fate": "unreplicated"}
    )
    return value or 0.0


@pytest.mark.parametrize("size", [1, 3])
async def test_a_primary_left_without_its_replica_keeps_answering_200_and_says_so(
    primary_and_replica: ReplicatedRedis,
    key_prefix: str,
    size: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """200 while the replica follows (the entries are on it); once it leaves, still 200 from the primary
    alone, counted, in /readyz and one log line; when it follows again, the entries wait for it again."""
    caplog.set_level(logging.INFO)
    primary, replica = primary_and_replica.data_ports
    url = f"redis://127.0.0.1:{primary}/0"
    async with running_bot(url, key_prefix, pipeline=False, redis_min_replicas=1) as bot:
        inbox = bot.services.keys.inbox()
        assert (await post(bot, _body(size))).status == 200
        with primary_and_replica.client(replica) as copy:
            assert copy.xlen(inbox) == size
            copy.replicaof("NO", "ONE")  # the replica stops following: nothing written now reaches it

            async def alone() -> bool:
                return _online(primary_and_replica, primary) == 0

            await wait_until(alone)
            for _ in range(3):
                assert (await post(bot, _body(size))).status == 200
            assert copy.xlen(inbox) == size
            assert _unreplicated(bot) == 3 * size
            assert (await _readyz(bot))["replicas"] == {"online": 0, "wanted": 1, "short": True}
            short = [r for r in caplog.records if "replica(s) online:" in r.getMessage()]
            assert len(short) == 1 and short[0].levelno == logging.WARNING

            copy.replicaof("127.0.0.1", str(primary))  # a rebuilt replica: the entries wait for it again

            async def back() -> bool:
                return (await _readyz(bot))["replicas"]["short"] is False

            await wait_until(back, timeout=20)
            assert (await post(bot, _body(size))).status == 200
            assert copy.xlen(inbox) == await bot.services.redis.xlen(inbox)
        assert any("online again" in r.getMessage() for r in caplog.records)


async def test_a_replica_online_that_does_not_acknowledge_is_still_a_500(
    primary_and_replica: ReplicatedRedis, key_prefix: str
) -> None:
    """A replica the primary still counts but that does not acknowledge in time (frozen here): 500, so
    the vendor redelivers; as before, an entry answered 200 is on a replica."""
    primary, replica = primary_and_replica.data_ports
    url = f"redis://127.0.0.1:{primary}/0"
    async with running_bot(url, key_prefix, pipeline=False, redis_min_replicas=1) as bot:
        assert (await post(bot, _body(1))).status == 200
        with primary_and_replica.client(replica) as copy:
            pid = int(copy.info("server")["process_id"])
        os.kill(pid, signal.SIGSTOP)
        try:
            assert (await post(bot, _body(1))).status == 500
            assert (await post(bot, _body(3))).status == 500
            assert _online(primary_and_replica, primary) == 1  # it was online all along
        finally:
            os.kill(pid, signal.SIGCONT)
        assert _unreplicated(bot) == 0


async def test_insisting_on_a_replica_answers_500_without_one_and_readyz_says_why(
    primary_and_replica: ReplicatedRedis, key_prefix: str
) -> None:
    """REDIS_REPLICAS_INSIST keeps the old rule: no replica online, no 200; /readyz (still 200) says so."""
    primary, replica = primary_and_replica.data_ports
    url = f"redis://127.0.0.1:{primary}/0"
    async with running_bot(
        url, key_prefix, pipeline=False, redis_min_replicas=1, redis_replicas_insist=True
    ) as bot:
        with primary_and_replica.client(replica) as copy:
            copy.replicaof("NO", "ONE")

        async def alone() -> bool:
            return _online(primary_and_replica, primary) == 0

        await wait_until(alone)
        assert (await post(bot, _body(1))).status == 500
        readyz = await _readyz(bot)
        assert readyz["replicas"] == {"online": 0, "wanted": 1, "short": True}
        assert "REDIS_REPLICAS_INSIST" in readyz["notifications"]


@pytest.fixture
def watched() -> Iterator[ReplicatedRedis]:
    """A primary, its replica and three Sentinels, the data nodes taking writes without a replica."""
    yield from sentinel_set(min_replicas_to_write=0, down_after_ms=1000, failover_timeout_ms=5000)


@pytest.mark.timeout(90)
async def test_after_a_failover_with_the_old_primary_gone_notifications_are_answered_200(
    watched: ReplicatedRedis, key_prefix: str
) -> None:
    """The primary dies for good and the Sentinels promote the replica, which has no replica of its own:
    notifications are answered 200 again (not 500 for ever) and stored on the new primary."""
    async with running_bot(
        watched.sentinel_url(),
        key_prefix,
        pipeline=False,
        redis_socket_timeout_seconds=1.0,
        redis_connect_timeout_seconds=1.0,
    ) as bot:
        assert bot.settings.min_replicas == 1  # a Sentinel URL asks for one replica by default
        assert (await post(bot, _body(1))).status == 200
        old = watched.primary_port()
        with watched.client(old) as node:
            pid = int(node.info("server")["process_id"])
        os.kill(pid, signal.SIGKILL)

        async def served() -> bool:  # 500 while the Sentinels fail over: the vendor redelivers then
            return watched.primary_port() != old and (await post(bot, _body(1))).status == 200

        await wait_until(served, timeout=60)
        for size in (1, 3):
            assert (await post(bot, _body(size))).status == 200
        assert (await _readyz(bot))["replicas"] == {"online": 0, "wanted": 1, "short": True}
        assert await bot.services.redis.xlen(bot.services.keys.inbox()) >= 4

"""The vendor callback answers 200 only once a replica holds the notification (REDIS_MIN_REPLICAS)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.runtime.embedded_sentinel import ReplicatedRedis
from tests.pipeline_support import notification, post, running_bot


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


@pytest.mark.parametrize("size", [1, 3])
async def test_callback_answers_500_while_no_replica_holds_the_notification(
    primary_and_replica: ReplicatedRedis, key_prefix: str, size: int
) -> None:
    """200 while the replica follows (the entries are on it); 500 once it stops, so the vendor redelivers."""
    primary, replica = primary_and_replica.data_ports
    url = f"redis://127.0.0.1:{primary}/0"
    async with running_bot(url, key_prefix, pipeline=False, redis_min_replicas=1) as bot:
        inbox = bot.services.keys.inbox()
        assert (await post(bot, _body(size))).status == 200
        with primary_and_replica.client(replica) as copy:
            assert copy.xlen(inbox) == size
            copy.replicaof("NO", "ONE")  # the replica stops following: nothing written now reaches it
            assert (await post(bot, _body(size))).status == 500
            assert copy.xlen(inbox) == size

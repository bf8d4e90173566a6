"""A batch lives in Redis: any replica continues it; a member a dead replica took is sent once, not twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.app import send_batches_forever
from bot.usecases.batch_sender import sweep_batches
from tests.app_support import BotUnderTest, start_bot, wait_until
from tests.batches.test_batch_control import _sent, _summary

PARIS = ["VR3UHZKXZLT000012", "VR3UHZKXZLT000014", "VR1URHNSSKW000021"]


@pytest.fixture
async def idle_bot(redis_url: str, key_prefix: str) -> AsyncIterator[BotUnderTest]:
    """A bot whose process runs no batch sender (as a replica that died after Send)."""
    async for handle in start_bot(redis_url, key_prefix):
        yield handle


async def _queued(bot: BotUnderTest, batch_id: str, count: int) -> None:
    async def ready() -> bool:
        return len(await bot.services.batches.queued(batch_id)) == count

    await wait_until(ready)


async def _senders(bot: BotUnderTest, count: int) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(send_batches_forever(bot.services)) for _ in range(count)]


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _finish_with_a_sender(bot: BotUnderTest) -> None:
    """Start a sender (another replica), wait for the batch's summary, and check each vehicle got one send."""
    tasks = await _senders(bot, 1)
    try:
        await _summary(bot)
    finally:
        await _stop(tasks)
    assert sorted(post.vin for post in bot.simulator.remote_posts) == sorted(PARIS)


async def test_a_batch_nobody_sends_waits_in_redis_and_any_sender_finishes_it(idle_bot: BotUnderTest) -> None:
    """After Send, the members wait in Redis; a sender started later (another replica) sends each once."""
    batch_id = await _sent(idle_bot, "lock group:paris")
    await _queued(idle_bot, batch_id, 3)
    assert idle_bot.simulator.remote_posts == []
    await _finish_with_a_sender(idle_bot)


async def test_a_member_a_dead_replica_took_is_swept_back_and_sent_once(idle_bot: BotUnderTest) -> None:
    """A replica took a member off the queue and died before sending it: the sweep queues it again."""
    batch_id = await _sent(idle_bot, "lock group:paris")
    await _queued(idle_bot, batch_id, 3)
    taken = await idle_bot.services.batches.next_member(batch_id)  # the replica that then died
    assert taken is not None
    await sweep_batches(idle_bot.services, now=time.time() + idle_bot.settings.sending_reconcile_seconds + 1)
    assert taken in await idle_bot.services.batches.queued(batch_id)
    await _finish_with_a_sender(idle_bot)


async def test_two_senders_and_a_sweep_never_send_a_vehicle_twice(idle_bot: BotUnderTest) -> None:
    """Two senders (two replicas) and a sweep queueing members again while they send: each vehicle once."""
    batch_id = await _sent(idle_bot, "lock group:paris")
    await _queued(idle_bot, batch_id, 3)
    tasks = await _senders(idle_bot, 2)
    try:
        await sweep_batches(
            idle_bot.services, now=time.time() + idle_bot.settings.sending_reconcile_seconds + 1
        )
        await _summary(idle_bot)
        await sweep_batches(
            idle_bot.services, now=time.time() + idle_bot.settings.sending_reconcile_seconds + 1
        )
    finally:
        await _stop(tasks)
    assert Counter(post.vin for post in idle_bot.simulator.remote_posts) == Counter(PARIS)


async def test_a_sender_stopped_while_waiting_for_its_slot_puts_its_member_back(
    redis_url: str, key_prefix: str
) -> None:
    """A replica shutting down while a member waits for its pace slot puts it back on the queue at once."""
    async for bot in start_bot(redis_url, key_prefix, vendor_sends_per_second=0.2):
        batch_id = await _sent(bot, "lock group:paris")
        await _queued(bot, batch_id, 3)
        tasks = await _senders(bot, 1)
        await bot.wait_for_remote_posts(1)
        await _queued(bot, batch_id, 1)  # one sent, one waiting for its slot five seconds later
        await _stop(tasks)
        assert len(await bot.services.batches.queued(batch_id)) == 2
        assert len(bot.simulator.remote_posts) == 1

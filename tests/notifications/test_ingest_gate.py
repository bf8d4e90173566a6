"""Ingest first: while the vendor floods the callback, inbox consumers give way, and resume after."""

from __future__ import annotations

import asyncio
import json

from bot.notifications.apply import Pipeline
from bot.notifications.consumer import Consumer, WorkerOptions
from bot.runtime.ingest_gate import IngestGate
from tests.pipeline_support import notification, running_bot, seed_request


async def test_consumers_run_freely_at_a_normal_arrival_rate() -> None:
    """Below the flood rate every consumer is admitted at once."""
    gate = IngestGate(flood_rate=1000)
    gate.arrived(10)
    await asyncio.wait_for(asyncio.gather(*(gate.admit() for _ in range(20))), timeout=1)
    assert not gate.flooded


async def test_during_a_flood_consumers_pass_one_per_trickle_interval() -> None:
    """In a flood the first consumer passes, the next waits for the trickle interval, then passes."""
    gate = IngestGate(flood_rate=10, trickle_seconds=0.3, window_seconds=2.0)
    gate.arrived(100)  # flooded for two to four seconds
    await asyncio.wait_for(gate.admit(), timeout=1)
    second = asyncio.ensure_future(gate.admit())
    done, _ = await asyncio.wait({second}, timeout=0.05)
    assert not done  # its turn comes one trickle interval after the first

    await asyncio.wait_for(second, timeout=2)
    assert gate.flooded  # it passed during the flood, on the trickle


async def test_waiting_consumers_resume_when_the_flood_ends() -> None:
    """Consumers held back by a flood all pass once callbacks stop arriving that fast."""
    gate = IngestGate(flood_rate=10, trickle_seconds=3600, window_seconds=0.2)
    gate.arrived(100)
    await asyncio.wait_for(gate.admit(), timeout=1)  # the trickle's one, then nothing for an hour

    await asyncio.wait_for(asyncio.gather(*(gate.admit() for _ in range(5))), timeout=3)
    assert not gate.flooded


async def test_during_a_flood_a_consumer_takes_one_entry_per_turn(redis_url: str, key_prefix: str) -> None:
    """A consumer reads a single inbox entry per round while the endpoint is flooded, a batch otherwise."""
    async with running_bot(redis_url, key_prefix, pipeline=False) as bot:
        services = bot.services
        remotes = [(await seed_request(bot))[1] for _ in range(4)]
        for remote in remotes:
            await services.redis.xadd(
                services.keys.inbox(),
                {"e": json.dumps(notification(remote, "Pending", "Accepted")), "t": "0"},
            )
        flood = IngestGate(flood_rate=10, trickle_seconds=0.01, window_seconds=30)
        consumer = Consumer(services, Pipeline(services), WorkerOptions(block_ms=10), ingest=flood)
        await consumer.inbox.ensure_group()
        flood.arrived(1000)
        assert flood.flooded

        await consumer.consume_once()
        assert (await services.redis.xpending(services.keys.inbox(), "pipeline"))["pending"] == 0
        assert await services.redis.xlen(services.keys.inbox()) == 3  # one applied, acked and deleted

        consumer.ingest = IngestGate()  # the flood is over
        await consumer.consume_once()
        assert await services.redis.xlen(services.keys.inbox()) == 0

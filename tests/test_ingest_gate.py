"""Ingest first: while the vendor floods the callback, inbox consumers give way, and resume after."""

from __future__ import annotations

import asyncio

from bot.notifications.ingest_gate import IngestGate


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

"""Ingest first: while the vendor floods the callback, inbox consumers give way, and resume after."""

from __future__ import annotations

import asyncio

from bot.ingest import IngestGate


async def test_consumers_run_freely_at_a_normal_arrival_rate() -> None:
    """Below the flood rate every consumer is admitted at once."""
    gate = IngestGate(flood_rate=1000)
    gate.arrived(10)
    await asyncio.wait_for(asyncio.gather(*(gate.admit() for _ in range(20))), timeout=1)
    assert not gate.flooded


async def test_consumers_trickle_during_a_flood_and_resume_when_it_ends() -> None:
    """In a flood one consumer passes per trickle interval; the others pass once arrivals stop."""
    gate = IngestGate(flood_rate=1000, trickle_seconds=3600)
    gate.arrived(1000)
    assert gate.flooded
    await asyncio.wait_for(gate.admit(), timeout=1)  # the first of the interval passes
    waiting = asyncio.ensure_future(asyncio.gather(gate.admit(), gate.admit()))
    done, _ = await asyncio.wait({waiting}, timeout=0.05)
    assert not done  # still flooded: the rest wait their turn

    await asyncio.wait_for(waiting, timeout=2)  # no arrivals since: the flood is over
    assert not gate.flooded

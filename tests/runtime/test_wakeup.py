"""Waiting until the next due time: the doorbell wakes a sleeping job at once, DueTimes says when to run."""

from __future__ import annotations

import asyncio
import math

from bot.runtime.loops import DueTimes
from bot.runtime.wakeup import Doorbell, doorbell


async def test_a_ring_while_asleep_wakes_the_waiter() -> None:
    """A job asleep for an hour is woken by a ring, and says so."""
    bell = Doorbell()
    waiting = asyncio.create_task(bell.wait(3600, since=bell.rings))
    await asyncio.sleep(0)
    bell.ring()
    assert await asyncio.wait_for(waiting, timeout=5) is True


async def test_a_ring_between_the_read_and_the_wait_is_not_lost() -> None:
    """Work queued after the job noted the count, before it began to wait: the wait returns at once."""
    bell = Doorbell()
    seen = bell.rings
    bell.ring()
    assert await asyncio.wait_for(bell.wait(3600, since=seen), timeout=5) is True


async def test_an_unrung_wait_ends_with_its_time() -> None:
    """Without a ring the wait ends when its time is up, and says it was not rung."""
    bell = Doorbell()
    assert await bell.wait(0.01, since=bell.rings) is False
    assert await bell.wait(0, since=bell.rings) is False


def test_one_bell_per_name() -> None:
    """Writers and jobs of one structure share its bell; another structure has its own."""
    assert doorbell("t:queue") is doorbell("t:queue")
    assert doorbell("t:queue") is not doorbell("t:other")


def test_due_times_run_when_due_and_retry_what_stays_due_at_the_pace() -> None:
    """Nothing queued: never; due later: then; due now: now; still due after a run: one pace later."""
    due = DueTimes(retry=5.0)
    assert due.wait(None, now=100.0) == math.inf
    assert due.wait(103.0, now=100.0) == 3.0
    assert due.wait(99.0, now=100.0) == 0.0
    due.ran(100.0)
    assert due.wait(99.0, now=101.0) == 4.0  # left by the run (a lease elsewhere, a failure)
    assert due.wait(100.5, now=101.0) == 0.0  # due after the run began: new work, run now
    assert due.wait(99.0, now=106.0) == 0.0

"""Every background loop of the bot runs through here: rounds forever, outages waited out, errors logged.

A round may say when it wants the next one (sleep until the next due time, never longer than `every`),
and a loop given a doorbell is woken early when this process queues it new work (bot/runtime/wakeup.py).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.runtime.cancellation import pause, raise_if_cancelling
from bot.runtime.wakeup import Doorbell

log = logging.getLogger(__name__)

OUTAGES = (RedisConnectionError, RedisTimeoutError, OSError)


async def _nothing() -> None:
    return None


class OutageLog:
    """Logs an outage once, then at most once a minute while it lasts, then its end."""

    def __init__(self, name: str, every_seconds: float = 60.0) -> None:
        self._name = name
        self._every = every_seconds
        self._since: float | None = None
        self._last_logged = 0.0
        self._failures = 0

    def failed(self, error: BaseException) -> None:
        """One more failed round."""
        now = time.monotonic()
        self._failures += 1
        if self._since is None:
            self._since = self._last_logged = now
            log.warning("%s: Redis unavailable (%s); retrying", self._name, type(error).__name__)
        elif now - self._last_logged >= self._every:
            self._last_logged = now
            log.warning(
                "%s: Redis still unavailable after %.0f s (%d failed rounds)",
                self._name, now - self._since, self._failures,
            )  # fmt: skip

    def succeeded(self) -> None:
        """A round went through: an outage, if any, is over."""
        if self._since is not None:
            log.info("%s: Redis is back after %.0f s", self._name, time.monotonic() - self._since)
            self._since, self._failures = None, 0


class DueTimes:
    """When a job should next look at work kept with due times (epoch seconds, e.g. a sorted set's scores).

    It runs once the earliest is due. Work still due after a run (another replica held the lease, or a
    failure left it there) is looked at again only `retry` seconds after that run began, as a poll
    every `retry` seconds did.
    """

    def __init__(self, retry: float) -> None:
        self._retry = retry
        self._ran_at = -math.inf

    def wait(self, due_at: float | None, now: float | None = None) -> float:
        """Seconds until the job should run (0: now; infinite: nothing is due ever)."""
        now = time.time() if now is None else now
        if due_at is None:
            return math.inf
        if due_at > now:
            return due_at - now
        if due_at <= self._ran_at:  # it was due when the last run began, and is still there
            return max(self._ran_at + self._retry - now, 0.0)
        return 0.0

    def ran(self, started_at: float) -> None:
        """A run that began at `started_at` (epoch seconds) handled what was due then, or tried to."""
        self._ran_at = started_at


async def keep_running(
    name: str,
    one_round: Callable[[], Awaitable[float | None]],
    *,
    every: float,
    after_outage: Callable[[], Awaitable[None]] = _nothing,
    outage_wait: float = 1.0,
    cap: float | None = None,
    bell: Doorbell | None = None,
    pace: float = 0.0,
) -> None:
    """Run `one_round` forever, `every` seconds apart, until cancelled.

    A round that returns a number of seconds is followed by the next one that much later, but never
    more than `cap` later (default `every`): the cap is what finds work other processes queued. With
    a `bell`, a ring from this process since the round began starts the next round at once, though
    no sooner than `pace` after the start of the last one (a busy process rings all the time).

    This is the error boundary of every background job: nothing else watches their tasks, so a loop
    that let an error escape would stop that work on this replica without a word. A Redis outage is
    waited out and logged once, then once a minute, then its end; `after_outage` runs after each failed
    round (e.g. to recreate a consumer group). Any other failure is logged with its traceback and the
    next round runs, `every` (at least `outage_wait`) later. A cancellation a library lost or turned
    into another error still stops the loop (each round starts by checking for one).
    """
    outage = OutageLog(name)
    longest = every if cap is None else cap
    while True:
        raise_if_cancelling()
        seen, started = bell.rings if bell is not None else 0, time.monotonic()
        failed = True
        try:
            asked = await one_round()
            wait = every if asked is None else min(max(asked, 0.0), longest)
            failed = False
            outage.succeeded()
        except OUTAGES as error:
            raise_if_cancelling()
            outage.failed(error)
        except Exception:
            raise_if_cancelling()
            log.exception("%s: unexpected failure; carrying on", name)
        if failed:
            await pause(max(every, outage_wait))
            await _quietly(after_outage)
        elif bell is not None:
            if await bell.wait(wait, since=seen) and wait > 0:
                await pause(min(started + pace, time.monotonic() + wait) - time.monotonic())
        else:
            await pause(wait)


async def _quietly(step: Callable[[], Awaitable[None]]) -> None:
    try:
        await step()
    except OUTAGES:
        raise_if_cancelling()

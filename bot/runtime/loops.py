"""Every background loop of the bot runs through here: rounds forever, outages waited out, errors logged."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.runtime.cancellation import pause, raise_if_cancelling

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


async def keep_running(
    name: str,
    one_round: Callable[[], Awaitable[None]],
    *,
    every: float,
    after_outage: Callable[[], Awaitable[None]] = _nothing,
    outage_wait: float = 1.0,
) -> None:
    """Run `one_round` forever, `every` seconds apart, until cancelled.

    This is the error boundary of every background job: nothing else watches their tasks, so a loop
    that let an error escape would stop that work on this replica without a word. A Redis outage is
    waited out and logged once, then once a minute, then its end; `after_outage` runs after each failed
    round (e.g. to recreate a consumer group). Any other failure is logged with its traceback and the
    next round runs. A cancellation a library lost or turned into another error still stops the loop
    (each round starts by checking for one).
    """
    outage = OutageLog(name)
    while True:
        raise_if_cancelling()
        wait = every
        try:
            await one_round()
            outage.succeeded()
        except OUTAGES as error:
            raise_if_cancelling()
            outage.failed(error)
            wait = max(every, outage_wait)
        except Exception:
            raise_if_cancelling()
            log.exception("%s: unexpected failure; carrying on", name)
            wait = max(every, outage_wait)
        await pause(wait)
        if wait > every:
            await _quietly(after_outage)


async def _quietly(step: Callable[[], Awaitable[None]]) -> None:
    try:
        await step()
    except OUTAGES:
        raise_if_cancelling()

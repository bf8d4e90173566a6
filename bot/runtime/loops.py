"""Every background loop of the bot runs through here: rounds forever, outages waited out, errors logged."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.runtime.cancellation import pause, raise_if_cancelling

log = logging.getLogger(__name__)

OUTAGES = (RedisConnectionError, RedisTimeoutError, OSError)


async def _nothing() -> None:
    return None


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
    logged and waited out (then `after_outage` runs, e.g. to recreate a consumer group); any other
    failure is logged with its traceback and the next round runs. A cancellation a library lost or
    turned into another error still stops the loop (each round starts by checking for one).
    """
    while True:
        raise_if_cancelling()
        wait = every
        try:
            await one_round()
        except OUTAGES as error:
            raise_if_cancelling()
            log.warning("%s: Redis unavailable (%s)", name, type(error).__name__)
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

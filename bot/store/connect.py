"""The process's Redis client: a bounded pool that makes a burst wait and a hung server fail fast."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from bot.config import Settings
from bot.store.pool import WaitingConnectionPool
from bot.store.redis_url import is_sentinel_url, parse_sentinel_url
from bot.store.sentinel import connect_sentinel

log = logging.getLogger(__name__)


def connect(settings: Settings) -> Redis:
    """A client on REDIS_URL (or on the primary its Sentinels name) with the REDIS_* pool settings.

    redis-py's defaults make a caller wait far past Slack's 3 s when Redis hangs, and fail at once
    (MaxConnectionsError) when a burst needs more connections than the pool holds: here a caller waits
    up to REDIS_POOL_WAIT_SECONDS for a connection, each read and connect is bounded, and a failed
    command is retried once with a short backoff. One retry, not more: redis-py retries the reconnection
    inside each command retry, so the bounds multiply (two retries let a paused Redis hold a caller
    for 30 s and more; one answers "unavailable" after about three read timeouts).
    """
    assert settings.redis_url is not None
    options: dict[str, Any] = {
        "decode_responses": True,
        "max_connections": settings.redis_max_connections,
        "wait_seconds": settings.redis_pool_wait_seconds,
        "socket_timeout": settings.redis_socket_timeout_seconds,
        "socket_connect_timeout": settings.redis_connect_timeout_seconds,
        "health_check_interval": settings.redis_health_check_seconds,
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1),
    }
    if is_sentinel_url(settings.redis_url):
        return connect_sentinel(parse_sentinel_url(settings.redis_url), options)
    return Redis.from_pool(WaitingConnectionPool.from_url(settings.redis_url, **options))


async def wait_for_redis(redis: Redis, within_seconds: float) -> None:
    """Ping until Redis answers, backing off, for at most `within_seconds` (then its error is raised).

    Replicas often start before their Redis does: the outage is logged once, and its end.
    """
    loop = asyncio.get_running_loop()
    deadline, delay, waiting = loop.time() + within_seconds, 0.2, False
    while True:
        try:
            await redis.ping()
        except (RedisError, OSError) as error:
            if loop.time() + delay > deadline:
                raise
            if not waiting:
                log.warning("waiting for Redis at REDIS_URL (%s)", type(error).__name__)
                waiting = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        if waiting:
            log.info("Redis answers: starting")
        return

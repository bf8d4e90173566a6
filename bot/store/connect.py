"""The process's Redis client: a bounded pool that makes a burst wait and a hung server fail fast."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from bot.config import Settings
from bot.store.pool import WaitingConnectionPool


def connect(settings: Settings) -> Redis:
    """A client on REDIS_URL with the REDIS_* pool, timeout and health-check settings.

    redis-py's defaults make a caller wait far past Slack's 3 s when Redis hangs, and fail at once
    (MaxConnectionsError) when a burst needs more connections than the pool holds: here a caller waits
    up to REDIS_POOL_WAIT_SECONDS for a connection, each read and connect is bounded, and a failed
    command is retried twice with a short backoff.
    """
    assert settings.redis_url is not None
    pool = WaitingConnectionPool.from_url(
        settings.redis_url,
        decode_responses=True,
        max_connections=settings.redis_max_connections,
        wait_seconds=settings.redis_pool_wait_seconds,
        socket_timeout=settings.redis_socket_timeout_seconds,
        socket_connect_timeout=settings.redis_connect_timeout_seconds,
        health_check_interval=settings.redis_health_check_seconds,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
    )
    return Redis.from_pool(pool)

"""A client on the primary that Redis Sentinels name, which follows the primary through a failover."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel, SentinelManagedConnection, SentinelManagedSSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from bot.store.pool import WaitingSentinelConnectionPool
from bot.store.redis_url import SentinelUrl

# Answers of a node that is no longer (or not yet) a primary that can keep a write.
_REFUSED_WRITE = ("READONLY", "NOREPLICAS")


class _DemotionAware:
    """Treats every write refused by a demoted or cut-off primary as a reason to ask the Sentinels again.

    redis-py drops a connection to a primary turned replica when a plain command answers READONLY, but a
    Lua script's refused write arrives as "Error running script ... READONLY", and a primary cut off from
    its replicas (min-replicas-to-write) answers NOREPLICAS: without this, the connection stays on that
    node and every script sent on it fails until it is closed.
    """

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        """The answer; a refused write disconnects and raises ConnectionError (retried on the primary)."""
        try:
            return await super().read_response(*args, **kwargs)  # type: ignore[misc]
        except ResponseError as error:
            refused = any(code in str(error) for code in _REFUSED_WRITE)
            if not refused or not self.connection_pool.is_master:  # type: ignore[attr-defined]
                raise
            await self.disconnect()  # type: ignore[attr-defined]
            raise RedisConnectionError("the primary was demoted to a replica") from error


class DemotionAwareConnection(_DemotionAware, SentinelManagedConnection):
    """A Sentinel-managed connection that leaves a demoted primary on any refused write."""


class DemotionAwareSSLConnection(_DemotionAware, SentinelManagedSSLConnection):
    """The TLS form of DemotionAwareConnection."""


class SentinelClient(Redis):
    """The primary's client; closing it also closes the connections to the Sentinels."""

    sentinels: Sentinel | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        """Close the pool on the primary, then the Sentinel connections."""
        await super().aclose(close_connection_pool)
        if self.sentinels is not None:
            await self.sentinels.aclose()


def connect_sentinel(url: SentinelUrl, options: dict[str, Any]) -> Redis:
    """A client on `url`'s primary with `options` (the waiting pool's and the connections' settings).

    The Sentinels are asked with the same timeouts; TLS (rediss+sentinel://) applies to them and to the
    data nodes alike, as does ssl_ca_certs. Their own password is sentinel_password.
    """
    tls: dict[str, Any] = {"ssl": True, "ssl_ca_certs": url.ssl_ca_certs} if url.tls else {}
    connection_class = DemotionAwareSSLConnection if url.tls else DemotionAwareConnection
    sentinels = Sentinel(  # type: ignore[no-untyped-call]
        list(url.sentinels),
        sentinel_kwargs={
            "password": url.sentinel_password,
            "socket_timeout": options["socket_timeout"],
            "socket_connect_timeout": options["socket_connect_timeout"],
            **tls,
        },
    )
    client: SentinelClient = sentinels.master_for(
        url.service,
        redis_class=SentinelClient,
        connection_pool_class=WaitingSentinelConnectionPool,
        connection_class=connection_class,
        db=url.db,
        username=url.username,
        password=url.password,
        **tls,
        **options,
    )
    client.sentinels = sentinels
    return client

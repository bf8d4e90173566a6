"""Health and readiness endpoints, as a load balancer sees them."""

from __future__ import annotations

from bot.runtime.embedded_redis import EmbeddedRedis
from tests.app_support import start_bot


async def test_readyz_follows_redis_while_healthz_stays_alive(key_prefix: str) -> None:
    """/readyz answers 503 while Redis is down and 200 once it is back; /healthz answers 200 throughout."""
    with EmbeddedRedis() as redis_server:
        async for bot in start_bot(redis_server.url, key_prefix):
            async with bot.session.get(bot.url + "/readyz") as ready:
                assert ready.status == 200
            redis_server.stop()
            async with bot.session.get(bot.url + "/readyz") as not_ready:
                assert not_ready.status == 503
                assert (await not_ready.json())["redis"] != "ok"
            async with bot.session.get(bot.url + "/healthz") as alive:
                assert alive.status == 200
            redis_server.start()
            async with bot.session.get(bot.url + "/readyz") as ready_again:
                assert ready_again.status == 200

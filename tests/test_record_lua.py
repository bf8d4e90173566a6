"""Constants written into a script's text reach Lua exactly, whatever bytes a key prefix holds."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.store.record_lua import lua_constants


async def test_constants_written_into_a_script_read_back_exactly(redis_client: Redis) -> None:
    """Quotes, backslashes, newlines, brackets and non-ASCII text in a value survive the Lua source."""
    prefix = 'fleet "north"\\ ]]\n véhicules:'
    source = lua_constants({"PREFIX": prefix, "RANKS": {"pending": 3, "done": 5}, "TTL": 604800000})
    script = source + "return {PREFIX, RANKS['pending'], RANKS['done'], TTL}"
    answer = await redis_client.eval(script, 0)
    assert answer == [prefix, 3, 5, 604800000]

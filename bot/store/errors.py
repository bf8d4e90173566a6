"""How a failed store call looks to the layers that do not import Redis (the Slack listeners)."""

from __future__ import annotations

from redis.exceptions import RedisError

STORE_UNAVAILABLE: tuple[type[Exception], ...] = (RedisError, ConnectionError)
"""What a store call raises when Redis cannot be reached or refuses the command."""

"""Replicated Redis sets watched by Sentinels, for the failover tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.runtime.embedded_redis import EmbeddedRedisError
from bot.runtime.embedded_sentinel import ReplicatedRedis


def sentinel_set(**options: Any) -> Iterator[ReplicatedRedis]:
    """A started ReplicatedRedis (with `options`) for a fixture to yield from; every process stopped after.

    Skips the test when the embedded redis-server cannot run as a Sentinel.
    """
    try:
        cluster = ReplicatedRedis(**options).start()
    except EmbeddedRedisError as error:
        if "sentinel" in str(error).lower():
            pytest.skip(f"the embedded redis-server cannot run as a Sentinel: {error}")
        raise
    try:
        yield cluster
    finally:
        cluster.close()

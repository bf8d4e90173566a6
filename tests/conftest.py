"""Shared fixtures: real Redis servers (embedded always, REDIS_URL too when set), a key prefix per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from jsonschema import Draft7Validator  # type: ignore[import-untyped]
from redis.asyncio import Redis

from bot.runtime.embedded_redis import EmbeddedRedis
from tests.vendor_spec import DATA_TREATMENT, FLEET_OWNER, closed_schema, enum_of, load_spec, validator_for

REDIS_TARGETS = ["embedded"] + (["env"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(scope="session")
def embedded_redis() -> Iterator[EmbeddedRedis]:
    """One embedded redis-server for the whole run, started and stopped by the tests."""
    with EmbeddedRedis() as server:
        yield server


@pytest.fixture(scope="session", params=REDIS_TARGETS)
def redis_url(request: pytest.FixtureRequest, embedded_redis: EmbeddedRedis) -> str:
    """The URL of a real Redis server: the embedded one, and the REDIS_URL one when set."""
    if request.param == "env":
        return os.environ["REDIS_URL"]
    return embedded_redis.url


@pytest.fixture
def key_prefix() -> str:
    """A key prefix no other test uses, so a shared server is never flushed."""
    return f"t:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_client(redis_url: str, key_prefix: str) -> AsyncIterator[Redis]:
    """A redis-py asyncio client; the test's keys are deleted afterwards."""
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    async for key in client.scan_iter(match=f"{key_prefix}*", count=500):
        await client.delete(key)
    await client.aclose()


ONE_KEY = ("action", "stolen", "tan", "airConditioning", "charge")  # the vendor's one-of objects


@pytest.fixture(scope="session")
def remote_validator() -> Draft7Validator:
    """The data-treatment `Remote` schema, closed; skips when the vendor spec is absent."""
    return validator_for(closed_schema(load_spec(DATA_TREATMENT), "Remote", one_key=ONE_KEY))


@pytest.fixture(scope="session")
def remote_types() -> list[str]:
    """The data-treatment RemoteType enum (the 202's `type`)."""
    return enum_of(load_spec(DATA_TREATMENT), "RemoteType")


# The Fleet Owner v3 one-of objects: stolen ("only one attribute at a time"), a charging schedule ("only one
# of the two modes"); and the body itself carries exactly one action beside its label ("only one action").
V3_ONE_KEY = ("stolen", "schedule")


@pytest.fixture(scope="session")
def v3_remote_validator() -> Draft7Validator:
    """The Fleet Owner v3 `Remote` schema, closed, one action per body; skips when the spec is absent."""
    schema = closed_schema(load_spec(FLEET_OWNER), "Remote", one_key=V3_ONE_KEY)
    actions = [key for key in schema["properties"] if key != "label"]
    return validator_for({**schema, "oneOf": [{"required": [key]} for key in actions]})


@pytest.fixture(scope="session")
def v3_remote_types() -> list[str]:
    """The Fleet Owner v3 RemoteType enum (the callback's `remoteTypes`, the 202's `type`)."""
    return enum_of(load_spec(FLEET_OWNER), "RemoteType")


from tests.app_support import bot, v1_bot  # noqa: E402, F401  (the served-bot fixtures)

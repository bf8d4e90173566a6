"""The served bot with the batch sender running, under each vendor API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import send_batches_forever
from tests.app_support import FLEET_V3, V1, BotUnderTest, start_bot


@pytest.fixture(params=[V1, FLEET_V3])
async def batch_bot(
    redis_url: str, key_prefix: str, request: pytest.FixtureRequest
) -> AsyncIterator[BotUnderTest]:
    """The served bot sending batches, under each vendor API."""
    async for handle in start_bot(
        redis_url, key_prefix, api=request.param, background=[send_batches_forever]
    ):
        yield handle

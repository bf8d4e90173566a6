"""Background loops: a Redis outage is logged once, then once a minute, then its end."""

from __future__ import annotations

import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.runtime.loops import OutageLog


def test_an_outage_is_logged_once_then_its_end(caplog: pytest.LogCaptureFixture) -> None:
    """Ten failed rounds in a row make one warning; the first round that works says it is over."""
    caplog.set_level(logging.INFO, logger="bot.runtime.loops")
    outage = OutageLog("inbox consumer", every_seconds=60)
    for _ in range(10):
        outage.failed(RedisConnectionError("down"))
    outage.succeeded()
    outage.succeeded()
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "inbox consumer: Redis unavailable (ConnectionError); retrying",
        messages[1],
    ]
    assert messages[1].startswith("inbox consumer: Redis is back after")


def test_a_long_outage_is_recalled_at_most_once_a_period(caplog: pytest.LogCaptureFixture) -> None:
    """With a period of 0 s every further failure is recalled: the period is what limits the recalls."""
    caplog.set_level(logging.INFO, logger="bot.runtime.loops")
    outage = OutageLog("renderer", every_seconds=0)
    for _ in range(3):
        outage.failed(RedisConnectionError("down"))
    assert [record.getMessage().split(" after")[0] for record in caplog.records] == [
        "renderer: Redis unavailable (ConnectionError); retrying",
        "renderer: Redis still unavailable",
        "renderer: Redis still unavailable",
    ]

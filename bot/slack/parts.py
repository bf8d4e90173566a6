"""What Slack output needs from the process: settings, Redis and the Slack clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from bot.config import Settings
from bot.runtime.metrics import Metrics
from bot.slack.messenger import Messenger
from bot.store.keys import Keys


class SlackParts(Protocol):
    """The parts every Slack output module works with (the process's Services has them all)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def redis(self) -> Redis: ...

    @property
    def keys(self) -> Keys: ...

    @property
    def messenger(self) -> Messenger: ...

    @property
    def metrics(self) -> Metrics: ...


@dataclass(frozen=True)
class OutputParts:
    """The Slack output parts on their own, for what is built before the process's Services."""

    settings: Settings
    redis: Redis
    keys: Keys
    messenger: Messenger
    metrics: Metrics

"""Slack's chat.update budget shared by every replica through Redis: a token bucket with a final reserve."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.scripts import register

# Slack counts a call when it arrives, which varies after the token was taken (rendering, network,
# a busy event loop): a window's refill is spread over 5% more time so late arrivals stay in budget.
ARRIVAL_ALLOWANCE = 0.05


@dataclass(frozen=True)
class Granted:
    """Tokens given to a batch, and how long those left without one should wait (ms)."""

    finals: int
    updates: int
    final_wait: int
    update_wait: int


class SlackBudget:
    """Workspace-wide chat.update budget: at most `rate_per_minute` in any window, finals served first.

    The window is a minute unless `window_seconds` says otherwise (tests shorten it). The bucket holds
    a tenth of a window's budget; it refills with the rest over a window plus ARRIVAL_ALLOWANCE, so a
    full bucket plus a window of refill stays under the rate even when calls reach Slack late.
    Intermediate states leave a reserve for final states.
    """

    def __init__(
        self, redis: Redis, keys: Keys, rate_per_minute: int, *, window_seconds: float = 60.0
    ) -> None:
        self._redis = redis
        self._keys = keys
        window_ms = window_seconds * 1000
        self.capacity = max(1, rate_per_minute // 10)
        self._refill_per_ms = max(rate_per_minute - self.capacity, 1) / (window_ms * (1 + ARRIVAL_ALLOWANCE))
        self._reserve = self.capacity // 3
        # An idle bucket is full again long before its hash expires (refilling takes ~window/9).
        self._ttl_ms = max(120_000, int(2 * window_ms))
        self._take = register(redis, "slack_budget_take")
        # When this process last heard "no token before then", per kind (finals have the reserve).
        # Other replicas only take tokens, so a wait Redis gave can only get longer, never shorter.
        self._empty_until: dict[bool, float] = {True: 0.0, False: 0.0}

    def known_empty(self, *, final: bool) -> bool:
        """Whether the bucket is known, without asking Redis, to have no token for this kind yet."""
        return time.monotonic() < self._empty_until[final]

    def empty_for(self, *, final: bool) -> float:
        """Seconds until the bucket may have a token for this kind again, as far as this process knows."""
        return max(self._empty_until[final] - time.monotonic(), 0.0)

    async def take(self, *, final: bool) -> int:
        """Take one update token; 0 when granted, else the milliseconds to wait."""
        granted = await self.take_many(finals=1 if final else 0, updates=0 if final else 1)
        if granted.finals or granted.updates:
            return 0
        return granted.final_wait if final else granted.update_wait

    async def take_many(self, *, finals: int, updates: int) -> Granted:
        """Take tokens for a batch of renders in one call; finals are served first."""
        got_finals, got_updates, final_wait, update_wait = await self._take(
            keys=[self._keys.slack_budget(), self._keys.slack_pause()],
            args=[
                now_ms(), self.capacity, repr(self._refill_per_ms), self._reserve, finals, updates,
                self._ttl_ms,
            ],
        )  # fmt: skip
        granted = Granted(int(got_finals), int(got_updates), int(final_wait), int(update_wait))
        if granted.finals < finals:
            self._empty_until[True] = time.monotonic() + granted.final_wait / 1000
        if granted.updates < updates:
            self._empty_until[False] = time.monotonic() + granted.update_wait / 1000
        return granted

    async def pause(self, seconds: float) -> None:
        """Pause every replica's chat.update calls for `seconds` (a 429's Retry-After)."""
        await self._redis.set(self._keys.slack_pause(), "1", px=max(int(seconds * 1000), 1))

"""The pace of sends to the vehicle cloud, one schedule shared by every replica through Redis.

Sends follow one schedule of slots 1 / VENDOR_SENDS_PER_SECOND apart, whichever replica makes them: `take`
claims the next free slot (a "next free time" in one Redis hash, moved by one script) and says how long to
wait for it. A sender up to CATCH_UP_MS late for its slot (a busy event loop) still gets it, so a batch
keeps its pace; the cost is a short burst after such a stall: at most rate * (1 + CATCH_UP_MS / 1000) + 1
sends in any second. A 429's Retry-After pauses the schedule (`pause_until`), and the vendor's
`X-RateLimit-*` headers slow it when a quota runs low (`observe`): the calls left are spread until the
quota resets, and none is given before the reset once nothing is left.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.scripts import register

# The vendor's quotas by the number ending their headers (stellantis-api.md §1.4): 1 is the day quota,
# counted over a sliding 24 h, 2 the burst quota, counted over 1 s. A quota's window is when its count
# is surely renewed, used when the answer does not say when it resets.
QUOTA_WINDOWS = {"1": 86400.0, "2": 1.0}
LOW_FRACTION = 0.1  # a quota with less than this share of its limit left slows the schedule
# A spent quota whose answer did not say when it resets pauses at most this long (its window may be a day,
# sliding): the next send then learns the exact wait from its 429's Retry-After.
UNSTATED_PAUSE_SECONDS = 60.0
KEEP_MS = 60_000  # the schedule's hash outlives the latest time it holds by this long
CATCH_UP_MS = 100  # slots missed by a sender this late (a busy event loop) are still given, back to back
EPOCH_FROM = 1e9  # a reset at least this large is a Unix time, a smaller one seconds from now

_LIMIT = re.compile(r"x-ratelimit-limit-(\w+)")


@dataclass(frozen=True)
class Quota:
    """One vendor quota as an answer stated it: its limit, the calls left, when it is renewed (Unix s), and
    whether the answer said when (else `resets_at` is a window from the answer, when it surely is)."""

    name: str
    limit: int
    remaining: int
    resets_at: float
    reset_stated: bool = True


@dataclass(frozen=True)
class Slowdown:
    """What an answer asks of the schedule: sends `gap` seconds apart until `until` (Unix s); inf: none."""

    gap: float
    until: float

    @property
    def paused(self) -> bool:
        """Nothing is left: no send before `until`."""
        return math.isinf(self.gap)


def _count(text: str | None) -> int | None:
    try:
        value = int((text or "").strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def _reset(text: str | None, now: float) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value if value >= EPOCH_FROM else now + value


def read_quotas(headers: Mapping[str, str], now: float) -> list[Quota]:
    """The quotas an answer's X-RateLimit-Limit-N / -Remaining-N / -Reset(-N) headers state, by N.

    A quota whose limit or remaining count is missing or not a count is left out; one without a reset is
    renewed a window after `now` (QUOTA_WINDOWS), and left out when its window is unknown too.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    quotas = []
    for key, text in sorted(lowered.items()):
        match = _LIMIT.fullmatch(key)
        if match is None:
            continue
        name = match.group(1)
        limit, remaining = _count(text), _count(lowered.get(f"x-ratelimit-remaining-{name}"))
        resets_at = _reset(lowered.get(f"x-ratelimit-reset-{name}", lowered.get("x-ratelimit-reset")), now)
        stated = resets_at is not None
        if resets_at is None and name in QUOTA_WINDOWS:
            resets_at = now + QUOTA_WINDOWS[name]
        if limit and remaining is not None and resets_at is not None and resets_at > now:
            quotas.append(Quota(name, limit, remaining, resets_at, stated))
    return quotas


def slowdown_from(quotas: list[Quota], now: float, *, low_fraction: float = LOW_FRACTION) -> Slowdown | None:
    """The slowest pace the quotas ask for: a pause until the reset of one spent (at most
    UNSTATED_PAUSE_SECONDS when the answer did not say when), else the calls left of a low one spread until
    its reset; None when every quota has more than `low_fraction` of its limit left."""
    spent = [
        quota.resets_at if quota.reset_stated else min(quota.resets_at, now + UNSTATED_PAUSE_SECONDS)
        for quota in quotas
        if quota.remaining == 0
    ]
    if spent:
        return Slowdown(math.inf, max(spent))
    low = [
        Slowdown((quota.resets_at - now) / quota.remaining, quota.resets_at)
        for quota in quotas
        if quota.remaining < quota.limit * low_fraction
    ]
    return max(low, key=lambda slowdown: slowdown.gap, default=None)


def _ms(seconds: float) -> int:
    return math.ceil(seconds * 1000)


def _at(now: float | None) -> int:
    """An instant (Unix s, default the clock's) in whole ms: the schedule keeps times to the ms."""
    return round((time.time() if now is None else now) * 1000)


class SendPace:
    """The send schedule every replica shares: at most `sends_per_second`, slower when the vendor says so."""

    def __init__(self, redis: Redis, keys: Keys, sends_per_second: float) -> None:
        self._redis = redis
        self._key = keys.send_pace()
        self.interval = 1 / sends_per_second
        self._interval_ms = math.ceil(1000 / sends_per_second)  # rounded up: never faster than the rate
        self._script = register(redis, "send_pace")

    def __repr__(self) -> str:
        return f"SendPace(interval={self.interval:g}s)"

    async def take(self, now: float | None = None) -> float:
        """Claim the next send slot; the seconds to wait before sending (0: send now)."""
        wait = await self._script(
            keys=[self._key], args=["take", _at(now), self._interval_ms, KEEP_MS, CATCH_UP_MS]
        )
        return int(wait) / 1000

    async def pause_left(self, now: float | None = None) -> float:
        """The seconds a pause still holds (0: none): a pause set after a slot was given applies to it too."""
        pause = await self._redis.hget(self._key, "pause")
        return max(int(pause or 0) - _at(now), 0) / 1000

    async def pause_until(self, until: float, now: float | None = None) -> float:
        """No slot before `until` (Unix s; a 429's Retry-After from now); a shorter pause changes nothing.

        Returns the pause in force (Unix s), which may be later than `until`."""
        paused = await self._script(keys=[self._key], args=["pause", _at(now), _at(until), KEEP_MS])
        return int(paused) / 1000

    async def observe(self, headers: Mapping[str, str], now: float | None = None) -> Slowdown | None:
        """Follow the vendor's latest answer: pause until a spent quota resets, spread the calls left of a
        low one until its reset, or end a slowdown when none is low. An answer without quota headers (or
        with unreadable ones) changes nothing. Returns the slowdown the answer asked for."""
        at = time.time() if now is None else now
        quotas = read_quotas(headers, at)
        if not quotas:
            return None
        slowdown = slowdown_from(quotas, at)
        if slowdown is not None and slowdown.paused:
            await self.pause_until(slowdown.until, at)
            return slowdown
        gap, until = (0, 0) if slowdown is None else (_ms(slowdown.gap), _at(slowdown.until))
        await self._script(keys=[self._key], args=["slow", _at(at), gap, until, KEEP_MS])
        return slowdown

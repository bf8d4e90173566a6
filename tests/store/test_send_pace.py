"""The send pace every replica shares: slots 1/rate apart, a 429's pause, the vendor's quota headers."""

from __future__ import annotations

import asyncio
import itertools
import math
import sys
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.store.keys import Keys
from bot.store.send_pace import Quota, SendPace, Slowdown, read_quotas, slowdown_from
from tests.paths import ROOT

T = 1_800_000_000.0  # an instant (Unix s) the tests pass as `now`
RATE = 10.0  # sends per second: slots 0.1 s apart


def spaced(waits: list[float]) -> list[float]:
    """The waits, sorted, rounded to the ms the schedule keeps."""
    return sorted(round(wait, 3) for wait in waits)


@pytest.fixture
async def replicas(redis_url: str, key_prefix: str, redis_client: Redis) -> AsyncIterator[list[SendPace]]:
    """Two schedules on two connections of their own, as two replicas have (the same key prefix)."""
    clients = [Redis.from_url(redis_url, decode_responses=True) for _ in range(2)]
    yield [SendPace(client, Keys(key_prefix), RATE) for client in clients]
    for client in clients:
        await client.aclose()


# -- reading the vendor's headers (no Redis) ----------------------------------------------------------


def test_the_simulators_headers_read_as_the_day_and_the_burst_quota() -> None:
    """X-RateLimit-Limit-N / -Remaining-N in any case; without a reset, quota 1 renews in a day, 2 in 1 s."""
    quotas = read_quotas(
        {
            "X-RateLimit-Limit-1": "100000",
            "X-RateLimit-Remaining-1": "99990",
            "x-ratelimit-limit-2": "100",
            "x-ratelimit-remaining-2": "7",
        },
        T,
    )
    assert quotas == [Quota("1", 100000, 99990, T + 86400, False), Quota("2", 100, 7, T + 1, False)]


def test_a_reset_is_a_unix_time_or_seconds_from_now() -> None:
    """X-RateLimit-Reset (or -Reset-N, which wins for its quota) is read as a Unix time or as seconds."""
    headers = {
        "X-RateLimit-Limit-1": "10",
        "X-RateLimit-Remaining-1": "0",
        "X-RateLimit-Reset": str(int(T) + 30),
    }
    assert read_quotas(headers, T)[0].resets_at == T + 30
    assert read_quotas({**headers, "X-RateLimit-Reset-1": "12"}, T)[0].resets_at == T + 12


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json"},
        {"X-RateLimit-Limit-2": "lots", "X-RateLimit-Remaining-2": "3"},
        {"X-RateLimit-Limit-2": "100", "X-RateLimit-Remaining-2": "-1"},
        {"X-RateLimit-Limit-2": "100"},
        {"X-RateLimit-Limit-2": "0", "X-RateLimit-Remaining-2": "0"},
        {"X-RateLimit-Limit-9": "100", "X-RateLimit-Remaining-9": "0"},  # no reset, no known window
        {"X-RateLimit-Limit-9": "100", "X-RateLimit-Remaining-9": "0", "X-RateLimit-Reset": "soon"},
    ],
)
def test_missing_or_garbled_headers_state_no_quota(headers: dict[str, str]) -> None:
    """A quota whose limit, remaining count or renewal cannot be read is left out, without an error."""
    assert read_quotas(headers, T) == []


def test_the_slowest_low_quota_sets_the_pace_and_a_spent_one_pauses() -> None:
    """Under a tenth of its limit left, a quota's calls left are spread until its reset; none left: pause."""
    day, burst = Quota("1", 1000, 50, T + 100), Quota("2", 100, 4, T + 1)
    assert slowdown_from([day, Quota("2", 100, 10, T + 1)], T) == Slowdown(2.0, T + 100)
    assert slowdown_from([day, burst], T) == Slowdown(2.0, T + 100)
    assert slowdown_from([Quota("1", 1000, 500, T + 100), burst], T) == Slowdown(0.25, T + 1)
    spent = slowdown_from([day, Quota("2", 100, 0, T + 1)], T)
    assert spent is not None and spent.paused and spent.until == T + 1
    assert slowdown_from([Quota("1", 1000, 100, T + 100)], T) is None


def test_a_spent_quota_that_does_not_say_when_it_resets_pauses_a_minute_at_most() -> None:
    """The day quota spent, its reset unsaid: a minute's pause, not a day's (a 429 then says how long)."""
    spent_day = slowdown_from(
        read_quotas({"X-RateLimit-Limit-1": "10", "X-RateLimit-Remaining-1": "0"}, T), T
    )
    assert spent_day == Slowdown(math.inf, T + 60)
    spent_burst = slowdown_from(
        read_quotas({"X-RateLimit-Limit-2": "10", "X-RateLimit-Remaining-2": "0"}, T), T
    )
    assert spent_burst == Slowdown(math.inf, T + 1)


# -- the schedule in Redis ------------------------------------------------------------------------------


async def test_replicas_taking_at_once_get_slots_one_interval_apart(replicas: list[SendPace]) -> None:
    """Twenty takes at the same instant from two replicas get twenty distinct slots 0.1 s apart."""
    waits = await asyncio.gather(*(replicas[i % 2].take(now=T) for i in range(20)))
    assert spaced(list(waits)) == [round(i / RATE, 3) for i in range(20)]


async def test_an_idle_schedule_gives_a_slot_at_once(replicas: list[SendPace]) -> None:
    """Once the last slot is an interval behind, the next is now: an idle schedule does not bank waits."""
    first, second = replicas
    assert [await first.take(now=T), await second.take(now=T)] == [0.0, 0.1]
    assert await second.take(now=T + 0.15) == 0.05
    assert await first.take(now=T + 5) == 0.0


async def test_a_pause_holds_every_slot_until_it_ends(replicas: list[SendPace]) -> None:
    """After a 429's Retry-After, no replica gets a slot before the pause ends; then 0.1 s apart again."""
    first, second = replicas
    assert await first.pause_until(T + 5, now=T) == T + 5
    assert [await second.take(now=T), await first.take(now=T + 1)] == [5.0, 4.1]


async def test_a_pause_set_after_a_slot_was_given_is_seen_by_its_holder(replicas: list[SendPace]) -> None:
    """A replica holding a slot checks the pause before sending: one set meanwhile (another replica's
    answer said the quota is spent) still holds it back."""
    first, second = replicas
    assert await first.take(now=T) == 0.0
    assert await first.take(now=T) == 0.1  # granted, not used yet
    await second.pause_until(T + 2, now=T + 0.05)
    assert await first.pause_left(now=T + 0.1) == 1.9
    assert await first.pause_left(now=T + 3) == 0.0


async def test_a_shorter_pause_never_shortens_a_longer_one(replicas: list[SendPace]) -> None:
    """A later, smaller Retry-After leaves the longer pause in force (the schedule never moves back)."""
    first, second = replicas
    await first.pause_until(T + 30, now=T)
    assert await second.pause_until(T + 5, now=T + 1) == T + 30
    assert await first.take(now=T + 1) == 29.0


async def test_a_low_quota_spreads_the_calls_left_until_its_reset(replicas: list[SendPace]) -> None:
    """4 of 100 burst calls left: sends go 0.25 s apart (not 0.1) until the quota renews a second later."""
    first, second = replicas
    await first.observe({"X-RateLimit-Limit-2": "100", "X-RateLimit-Remaining-2": "4"}, now=T)
    waits = [await (first, second)[i % 2].take(now=T) for i in range(6)]
    assert waits == [0.0, 0.25, 0.5, 0.75, 1.0, 1.1]


async def test_a_healthy_answer_ends_the_slowdown(replicas: list[SendPace]) -> None:
    """The latest answer rules: plenty left again, sends go back to the configured rate at once."""
    first, second = replicas
    low = {"X-RateLimit-Limit-1": "1000", "X-RateLimit-Remaining-1": "20", "X-RateLimit-Reset": "1000"}
    await first.observe(low, now=T)
    assert [await second.take(now=T), await second.take(now=T)] == [0.0, 50.0]
    await second.observe({"X-RateLimit-Limit-1": "1000", "X-RateLimit-Remaining-1": "900"}, now=T)
    assert await first.take(now=T) == 50.1


async def test_a_spent_quota_pauses_until_its_reset(replicas: list[SendPace]) -> None:
    """None left: no replica sends before the reset the answer gave (X-RateLimit-Reset, a Unix time)."""
    first, second = replicas
    spent = {
        "X-RateLimit-Limit-2": "100",
        "X-RateLimit-Remaining-2": "0",
        "X-RateLimit-Reset": str(int(T) + 3),
    }
    assert await first.observe(spent, now=T) == Slowdown(math.inf, T + 3)
    assert await second.take(now=T) == 3.0


async def test_an_answer_without_quota_headers_changes_nothing(
    replicas: list[SendPace], redis_client: Redis, key_prefix: str
) -> None:
    """Missing or garbled X-RateLimit-* headers are ignored: no error, no write, the pace unchanged."""
    first, second = replicas
    assert await first.observe({"X-RateLimit-Limit-2": "lots", "X-RateLimit-Remaining-2": "0"}, now=T) is None
    assert not await redis_client.exists(Keys(key_prefix).send_pace())
    assert [await second.take(now=T), await first.take(now=T)] == [0.0, 0.1]


TAKER = """
import asyncio, sys, time
from redis.asyncio import Redis
from bot.store.keys import Keys
from bot.store.send_pace import SendPace

async def main(url, prefix, count, rate):
    redis = Redis.from_url(url, decode_responses=True)
    pace = SendPace(redis, Keys(prefix), rate)
    await redis.ping()
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(count):
        now = time.time()
        wait = await pace.take(now)
        print(round(now * 1000) + round(wait * 1000))
    await redis.aclose()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
"""
SLOTS_EACH = 200


async def test_two_processes_never_get_slots_closer_than_the_interval(
    redis_url: str, key_prefix: str
) -> None:
    """Two OS processes taking slots at once, each on its own clock, never get two slots under 0.1 s apart."""
    takers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", TAKER, redis_url, key_prefix, str(SLOTS_EACH), str(RATE),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]  # fmt: skip
    for taker in takers:  # both connected and waiting: then both are told to go
        assert taker.stdout is not None and await taker.stdout.readline() == b"ready\n"
    outputs = await asyncio.gather(*(taker.communicate(b"go\n") for taker in takers))
    assert [taker.returncode for taker in takers] == [0, 0]
    slots = sorted(int(line) for output, _ in outputs for line in output.split())
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert len(set(slots)) == 2 * SLOTS_EACH and min(gaps) >= 1000 / RATE


async def test_a_sender_a_little_late_keeps_its_place_in_the_schedule(replicas: list[SendPace]) -> None:
    """A sender reaching `take` up to CATCH_UP_MS late (a busy event loop) is given its missed slot at once,
    so the pace is kept over the batch; later than that, the schedule starts again from now."""
    first, _second = replicas
    assert await first.take(now=T) == 0.0
    assert await first.take(now=T + 0.15) == 0.0  # its slot was T + 0.1: given, 50 ms late
    assert await first.take(now=T + 0.15) == 0.05  # the next one stays on the schedule: T + 0.2
    assert await first.take(now=T + 1) == 0.0  # 700 ms late: from now
    assert await first.take(now=T + 1) == 0.1

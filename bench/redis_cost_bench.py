"""What one remote request costs Redis over its whole life, measured on a served bot.

Run: `.venv/bin/python -m bench.redis_cost_bench [--rounds 25]`. A `remote-bot serve` process and the
simulator run in processes of their own, the Slack emulator here, with Slack's rate budgets lifted.
Each round sends `/vehicle horn` to each of the eight demo vehicles and waits for every thread reply
(the request's end). Redis is its own
embedded server (so nothing else counts): INFO commandstats (Lua scripts' inner commands included),
used_memory and DBSIZE are read before and after, and the bot's /metrics gives the notifications it
stored. Command counts do not depend on the machine's load; the figures feed README's "Scale on paper".
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from bench.processes import CHANNEL, USER, free_port, served_bot
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.slack_emulator import SlackState

VEHICLES = ("van-12", "van-14", "car-21", "car-33", "car-35", "truck-40", "car-52", "car-57")


IDLE_SECONDS = 10.0
# The requests' last renders (held by each message's one-second gate) land after their thread replies.
SETTLE_SECONDS = 3.0


def _changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Calls made between two snapshots, the bench's own reads left out."""
    return {
        name: count - before.get(name, 0)
        for name, count in after.items()
        if name not in ("info", "dbsize") and count > before.get(name, 0)
    }


def replies(state: SlackState) -> int:
    """Thread replies posted so far (one per finished request)."""
    return len([message for message in state.messages(CHANNEL) if message.thread_ts])


async def notifications(metrics_url: str) -> float:
    """The notifications the bot has stored in its inbox, from its own metrics."""
    async with aiohttp.ClientSession() as session, session.get(metrics_url) as answer:
        text = await answer.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "remote_bot_notifications_total" and sample.labels.get("fate") == "accepted"
    )


async def snapshot(redis: Redis) -> tuple[dict[str, int], int, int]:
    """Calls per command, used memory and key count."""
    stats = await redis.info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    return calls, int((await redis.info("memory"))["used_memory"]), int(await redis.dbsize())


async def main(rounds: int) -> None:
    """Run the rounds and print the costs per request and per notification."""
    with EmbeddedRedis() as embedded:
        redis = Redis.from_url(embedded.url, decode_responses=True)
        metrics_port = free_port()
        # Slack's budgets lifted: a starved budget would count deferred renders polled again and again.
        extra = {
            "METRICS_PORT": str(metrics_port),
            "SLACK_UPDATE_RATE_PER_MINUTE": "100000",
            "SLACK_REPLY_INTERVAL_SECONDS": "0.01",
        }
        async with served_bot(embedded.url, extra) as (state, driver):
            metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"

            async def one_round(expected: int) -> None:
                for vehicle in VEHICLES:
                    await driver.slash_command("/vehicle", f"horn {vehicle}", USER, CHANNEL)
                await state.wait_for(lambda: replies(state) >= expected, timeout=60)

            await one_round(len(VEHICLES))  # warm-up: channel, token, scripts loaded
            before, memory_before, keys_before = await snapshot(redis)
            stored_before = await notifications(metrics_url)
            started = time.monotonic()
            for index in range(rounds):
                await one_round(len(VEHICLES) * (index + 2))
            await asyncio.sleep(SETTLE_SECONDS)
            busy_seconds = time.monotonic() - started
            after, memory_after, keys_after = await snapshot(redis)
            stored = await notifications(metrics_url) - stored_before
            # What the background jobs cost with no work: measured apart, then taken out.
            await asyncio.sleep(IDLE_SECONDS)
            idle, _memory, _keys = await snapshot(redis)
        await redis.aclose()
    requests = rounds * len(VEHICLES)
    polling = sum(_changed(after, idle).values()) / IDLE_SECONDS
    calls = _changed(before, after)
    total = sum(calls.values()) - polling * busy_seconds
    top = ", ".join(
        f"{name} {count / requests:.1f}" for name, count in sorted(calls.items(), key=lambda i: -i[1])[:12]
    )
    print(f"{requests} requests (/vehicle horn, each to its thread reply), {stored:.0f} notifications stored")
    print(
        f"Redis commands per request, whole life: {total / requests:.1f}, after taking out the background "
        f"jobs' polling ({polling:.1f} commands/s per replica, measured idle over {IDLE_SECONDS:.0f} s; "
        f"{busy_seconds:.1f} s of requests). Before that, per request: {top}"
    )
    print(f"notifications per request: {stored / requests:.1f}")
    print(f"Redis memory kept per finished request: {(memory_after - memory_before) / requests:.0f} B")
    print(f"Redis keys kept per finished request: {(keys_after - keys_before) / requests:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=25, help="rounds of one request per vehicle")
    asyncio.run(main(parser.parse_args().rounds))

"""A burst of slash commands: 1,000 signed `/vehicle` commands sent 300 at a time, every one answered.

Run: `.venv/bin/python -m bench.burst_bench [--commands 1000] [--concurrency 300]`. The bot
(`remote-bot serve`) and the simulator run in processes of their own; the Slack emulator runs here, so
the bench sees each answer the bot sends. Redis is REDIS_URL when set, else an embedded server. Prints
the acknowledgement latencies and what every command finally got: its request message (the vehicle
cloud was asked), "already in flight" (one request per vehicle and action at a time), or an error.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import time

from bench.processes import CHANNEL, USER, served_bot
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.slack_emulator import SlackDriver, SlackState

VEHICLES = ("van-12", "van-14", "car-21", "car-33", "car-35", "truck-40", "car-52", "car-57")
ACTIONS = ("horn", "lights", "lock", "unlock", "locate", "wakeup")


def answers(state: SlackState) -> dict[str, int]:
    """What the user saw, by kind: request messages and private answers."""
    kinds = {"request message": len([m for m in state.messages(CHANNEL) if not m.thread_ts])}
    for ephemeral in state.ephemerals(user=USER):
        kind = (
            "already in flight" if "already in flight" in ephemeral.text else "other: " + ephemeral.text[:70]
        )
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


async def burst(driver: SlackDriver, count: int, concurrency: int) -> tuple[list[float], dict[int, int]]:
    """Send `count` commands, at most `concurrency` unanswered at once; ack latencies and HTTP statuses."""
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    texts = itertools.cycle(f"{action} {vehicle}" for action in ACTIONS for vehicle in VEHICLES)

    async def one(text: str) -> None:
        async with limit:
            started = time.perf_counter()
            response = await driver.slash_command("/vehicle", text, USER, CHANNEL)
            latencies.append(time.perf_counter() - started)
            statuses[response.status] = statuses.get(response.status, 0) + 1

    await asyncio.gather(*(one(next(texts)) for _ in range(count)))
    return latencies, statuses


async def main(count: int, concurrency: int) -> None:
    """Start the processes, send the burst, wait for every answer, print the figures."""
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis().start()
    redis_url = os.environ.get("REDIS_URL") or (embedded.url if embedded else "")
    try:
        async with served_bot(redis_url) as (state, driver):
            latencies, statuses = await burst(driver, count, concurrency)
            answered = await state.wait_for(lambda: sum(answers(state).values()) >= count, timeout=180)
        ordered = sorted(latencies)
        p50, p99 = (1000 * ordered[int(share * (len(ordered) - 1))] for share in (0.5, 0.99))
        print(f"{count} signed commands, {concurrency} at a time: HTTP statuses {statuses}")
        print(f"acknowledgement p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {1000 * ordered[-1]:.1f} ms")
        print(f"every command answered: {bool(answered)}; what users saw: {answers(state)}")
    finally:
        if embedded is not None:
            embedded.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=300)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.commands, arguments.concurrency))

"""What an idle replica costs: Redis commands per second by command, and the bot process's CPU.

Run: `.venv/bin/python -m bench.idle_cost_bench [--seconds 30] [--settle 5]`. Redis is an embedded
server of its own, so every command it counts is this bench's (its own INFO reads left out). First the
floor, measured in the same run: the same Redis with no bot beside a bare aiohttp + Bolt app idling
(`bench.bare_bolt`, the bot's serving path without its work). Then a `remote-bot serve` process and the
simulator start (the Slack emulator runs here), and once /readyz answers and `--settle` seconds have
passed (start-up work done), the same figures are measured with the bot idle: no Slack request, no
notification. INFO commandstats counts Lua scripts' inner commands as well as EVALSHA itself. CPU is
user plus system time from /proc. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from redis.asyncio import Redis

from bench.pipeline_bench import cpu_seconds
from bench.processes import (
    SIGNING_SECRET,
    bot_processes,
    emulator_port,
    free_port,
    python,
    spawn,
    stop,
    wait_http,
)
from bot.runtime.embedded_redis import EmbeddedRedis

OWN_COMMANDS = ("info",)  # the bench's reads


async def calls(redis: Redis) -> dict[str, int]:
    """Calls per command so far (INFO commandstats)."""
    stats = await redis.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


@dataclass(frozen=True)
class Idle:
    """One measurement: commands per second by command, and CPU (% of one core) of a process and Redis."""

    seconds: float
    per_second: dict[str, float]
    cpu_percent: float
    redis_cpu_percent: float

    @property
    def total(self) -> float:
        """Commands per second, all commands."""
        return sum(self.per_second.values())


async def measure(redis: Redis, pid: int | None, redis_pid: int | None, seconds: float) -> Idle:
    """Count what Redis answered, and the CPU `pid` and Redis used, over `seconds`."""
    before, cpu, redis_cpu = await calls(redis), cpu_seconds(pid), cpu_seconds(redis_pid)
    started = time.monotonic()
    await asyncio.sleep(seconds)
    after = await calls(redis)
    cpu, redis_cpu = cpu_seconds(pid) - cpu, cpu_seconds(redis_pid) - redis_cpu
    elapsed = time.monotonic() - started
    per_second = {
        name: (count - before.get(name, 0)) / elapsed
        for name, count in after.items()
        if name not in OWN_COMMANDS and count > before.get(name, 0)
    }
    return Idle(elapsed, per_second, 100 * cpu / elapsed, 100 * redis_cpu / elapsed)


@contextlib.asynccontextmanager
async def bare_app() -> AsyncIterator[subprocess.Popen[bytes]]:
    """The floor's process: a bare aiohttp + Bolt app (no Redis, no background job), serving."""
    port = free_port()
    child = spawn(
        python("bench.bare_bolt", str(port), SIGNING_SECRET, "http://127.0.0.1:9/api/", "xoxb-floor")
    )
    try:
        await wait_http(f"http://127.0.0.1:{port}/healthz")
        yield child
    finally:
        stop(child)


@contextlib.asynccontextmanager
async def idle_bot(redis_url: str) -> AsyncIterator[subprocess.Popen[bytes]]:
    """A `remote-bot serve` process, ready, beside the simulator and a Slack emulator running here."""
    from bot.slack_emulator import SlackState, start_slack_emulator

    slack = await start_slack_emulator(SlackState())
    try:
        async with bot_processes(redis_url, emulator_port(slack.api_url)) as (bot, _port):
            yield bot
    finally:
        await slack.close()


def report(title: str, idle: Idle) -> None:
    """Print one measurement."""
    print(f"{title} ({idle.seconds:.1f} s)")
    print(f"  Redis commands/s: {idle.total:6.2f}")
    for name, rate in sorted(idle.per_second.items(), key=lambda item: -item[1]):
        print(f"    {name:<22} {rate:6.2f}")
    print(f"  process CPU: {idle.cpu_percent:5.2f} % of a core   Redis CPU: {idle.redis_cpu_percent:5.2f} %")


async def main(seconds: float, settle: float) -> None:
    """Measure the floor, then the idle bot, on one dedicated Redis."""
    with EmbeddedRedis() as embedded:
        redis = Redis.from_url(embedded.url, decode_responses=True)
        try:
            async with bare_app() as floor_process:
                floor = await measure(redis, floor_process.pid, embedded.pid, seconds)
            async with idle_bot(embedded.url) as bot:
                await asyncio.sleep(settle)
                idle = await measure(redis, bot.pid, embedded.pid, seconds)
        finally:
            await redis.aclose()
    report("floor: the same Redis with no bot; a bare aiohttp + Bolt app idling", floor)
    report("idle bot: one `remote-bot serve`, no traffic", idle)
    print(
        f"bot minus floor: {idle.total - floor.total:.2f} commands/s, "
        f"{idle.cpu_percent - floor.cpu_percent:.2f} % of a core"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each measurement")
    parser.add_argument("--settle", type=float, default=5.0, help="wait after /readyz before measuring")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.settle))

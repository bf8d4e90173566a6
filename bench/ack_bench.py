"""Slack acknowledgement latency under load: the bot beside a bare Bolt app that only acknowledges.

Run: `.venv/bin/python -m bench.ack_bench [--seconds 30] [--rates 5,20,50]`. The bot (`remote-bot serve`),
the vehicle-cloud simulator and the Slack emulator each run in their own process; Redis is REDIS_URL
when set, else an embedded server. Signed slash commands are sent open-loop (at fixed instants,
whatever the answers) and the time to each HTTP answer, which is Slack's acknowledgement, is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from bench.processes import bot_env, free_port, python, spawn, stop, wait_http
from bench.slack_emulator_process import CHANNEL, USER
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.slack_emulator import DEFAULT_BOT_TOKEN, sign

SECRET = "bench-signing-secret"
COMMANDS = (
    "lock van-12",
    "unlock van-14",
    "horn car-21",
    "lights van-12 on",
    "state van-14 --no-refresh",
    "whoami",
    "help",
    "locate car-52",
)


@dataclass
class Result:
    """Latencies (seconds) and failures of one load run."""

    latencies: list[float]
    errors: int

    def percentile(self, share: float) -> float:
        """The latency below which `share` of the answers came, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _send(
    session: aiohttp.ClientSession, url: str, response_url: str, text: str, result: Result
) -> None:
    body = urlencode(
        {
            "command": "/vehicle",
            "text": text,
            "user_id": USER,
            "user_name": "bench",
            "channel_id": CHANNEL,
            "team_id": "T0EMULATOR",
            "trigger_id": uuid.uuid4().hex,
            "response_url": response_url,
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            ok = response.status == 200
    except aiohttp.ClientError:
        ok = False
    if ok:
        result.latencies.append(time.perf_counter() - started)
    else:
        result.errors += 1


async def open_loop(
    url: str, response_url: str, rate: float, seconds: float, commands: tuple[str, ...] = COMMANDS
) -> Result:
    """Send `rate` commands per second for `seconds`, each at its planned instant."""
    result = Result([], 0)
    texts = itertools.cycle(commands)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        tasks = []
        for index in range(int(rate * seconds)):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_send(session, url, response_url, next(texts), result)))
        await asyncio.gather(*tasks)
    return result


async def flooded(url: str, response_url: str, rate: float, seconds: float, flood: list[str]) -> Result:
    """`open_loop` of `/vehicle help` while another process floods the vendor callback."""
    flooder = spawn(flood)
    await asyncio.sleep(2)  # the flood is under way before the first command
    try:
        return await open_loop(url, response_url, rate, seconds, commands=("help",))
    finally:
        stop(flooder)


async def main(seconds: float, rates: list[float], flood: int = 0) -> None:
    """Start the processes, load both apps at each rate, print the table."""
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis().start()
    redis_url = os.environ.get("REDIS_URL") or (embedded.url if embedded else "")
    sim_port, slack_port, bot_port, bare_port = (free_port() for _ in range(4))
    slack_api = f"http://127.0.0.1:{slack_port}/api/"
    env = bot_env(
        secret=SECRET, bot_token=DEFAULT_BOT_TOKEN, slack_port=slack_port, sim_port=sim_port,
        bot_port=bot_port, redis_url=redis_url, prefix=f"bench:{uuid.uuid4().hex[:8]}:",
    )  # fmt: skip
    children = [
        spawn(python("bot.cli", "simulator", "--port", str(sim_port)), env),
        spawn(python("bench.slack_emulator_process", str(slack_port))),
    ]
    try:
        await wait_http(f"http://127.0.0.1:{sim_port}/_simulator/state")
        await wait_http(slack_api + "api.test")
        children.append(spawn(python("bot.cli", "serve"), env))
        children.append(
            spawn(python("bench.bare_bolt", str(bare_port), SECRET, slack_api, DEFAULT_BOT_TOKEN))
        )
        await wait_http(f"http://127.0.0.1:{bot_port}/readyz", status=200)
        await wait_http(f"http://127.0.0.1:{bare_port}/healthz")
        rows = []
        for rate in rates:
            for name, port in (("bot", bot_port), ("bare Bolt", bare_port)):
                # Answers go to the Slack emulator's process, as they would go to Slack (it refuses the
                # unknown URL, which costs the bot the same round trip).
                response_url = f"http://127.0.0.1:{slack_port}/response/bench"
                result = await open_loop(f"http://127.0.0.1:{port}/slack/events", response_url, rate, seconds)
                rows.append((rate, name, result))
        print(f"\nSlack acknowledgement latency, open loop, {seconds:g} s per rate (2-core machine)")
        print(
            f"{'rate/s':>7} {'app':<10} {'sent':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}"
        )
        for rate, name, result in rows:
            worst = 1000 * max(result.latencies) if result.latencies else float("nan")
            sent = len(result.latencies) + result.errors
            p50, p99 = result.percentile(0.5), result.percentile(0.99)
            print(f"{rate:>7g} {name:<10} {sent:>6} {p50:>8.1f} {p99:>8.1f} {worst:>8.1f} {result.errors:>7}")
        for rate in rates:
            bot, bare = (r for q, _, r in rows if q == rate)
            ratio = bot.percentile(0.99) / bare.percentile(0.99)
            print(f"p99 at {rate:g}/s: bot {bot.percentile(0.99):.1f} ms = {ratio:.2f} x bare Bolt")
        if flood:
            await _flood_rows(bot_port, slack_port, seconds, flood)
    finally:
        for child in children:
            stop(child)
        if embedded is not None:
            embedded.close()


async def _flood_rows(bot_port: int, slack_port: int, seconds: float, flood: int) -> None:
    url = f"http://127.0.0.1:{bot_port}/slack/events"
    response_url = f"http://127.0.0.1:{slack_port}/response/bench"
    callback = f"http://127.0.0.1:{bot_port}/stellantis/notifications"
    quiet = await open_loop(url, response_url, 5, seconds, commands=("help",))
    loud = await flooded(url, response_url, 5, seconds, python("bench.flood", callback, str(flood)))
    print(f"\n`/vehicle help` at 5/s, {seconds:g} s, with and without {flood} senders flooding the callback")
    print("with unauthenticated 1 MiB bodies of tiny elements (answered 401 before any parsing)")
    for name, result in (("quiet (floor)", quiet), ("flooded", loud)):
        p50, p99 = result.percentile(0.5), result.percentile(0.99)
        print(f"  {name:<14} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {result.errors}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rates", default="5,20,50")
    parser.add_argument("--flood", type=int, default=0, help="also measure `help` while N senders flood")
    arguments = parser.parse_args()
    rates = [float(rate) for rate in arguments.rates.split(",")]
    asyncio.run(main(arguments.seconds, rates, arguments.flood))

"""How long a user waits when Redis hangs: `CLIENT PAUSE` on a Redis of this bench's own, then a command.

Run: `.venv/bin/python -m bench.redis_pause_bench`. The bot (`remote-bot serve`) and the simulator run in
processes of their own on an embedded Redis started here (never a shared server); the Slack emulator runs
here. Prints the acknowledgement time (Slack's 3 s limit) and how long the user waited for the answer,
with the REDIS_* bounds in force, beside the same command while Redis answers.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp
from redis.asyncio import Redis

from bench.processes import bot_env, free_port, python, spawn, stop, wait_http
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.slack_emulator import DEFAULT_BOT_TOKEN, SlackDriver, SlackState, start_slack_emulator

SECRET = "bench-signing-secret"
CHANNEL, USER = "C0FLEETOPS", "U0SECURITY"
PAUSE_MS = 30_000


async def _timed(driver: SlackDriver, state: SlackState, text: str) -> tuple[float, float, str]:
    """Acknowledgement and answer times (s) of one command, and the start of what the user saw."""
    private, posted = len(state.ephemerals(user=USER)), len(state.messages(CHANNEL))
    started = time.perf_counter()
    await driver.slash_command("/vehicle", text, USER, CHANNEL)
    acked = time.perf_counter() - started

    def answer() -> str:
        if len(state.ephemerals(user=USER)) > private:
            return state.ephemerals(user=USER)[-1].text
        return state.messages(CHANNEL)[-1].text if len(state.messages(CHANNEL)) > posted else ""

    shown = await state.wait_for(answer, timeout=120)
    return acked, time.perf_counter() - started, shown[:70]


async def main() -> None:
    """Start everything, time a command with Redis answering, then with Redis paused."""
    state = SlackState()
    state.add_channel(CHANNEL, "fleet-ops")
    state.add_user(USER, "bench-security")
    slack = await start_slack_emulator(state)
    slack_port = int(slack.api_url.split(":")[2].split("/")[0])
    sim_port, bot_port = free_port(), free_port()
    with EmbeddedRedis() as redis_server:
        env = bot_env(
            secret=SECRET, bot_token=DEFAULT_BOT_TOKEN, slack_port=slack_port, sim_port=sim_port,
            bot_port=bot_port, redis_url=redis_server.url, prefix=f"bench:{uuid.uuid4().hex[:8]}:",
        )  # fmt: skip
        children = [spawn(python("bot.cli", "simulator", "--port", str(sim_port)), env)]
        admin = Redis.from_url(redis_server.url)
        try:
            await wait_http(f"http://127.0.0.1:{sim_port}/_simulator/state")
            children.append(spawn(python("bot.cli", "serve"), env))
            await wait_http(f"http://127.0.0.1:{bot_port}/healthz")
            async with aiohttp.ClientSession() as session:
                driver = SlackDriver(f"http://127.0.0.1:{bot_port}", SECRET, state, session)
                rows = [("Redis answering", await _timed(driver, state, "horn van-12"))]
                await admin.execute_command("CLIENT", "PAUSE", str(PAUSE_MS), "ALL")  # type: ignore[no-untyped-call]
                rows.append(
                    (f"Redis paused {PAUSE_MS // 1000} s", await _timed(driver, state, "horn van-14"))
                )
            print("`/vehicle horn` acknowledged, then answered (REDIS_* settings at their defaults)")
            for name, (acked, answered, shown) in rows:
                print(f"  {name:<18} ack {1000 * acked:7.1f} ms  answer after {answered:5.2f} s  {shown!r}")
        finally:
            await admin.aclose()
            for child in children:
                stop(child)
            await slack.close()


if __name__ == "__main__":
    asyncio.run(main())

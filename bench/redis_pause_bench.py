"""How long a user waits when Redis hangs: `CLIENT PAUSE` on a Redis of this bench's own, then a command.

Run: `.venv/bin/python -m bench.redis_pause_bench`. The bot (`remote-bot serve`) and the simulator run in
processes of their own on an embedded Redis started here (never a shared server); the Slack emulator runs
here. Prints the acknowledgement time (Slack's 3 s limit) and how long the user waited for the answer,
with the REDIS_* bounds in force, beside the same command while Redis answers.
"""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from bench.processes import CHANNEL, USER, served_bot
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.slack_emulator import SlackDriver, SlackState

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
    with EmbeddedRedis() as redis_server:
        admin = Redis.from_url(redis_server.url)
        try:
            async with served_bot(redis_server.url) as (state, driver):
                rows = [("Redis answering", await _timed(driver, state, "horn van-12"))]
                await admin.execute_command("CLIENT", "PAUSE", str(PAUSE_MS), "ALL")  # type: ignore[no-untyped-call]
                paused = await _timed(driver, state, "horn van-14")
                rows.append((f"Redis paused {PAUSE_MS // 1000} s", paused))
        finally:
            await admin.aclose()
    print("`/vehicle horn` acknowledged, then answered (REDIS_* settings at their defaults)")
    for name, (acked, answered, shown) in rows:
        print(f"  {name:<18} ack {1000 * acked:7.1f} ms  answer after {answered:5.2f} s  {shown!r}")


if __name__ == "__main__":
    asyncio.run(main())

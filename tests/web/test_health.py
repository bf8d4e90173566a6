"""Health and readiness endpoints, as a load balancer sees them."""

from __future__ import annotations

import asyncio
import signal

import aiohttp

from bench.processes import bot_env, free_port, python, spawn, wait_http
from bot.runtime.bundled import DEMO_FLEET
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.simulator.app import Simulator
from bot.simulator.fleet import load_fleet
from bot.simulator.routes import build_app
from bot.slack_emulator import DEFAULT_BOT_TOKEN, SlackState, start_slack_emulator
from tests.app_support import serve, start_bot, wait_until


async def test_readyz_follows_redis_while_healthz_stays_alive(key_prefix: str) -> None:
    """/readyz answers 503 while Redis is down and 200 once it is back; /healthz answers 200 throughout."""
    with EmbeddedRedis() as redis_server:
        async for bot in start_bot(redis_server.url, key_prefix):
            async with bot.session.get(bot.url + "/readyz") as ready:
                assert ready.status == 200
            redis_server.stop()
            async with bot.session.get(bot.url + "/readyz") as not_ready:
                assert not_ready.status == 503
                assert (await not_ready.json())["redis"] != "ok"
            async with bot.session.get(bot.url + "/healthz") as alive:
                assert alive.status == 200
            redis_server.start()
            async with bot.session.get(bot.url + "/readyz") as ready_again:
                assert ready_again.status == 200


async def test_serve_answers_readyz_with_what_it_waits_for_then_stops_cleanly_on_sigterm(
    key_prefix: str,
) -> None:
    """A `remote-bot serve` started before its Redis: the port answers at once, /readyz says it waits for
    Redis (503), then ready (200) once Redis is up; SIGTERM ends the process with status 0."""
    with EmbeddedRedis() as redis_server:
        redis_server.stop()
        state = SlackState()
        slack = await start_slack_emulator(state)
        simulator = Simulator(load_fleet(DEMO_FLEET), client_id="bench-client", delay_scale=0.001)
        sim_runner, sim_url = await serve(build_app(simulator))
        bot_port = free_port()
        env = bot_env(
            secret="health-secret", bot_token=DEFAULT_BOT_TOKEN, slack_port=_port(slack.api_url),
            sim_port=_port(sim_url), bot_port=bot_port, redis_url=redis_server.url, prefix=key_prefix,
        )  # fmt: skip
        env["REDIS_START_WAIT_SECONDS"] = "60"
        child = spawn(python("bot.cli", "serve"), env)
        try:
            async with aiohttp.ClientSession() as session:
                ready_url = f"http://127.0.0.1:{bot_port}/readyz"
                await wait_http(ready_url)
                async with session.get(ready_url) as waiting:
                    assert waiting.status == 503
                    assert (await waiting.json())["waiting_for"] == "Redis at REDIS_URL"
                await asyncio.get_running_loop().run_in_executor(None, redis_server.start)

                async def ready() -> bool:
                    async with session.get(ready_url) as answer:
                        return answer.status == 200

                await wait_until(ready, timeout=30)
            child.send_signal(signal.SIGTERM)
            assert await asyncio.get_running_loop().run_in_executor(None, child.wait, 20) == 0
        finally:
            if child.poll() is None:
                child.kill()
            await simulator.close()
            await sim_runner.cleanup()
            await slack.close()


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])

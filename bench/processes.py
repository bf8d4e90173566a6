"""Helpers to run the bot, the simulator and the Slack emulator as separate processes for benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from bot.slack_emulator import SlackDriver, SlackState


def free_port() -> int:
    """A port that was free a moment ago (good enough for a benchmark on loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def spawn(
    args: list[str], env: Mapping[str, str] | None = None, *, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a child process with the current environment plus `env`; its output goes to `log` or nowhere."""
    with contextlib.ExitStack() as files:
        output = files.enter_context(log.open("ab")) if log is not None else subprocess.DEVNULL
        return subprocess.Popen(
            args, env={**os.environ, **(env or {})}, stdout=output, stderr=subprocess.STDOUT
        )


def python(module: str, *args: str) -> list[str]:
    """The command line running `python -m module args` with this interpreter."""
    return [sys.executable, "-m", module, *args]


async def wait_http(url: str, timeout: float = 30.0, *, status: int | None = None) -> None:
    """Wait until `url` answers (with `status`, when given), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    await response.read()
                    if status is None or response.status == status:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout} s") from None
            await asyncio.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a child process and wait for it."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bot_env(
    *, secret: str, bot_token: str, slack_port: int, sim_port: int, bot_port: int, redis_url: str, prefix: str
) -> dict[str, str]:
    """The environment of a `remote-bot serve` child talking to a local emulator and simulator."""
    from bot.runtime.bundled import DEMO_FLEET, SAMPLE_POLICY

    return {
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": f"http://127.0.0.1:{slack_port}/api/",
        "SLACK_RESPONSE_ORIGINS": f"http://127.0.0.1:{slack_port}",
        "STELLANTIS_API_URL": f"http://127.0.0.1:{sim_port}/connectedcar/v1",
        "STELLANTIS_TOKEN_URL": f"http://127.0.0.1:{sim_port}/oauth2/token",
        "STELLANTIS_CLIENT_ID": "bench-client",
        "STELLANTIS_SCOPE": "remote",
        "CALLBACK_PUBLIC_URL": f"http://127.0.0.1:{bot_port}",
        "CALLBACK_TOKENS": "bench-callback-token",
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "PORT": str(bot_port),
        "POLICY_FILE": str(SAMPLE_POLICY),
        "FLEET_FILE": str(DEMO_FLEET),
        "SIMULATOR_DELAY_SCALE": "0.01",
        "METRICS_PORT": "off",  # several bots run side by side; none is scraped
    }


SIGNING_SECRET = "bench-signing-secret"
CHANNEL, USER = "C0FLEETOPS", "U0SECURITY"


@contextlib.asynccontextmanager
async def bot_processes(
    redis_url: str, slack_port: int, extra_env: Mapping[str, str] | None = None, *, log: Path | None = None
) -> AsyncIterator[tuple[subprocess.Popen[bytes], int]]:
    """A `remote-bot serve` process, ready, and a simulator process, beside a Slack emulator on `slack_port`.

    Yields the bot's process and its port. `extra_env` adds to (or replaces) the bot's settings; the bot's
    output goes to `log` when given.
    """
    from bot.slack_emulator import DEFAULT_BOT_TOKEN

    sim_port, bot_port = free_port(), free_port()
    env = bot_env(
        secret=SIGNING_SECRET, bot_token=DEFAULT_BOT_TOKEN, slack_port=slack_port, sim_port=sim_port,
        bot_port=bot_port, redis_url=redis_url, prefix=f"bench:{uuid.uuid4().hex[:8]}:",
    )  # fmt: skip
    env.update(extra_env or {})
    children = [spawn(python("bot.cli", "simulator", "--port", str(sim_port)), env)]
    try:
        await wait_http(f"http://127.0.0.1:{sim_port}/_simulator/state")
        children.append(spawn(python("bot.cli", "serve"), env, log=log))
        await wait_http(f"http://127.0.0.1:{bot_port}/readyz", status=200)
        yield children[-1], bot_port
    finally:
        for child in children:
            stop(child)


def emulator_port(api_url: str) -> int:
    """The port of a Slack emulator from its API URL."""
    return int(api_url.split(":")[2].split("/")[0])


@contextlib.asynccontextmanager
async def served_bot(
    redis_url: str, extra_env: Mapping[str, str] | None = None, *, log: Path | None = None
) -> AsyncIterator[tuple[SlackState, SlackDriver]]:
    """A `remote-bot serve` process and a simulator process beside a Slack emulator running here.

    Yields the emulator's state (every answer the bot sends lands in it) and a driver signing commands
    to the bot as Slack would. `extra_env` adds to (or replaces) the bot's settings; the bot's output
    goes to `log` when given.
    """
    from bot.slack_emulator import SlackDriver, SlackState, start_slack_emulator

    state = SlackState()
    state.add_channel(CHANNEL, "fleet-ops")
    state.add_user(USER, "bench-security")
    slack = await start_slack_emulator(state)
    try:
        async with (
            bot_processes(redis_url, emulator_port(slack.api_url), extra_env, log=log) as (_bot, bot_port),
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):
            yield state, SlackDriver(f"http://127.0.0.1:{bot_port}", SIGNING_SECRET, state, session)
    finally:
        await slack.close()

"""Helpers to run the bot, the simulator and the Slack emulator as separate processes for benchmarks."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping

import aiohttp


def free_port() -> int:
    """A port that was free a moment ago (good enough for a benchmark on loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def spawn(args: list[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a child process with the current environment plus `env`; its output is discarded."""
    return subprocess.Popen(
        args,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def python(module: str, *args: str) -> list[str]:
    """The command line running `python -m module args` with this interpreter."""
    return [sys.executable, "-m", module, *args]


async def wait_http(url: str, timeout: float = 30.0) -> None:
    """Wait until `url` answers (any status), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
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
    }

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

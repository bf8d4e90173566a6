"""Every failure of `remote-bot serve` or `check-config` to start is one line on stderr, never a traceback."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bench.processes import bot_env, free_port
from bot.runtime.bundled import DEMO_FLEET
from bot.simulator.app import Simulator
from bot.simulator.fleet import load_fleet
from bot.simulator.routes import build_app
from bot.slack_emulator import DEFAULT_BOT_TOKEN, SlackState, start_slack_emulator
from tests.app_support import serve

BROKEN_POLICY = "roles:\n  operator:\n    actions: [lock, unlock\ngrants: []\n"
BROKEN_FLEET = "vehicles:\n  van-12:\n    vin: VR3UHZKXZLT000012\n\tgroups: [vans]\n"


def remote_bot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`remote-bot args` in a process of its own with `env` added to this one's environment."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def serve_env(redis_url: str, key_prefix: str, **files: Path) -> dict[str, str]:
    """A complete `serve` environment (nothing it names is contacted before the files are read)."""
    env = bot_env(
        secret="start-secret", bot_token="xoxb-start", slack_port=free_port(), sim_port=free_port(),
        bot_port=free_port(), redis_url=redis_url, prefix=key_prefix,
    )  # fmt: skip
    return {**env, **{name.upper(): str(path) for name, path in files.items()}}


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line of stderr (a traceback or PyYAML's multi-line message fails here)."""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


BROKEN_FILES = {
    "POLICY_FILE": (
        BROKEN_POLICY,
        "line 4, column 7: expected ',' or ']', but got ':' (while parsing a flow sequence)",
    ),
    "FLEET_FILE": (
        BROKEN_FLEET,
        "line 4, column 1: found character '\\t' that cannot start any token "
        "(while scanning for the next token)",
    ),
}


@pytest.mark.parametrize("command", ["check-config", "serve"])
@pytest.mark.parametrize("setting", ["POLICY_FILE", "FLEET_FILE"])
def test_a_broken_yaml_file_is_one_line_with_file_line_and_column(
    setting: str, command: str, tmp_path: Path, redis_url: str, key_prefix: str
) -> None:
    """An unclosed `[` in POLICY_FILE, a tab indenting FLEET_FILE: exit 2, one line naming the file,
    the line and column, and what is wrong (PyYAML's own message spans several lines)."""
    text, where_and_what = BROKEN_FILES[setting]
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    done = remote_bot({**serve_env(redis_url, key_prefix), setting: str(broken)}, command)
    assert done.returncode == 2
    assert one_line(done) == f"remote-bot: configuration error: {setting} {broken}: {where_and_what}"


def test_a_control_character_or_a_non_utf8_byte_is_one_line_too(
    tmp_path: Path, redis_url: str, key_prefix: str
) -> None:
    """PyYAML's reader errors (a control character) and undecodable bytes are placed as well."""
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("vehicles:\n  van-12: {vin: VR3UHZKXZLT0\x0100012}\n")
    done = remote_bot(serve_env(redis_url, key_prefix, fleet_file=fleet), "check-config")
    assert done.returncode == 2
    assert one_line(done).endswith("line 2, column 29: character 0x0001: special characters are not allowed")
    fleet.write_bytes(b"vehicles:\n  van-\xff: {vin: VR3UHZKXZLT000012}\n")
    done = remote_bot(serve_env(redis_url, key_prefix, fleet_file=fleet), "check-config")
    assert done.returncode == 2
    assert one_line(done).endswith(f"FLEET_FILE {fleet}: byte 16: not UTF-8 (invalid start byte)")


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


def failure_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one line that is not a log record of the start so far (a traceback fails here)."""
    lines = [line for line in done.stderr.splitlines() if not LOG_RECORD.match(line)]
    assert len(lines) == 1, done.stderr
    return lines[0]


def held_port() -> socket.socket:
    """A listening socket on every address, as another process holding a port would have."""
    return socket.create_server(("", 0))


def test_a_taken_port_names_port_and_its_value(redis_url: str, key_prefix: str) -> None:
    """`serve` on a port another process holds: exit 3, one line naming PORT and the port."""
    with held_port() as holder:
        port = holder.getsockname()[1]
        env = {**serve_env(redis_url, key_prefix), "PORT": str(port)}
        done = remote_bot(env, "serve")
    assert done.returncode == 3
    assert failure_line(done) == (
        f"remote-bot: cannot start: PORT={port} is in use by another process: stop it or choose another PORT"
    )


async def test_a_taken_metrics_port_names_metrics_port_not_port(redis_url: str, key_prefix: str) -> None:
    """A second replica on one host: PORT is free but METRICS_PORT is taken; the last line says so."""
    slack = await start_slack_emulator(SlackState())
    simulator = Simulator(load_fleet(DEMO_FLEET), client_id="bench-client", delay_scale=0.001)
    sim_runner, sim_url = await serve(build_app(simulator))
    try:
        with held_port() as holder:
            metrics_port = holder.getsockname()[1]
            env = bot_env(
                secret="start-secret", bot_token=DEFAULT_BOT_TOKEN, slack_port=port_of(slack.api_url),
                sim_port=port_of(sim_url), bot_port=free_port(), redis_url=redis_url, prefix=key_prefix,
            )  # fmt: skip
            env["METRICS_PORT"] = str(metrics_port)
            done = await asyncio.to_thread(remote_bot, env, "serve")
    finally:
        await simulator.close()
        await sim_runner.cleanup()
        await slack.close()
    assert done.returncode == 3
    assert failure_line(done) == (
        f"remote-bot: cannot start: METRICS_PORT={metrics_port} is in use by another process: "
        "stop it or choose another METRICS_PORT"
    )


def port_of(url: str) -> int:
    """The port of an http://host:port/... URL."""
    return int(url.split(":")[2].split("/")[0])

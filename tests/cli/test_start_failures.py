"""Every failure of `remote-bot serve` or `check-config` to start is one line on stderr, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.processes import bot_env, free_port

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


@pytest.mark.parametrize("command", ["check-config", "serve"])
def test_a_broken_policy_file_is_one_line_with_file_line_and_column(
    command: str, tmp_path: Path, redis_url: str, key_prefix: str
) -> None:
    """An unclosed `[` in POLICY_FILE: exit 2, one line naming the file, where, and what is wrong."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(BROKEN_POLICY)
    done = remote_bot(serve_env(redis_url, key_prefix, policy_file=policy), command)
    assert done.returncode == 2
    assert one_line(done) == (
        f"remote-bot: configuration error: POLICY_FILE {policy}: line 4, column 7: "
        "expected ',' or ']', but got ':' (while parsing a flow sequence)"
    )


@pytest.mark.parametrize("command", ["check-config", "serve"])
def test_a_broken_fleet_file_is_one_line_with_file_line_and_column(
    command: str, tmp_path: Path, redis_url: str, key_prefix: str
) -> None:
    """A tab indenting FLEET_FILE: exit 2, one line naming the file, where, and what is wrong."""
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(BROKEN_FLEET)
    done = remote_bot(serve_env(redis_url, key_prefix, fleet_file=fleet), command)
    assert done.returncode == 2
    assert one_line(done) == (
        f"remote-bot: configuration error: FLEET_FILE {fleet}: line 4, column 1: "
        "found character '\\t' that cannot start any token (while scanning for the next token)"
    )


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

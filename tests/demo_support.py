"""A real `remote-bot demo` process on free ports, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
START_SECONDS = 60.0
# Settings a developer's environment may hold that would change the demo under test.
_DEMO_UNSET = ("POLICY_FILE", "FLEET_FILE", "ALERT_CHANNEL", "PORT", "SLACK_COMMAND")


def require_chromium() -> Path:
    """Chromium's path; skips (or, when CI is set, fails) where it is not installed."""
    if CHROMIUM.is_file():
        return CHROMIUM
    message = (
        f"Chromium is not installed at {CHROMIUM}: `sudo apt-get install chromium` to run the browser tests"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class DemoProcess:
    """A `remote-bot demo` child process and what it printed at start."""

    process: subprocess.Popen[str]
    url: str
    redis_dir: Path
    log_file: Path
    output: list[str]  # what it printed: the start lines, then the rest once stopped

    @property
    def port(self) -> int:
        """The console's port."""
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    def stop(self, signum: int = signal.SIGINT, timeout: float = 20.0) -> int:
        """Send `signum` and wait for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.output.append(self.process.stdout.read())
                self.process.stdout.close()


def start_demo(log_file: Path, delay_scale: float = 0.05, api: str = "connected-car-v1") -> DemoProcess:
    """Start `remote-bot demo --port 0 --api <api>` and wait for the line naming its URL."""
    env = {k: v for k, v in os.environ.items() if k not in _DEMO_UNSET}
    env["SIMULATOR_DELAY_SCALE"] = str(delay_scale)
    env["PYTHONUNBUFFERED"] = "1"
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--port",
        "0",
        "--log-file",
        str(log_file),
        "--api",
        api,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert process.stdout is not None
    lines: list[str] = []
    url = redis_dir = None
    # readline blocks; the demo prints its lines within seconds or exits (then readline returns "").
    while url is None or redis_dir is None:
        line = process.stdout.readline()
        if not line:
            process.wait(timeout=START_SECONDS)
            raise RuntimeError("remote-bot demo exited at start:\n" + "".join(lines))
        lines.append(line)
        if found := re.search(r"open (http://\S+/) in a browser", line):
            url = found.group(1)
        if found := re.search(r"embedded Redis in (\S+)", line):
            redis_dir = Path(found.group(1))
    return DemoProcess(process, url, redis_dir, log_file, lines)


def running_demo(log_file: Path, api: str = "connected-car-v1") -> Iterator[DemoProcess]:
    """A demo for the duration of a fixture, stopped with Ctrl-C's signal afterwards."""
    demo = start_demo(log_file, api=api)
    try:
        yield demo
    finally:
        demo.stop()

"""`remote-bot demo` as a user runs it: a few quiet lines, and Ctrl-C or SIGTERM leaves nothing behind."""

from __future__ import annotations

import signal
import socket
import urllib.request
from pathlib import Path

import pytest

from tests.demo_support import DemoProcess, start_demo


def _children(pid: int) -> set[int]:
    """Every descendant process of `pid` (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found |= {child, *_children(child)}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As a restarted server would: the closed connections' TIME_WAIT does not count, a listener does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_demo_leaves_nothing_running(tmp_path: Path, signum: signal.Signals) -> None:
    """After the signal: exit status 0, no child process, the console's port free, Redis's folder gone."""
    demo: DemoProcess = start_demo(tmp_path / "demo.log")
    try:
        with urllib.request.urlopen(demo.url, timeout=10) as page:
            assert b"remote-bot demo" in page.read()
        children = _children(demo.process.pid)
        assert children, "the demo runs its embedded redis-server as a child"
        assert demo.redis_dir.is_dir()
    finally:
        status = demo.stop(signum)
    assert status == 0
    assert [pid for pid in children if _alive(pid)] == []
    assert _port_free(demo.port)
    assert not demo.redis_dir.exists()


def test_the_terminal_shows_the_url_and_no_log_lines(tmp_path: Path) -> None:
    """Access logs and warnings go to the log file the demo names; the terminal keeps a few lines."""
    demo = start_demo(tmp_path / "demo.log")
    try:
        with urllib.request.urlopen(demo.url, timeout=10) as page:
            page.read()
    finally:
        demo.stop()
    printed = "".join(demo.output)
    assert f"logs (access logs included): {demo.log_file}" in printed
    assert len(printed.splitlines()) <= 6
    assert "aiohttp" not in printed and "WARNING" not in printed and "Traceback" not in printed
    log = demo.log_file.read_text()
    assert "aiohttp.access" in log and "GET / HTTP/1.1" in log

"""A short flow in the browser console with the bot speaking Fleet Owner v3 to the simulator."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.console.test_console_browser import FINAL, OPERATOR, be, request_message, status, type_command
from tests.demo_support import DemoProcess, require_chromium, running_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    """One `remote-bot demo --api fleet-v3` for the module."""
    require_chromium()
    yield from running_demo(tmp_path_factory.mktemp("demo-v3") / "demo.log", api="fleet-v3")


def test_unlock_reaches_done_under_fleet_v3(page: Page) -> None:
    """Under Fleet Owner v3, an unlock typed in the console goes through the callback to Done."""
    be(page, OPERATOR)
    type_command(page, "/vehicle unlock van-12")
    message = request_message(page, "Unlock", "van-12")
    expect(status(message)).to_have_text(re.compile(r"Done$"), timeout=FINAL)


def test_help_leaves_out_what_fleet_v3_lacks(page: Page) -> None:
    """Help in the console lists lock but not the theft-alarm or wipe commands v3 does not offer."""
    be(page, OPERATOR)
    type_command(page, "/vehicle help")
    answer = page.locator("#messages .message.ephemeral", has_text="/vehicle whoami")
    expect(answer).to_contain_text("/vehicle lock <vehicle>")
    expect(answer).not_to_contain_text("/vehicle tan <vehicle>")
    expect(answer).not_to_contain_text("/vehicle wipe-data <vehicle>")

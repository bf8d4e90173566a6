"""A batch in the console, in a real browser: a group from the preview to the thread summary, Retry the
failed, and a wake-up refused for its budget."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.console.test_console_browser import FINAL, OPERATOR, SECURITY, be, screenshot, type_command
from tests.demo_support import DemoProcess, require_chromium, running_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    """A `remote-bot demo` of this module's own: a batch acts on a whole group of vehicles."""
    require_chromium()
    yield from running_demo(tmp_path_factory.mktemp("demo") / "demo.log")


def private(page: Page, text: str) -> Locator:
    """The newest private answer holding `text`."""
    return page.locator("#messages .message.ephemeral", has_text=text).last


def batch_message(page: Page, target: str) -> Locator:
    """The channel's batch message for this target."""
    return page.locator("#messages .message:not(.ephemeral)", has_text=f"`{target}`").last


def test_a_group_from_preview_to_summary_then_retry_the_failed(page: Page) -> None:
    """`lock group:paris`: the preview, Send, one live message, the thread summary naming car-21 (a door
    is open), then Retry the failed previews car-21 alone."""
    be(page, OPERATOR)
    type_command(page, "/vehicle lock group:paris")
    preview = private(page, "will receive it")
    expect(preview).to_contain_text("3 vehicles will receive it")
    preview.get_by_role("button", name="Send to 3 vehicles").click()
    message = page.locator("#messages .message:not(.ephemeral)", has_text="batch").last
    expect(message).to_contain_text("3 of 3 final", timeout=FINAL)
    expect(message).to_contain_text("1 failed (1 DoorsOpen)")
    expect(message.locator(".reply-count")).to_have_text("1 reply", timeout=FINAL)
    message.locator(".reply-count").click()
    replies = page.locator("#thread-messages .message")
    expect(replies).to_have_count(2)
    expect(replies.nth(1)).to_contain_text(re.compile(r"finished.*car-21", re.S))
    screenshot(page, "console-batch.png")
    message.get_by_role("button", name="Retry the failed (1)").click()
    retry = private(page, "Retries the failed vehicles")
    expect(retry).to_contain_text("1 vehicle will receive it")
    expect(retry).to_contain_text("car-21")


def test_a_wake_up_is_refused_once_the_month_is_spent(page: Page) -> None:
    """car-35 has no wake-up left: the vehicle cloud says so once, then the bot refuses before sending."""
    be(page, SECURITY)
    type_command(page, "/vehicle wakeup car-35")
    first = page.locator("#messages .message:not(.ephemeral)", has_text="car-35").last
    expect(first).to_contain_text("wake-up quota is used up", timeout=FINAL)
    type_command(page, "/vehicle wakeup car-35")
    refusal = private(page, "no wake-up left this month")
    expect(refusal).to_contain_text("nothing was sent")
    expect(refusal).to_contain_text("reset on")

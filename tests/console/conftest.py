"""The console's browser fixtures: Debian's Chromium for the module, a fresh page on the module's demo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.demo_support import CHROMIUM_ARGS, DemoProcess, require_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the module."""
    executable = require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, demo: DemoProcess) -> Iterator[Page]:
    """A fresh page on the console (its own tab, as a new visitor)."""
    context = browser.new_context(viewport={"width": 1500, "height": 900})
    opened = context.new_page()
    opened.goto(demo.url)
    yield opened
    context.close()

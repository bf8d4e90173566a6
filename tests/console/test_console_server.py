"""The console's HTTP side without a browser: bad control input is a 4xx; serve has no console route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from bot.app import AppOptions, create_web_app
from bot.config import Settings
from bot.console.server import FLEET_PREFIX, ConsoleConfig, build_console_app
from bot.console.view import COMMAND_DESCRIPTION, COMMAND_USAGE_HINT
from bot.console.workspace import OPS_CHANNEL, build_workspace
from bot.runtime.bundled import DEMO_FLEET
from bot.simulator.app import Simulator
from bot.simulator.fleet import load_fleet
from tests.paths import ROOT


@pytest.fixture
async def console() -> AsyncIterator[tuple[str, Simulator]]:
    """The console app on a free port (no bot behind it: only its own answers are tested here)."""
    simulator = Simulator(load_fleet(DEMO_FLEET), client_id="c")
    app = build_console_app(build_workspace(), simulator, ConsoleConfig("http://127.0.0.1:9", "secret"))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", simulator
    await runner.cleanup()
    await simulator.close()


async def _post(url: str, body: Any) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return response.status


async def test_fleet_controls_change_a_vehicle(console: tuple[str, Simulator]) -> None:
    """Sleep, offline and a chosen failure cause reach the simulated vehicle."""
    url, simulator = console
    body = {"asleep": True, "offline": True, "next_failure": "GeneralError"}
    assert await _post(f"{url}{FLEET_PREFIX}/vehicles/van-14", body) == 200
    van = simulator.vehicle("van-14")
    assert (van.asleep, van.online, van.next_failure) == (True, False, "GeneralError")


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("vehicles/no-such-van", {"asleep": True}, 404),
        ("vehicles/van-14", {"battery": 3}, 400),
        ("vehicles/van-14", {"asleep": "yes"}, 400),
        ("vehicles/van-14", {"next_failure": "Anything"}, 400),
        ("vehicles/van-14", [], 400),
    ],
    ids=["unknown-vehicle", "unsettable", "wrong-type", "unknown-cause", "not-an-object"],
)
async def test_fleet_controls_refuse_bad_input(
    console: tuple[str, Simulator], path: str, body: Any, status: int
) -> None:
    """A control the simulator cannot apply is a 4xx and changes nothing."""
    url, simulator = console
    before = simulator.vehicle("van-14").snapshot()
    assert await _post(f"{url}{FLEET_PREFIX}/{path}", body) == status
    assert simulator.vehicle("van-14").snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"user": "U0NOBODY", "channel": OPS_CHANNEL, "text": "/vehicle help"},
        {"user": "U0OPERATOR", "channel": OPS_CHANNEL, "text": "/giphy cats"},
        {"user": "U0OPERATOR", "channel": OPS_CHANNEL},
    ],
    ids=["unknown-user", "other-command", "no-text"],
)
async def test_the_command_api_refuses_bad_input(console: tuple[str, Simulator], body: Any) -> None:
    """Only demo users and the installed command are taken; the rest is a 400."""
    url, _ = console
    assert await _post(f"{url}/console/api/command", body) == 400


def test_serve_exposes_neither_the_console_nor_the_fleet_controls() -> None:
    """`serve` builds its app with no simulator: no route of the console or the simulator is in it."""
    app = create_web_app(Settings(), AppOptions(simulator=False))
    paths = {resource.canonical for resource in app.router.resources()}
    assert "/slack/events" in paths
    assert [path for path in paths if path.startswith(("/console", "/_simulator", "/api", "/response"))] == []


def test_the_composer_shows_the_manifest_words_of_the_command() -> None:
    """What the console shows under /vehicle is what Slack shows: the app manifest's words."""
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    (command,) = manifest["features"]["slash_commands"]
    assert (command["description"], command["usage_hint"]) == (COMMAND_DESCRIPTION, COMMAND_USAGE_HINT)

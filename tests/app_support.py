"""The served bot, on port 0, with the simulator, the Slack emulator and a real Redis: one fixture."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import AppOptions, BackgroundTask, create_web_app
from bot.catalogue.row import ActionRow
from bot.config import Settings
from bot.runtime.bundled import DEMO_FLEET, SAMPLE_POLICY
from bot.services import Services
from bot.simulator.app import Simulator
from bot.simulator.fleet import load_fleet
from bot.simulator.remote_reader import parse_remote
from bot.simulator.routes import build_app
from bot.simulator.server import bot_settings
from bot.slack_emulator import DEFAULT_BOT_TOKEN, Message, SlackDriver, SlackState, start_slack_emulator
from bot.vehicle.features import FeatureModel
from bot.vehicle.fleet_v3_remote import read_v3_remote
from bot.web.names import SERVICES_KEY
from bot.web.serving import app_runner

V1 = "connected-car-v1"
FLEET_V3 = "fleet-v3"
SIGNING_SECRET = "test-signing-secret"
CALLBACK_TOKEN = "cb-token-current"
CLIENT_ID = "test-client"
CHANNEL = "C0FLEETOPS"
OPERATOR = "U0OPERATOR"
SECURITY = "U0SECURITY"
SECURITY2 = "U0SECURITY2"
STRANGER = "U0STRANGER"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve an aiohttp app on 127.0.0.1, port 0; return the runner and its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll an async condition until it holds; fail with TimeoutError after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)


@dataclass
class BotUnderTest:
    """Everything a test needs to play Slack and the vehicle cloud against the served bot."""

    url: str
    settings: Settings
    slack: SlackState
    simulator: Simulator
    driver: SlackDriver
    services: Services
    session: aiohttp.ClientSession
    runner: web.AppRunner
    api: str = V1

    def sent_features(self) -> list[FeatureModel]:
        """What each remote POST asked for, read back from its body in the API's own words."""
        if self.api == FLEET_V3:
            return [read_v3_remote(post.body).feature for post in self.simulator.remote_posts]
        return [parse_remote(post.body).feature for post in self.simulator.remote_posts]

    def offers(self, row: ActionRow[Any]) -> bool:
        """Whether users see this row under the bot's vehicle API."""
        return row.available(self.services.vehicles.offers)

    async def stale_capability(self, vehicle: str, capability: str, user: str = OPERATOR) -> None:
        """The bot caches the vehicle's capability (its card), then the simulated vehicle loses `capability`:
        the vendor refuses that action (501) while the bot's cached capability still allows it."""
        await self.answer_to(vehicle, user=user)
        self.simulator.set_vehicle(vehicle, unsupported=[capability])

    async def shut_down(self) -> None:
        """Stop the bot as a SIGTERM does: aiohttp's graceful shutdown runs the app's cleanup."""
        await self.runner.cleanup()

    async def command(
        self, text: str, user: str = OPERATOR, channel: str = CHANNEL
    ) -> aiohttp.ClientResponse:
        """Send a signed `/vehicle <text>` as Slack would."""
        return await self.driver.slash_command("/vehicle", text, user, channel)

    async def wait_for_request_message(self, channel: str = CHANNEL, count: int = 1) -> Message:
        """The newest bot message (a request message) once `count` exist in `channel`."""

        def roots() -> list[Message]:
            found = [m for m in self.slack.messages(channel) if not m.thread_ts]
            return found if len(found) >= count else []

        return (await self.slack.wait_for(roots))[-1]

    async def wait_for_remote_posts(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until the vehicle cloud has received `count` remote requests (or more)."""

        async def received() -> bool:
            return len(self.simulator.remote_posts) >= count

        await wait_until(received, timeout)

    async def answer_to(self, text: str, user: str = OPERATOR) -> str:
        """Send `/vehicle <text>` and wait for the private answer it gets (not one sent before it)."""
        before = len(self.slack.ephemerals(user=user))
        await self.command(text, user=user)
        answers = await self.slack.wait_for(lambda: self.slack.ephemerals(user=user)[before:])
        return answers[0].text

    async def last_private_answer(self, user: str = OPERATOR) -> str:
        """The text of the newest answer sent through a response_url to `user`."""
        answers = await self.slack.wait_for(lambda: self.slack.ephemerals(user=user))
        return answers[-1].text


async def start_bot(
    redis_url: str,
    key_prefix: str,
    *,
    background: list[BackgroundTask] | None = None,
    policy: Path = SAMPLE_POLICY,
    pipeline: bool = True,
    api: str = V1,
    **overrides: Any,
) -> AsyncIterator[BotUnderTest]:
    """Start emulator, simulator and bot against the vendor API `api`; yield the handle; stop everything."""
    session = aiohttp.ClientSession()
    slack_state = SlackState()
    slack_state.add_channel(CHANNEL, "fleet-ops")
    for user in (OPERATOR, SECURITY, SECURITY2, STRANGER):
        slack_state.add_user(user, user.lower())
    slack_state.add_usergroup("S0NIGHTSHIFT", "night-shift", [])
    slack = await start_slack_emulator(slack_state)
    simulator = Simulator(
        load_fleet(DEMO_FLEET), client_id=CLIENT_ID, delay_scale=0.001, redelivery_seconds=0.05
    )
    sim_runner, sim_url = await serve(build_app(simulator))
    bot_app = web.Application()
    # The bot's own URL is needed for the channel's webhook target before the bot starts: reserve it.
    holder = web.AppRunner(bot_app)
    await holder.setup()
    site = web.TCPSite(holder, "127.0.0.1", 0)
    await site.start()
    bot_port = holder.addresses[0][1]
    await holder.cleanup()
    overrides.setdefault("metrics_port", None)  # a test that scrapes asks for a port of its own
    settings = Settings(
        slack_bot_token=DEFAULT_BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        slack_response_origins=(str(slack_state.base_url).rstrip("/"),),
        stellantis_client_id=CLIENT_ID,
        **bot_settings(api, sim_url),
        callback_public_url=f"http://127.0.0.1:{bot_port}",
        callback_tokens=CALLBACK_TOKEN,
        redis_url=redis_url,
        redis_key_prefix=key_prefix,
        policy_file=policy,
        fleet_file=DEMO_FLEET,
        **overrides,
    )
    app = create_web_app(settings, AppOptions(simulator=True, background=background or [], pipeline=pipeline))
    runner = app_runner(app)  # as `serve` runs it: idle connections bounded, malformed HTTP one line
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", bot_port).start()
    url = f"http://127.0.0.1:{bot_port}"
    driver = SlackDriver(url, SIGNING_SECRET, slack_state, session)
    try:
        yield BotUnderTest(
            url, settings, slack_state, simulator, driver, app[SERVICES_KEY], session, runner, api
        )
    finally:
        await runner.cleanup()  # a second cleanup after BotUnderTest.shut_down does nothing
        await simulator.close()
        await sim_runner.cleanup()
        await slack.close()
        await session.close()


@pytest.fixture
async def v1_bot(redis_url: str, key_prefix: str) -> AsyncIterator[BotUnderTest]:
    """The served bot under Connected Car v1 only, for what tests that API's own wire answers."""
    async for handle in start_bot(redis_url, key_prefix):
        yield handle


@pytest.fixture(params=[V1, FLEET_V3])
async def bot(redis_url: str, key_prefix: str, request: pytest.FixtureRequest) -> AsyncIterator[BotUnderTest]:
    """The served bot with no background jobs (each test starts what it needs), under each vendor API."""
    async for handle in start_bot(redis_url, key_prefix, api=request.param):
        yield handle

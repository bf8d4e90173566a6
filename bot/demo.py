"""`remote-bot demo`: the product with nothing configured (embedded Redis, simulator, Slack emulator)."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from bot.app import AppOptions, create_web_app, default_jobs
from bot.config import Settings
from bot.runtime.bundled import DEMO_FLEET
from bot.runtime.bundled import SAMPLE_POLICY as DEMO_POLICY
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.simulator.app import API_PREFIX, TOKEN_PATH, Simulator
from bot.simulator.fleet import load_fleet
from bot.simulator.routes import build_app
from bot.slack_emulator import DEFAULT_BOT_TOKEN, SlackDriver, SlackState, start_slack_emulator

DEMO_CHANNEL = "C0FLEETOPS"
DEMO_USER = "U0SECURITY"
DEMO_SIGNING_SECRET = "demo-signing-secret"
DEMO_CALLBACK_TOKEN = "demo-callback-token"
DEMO_CLIENT_ID = "demo-client"


async def _serve(app: web.Application, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, runner.addresses[0][1]


async def run_demo(base: Settings) -> None:
    """Start everything on embedded defaults, run one request as a tour, then serve until interrupted."""
    with EmbeddedRedis() as redis_server:
        slack_state = SlackState()
        slack_state.add_channel(DEMO_CHANNEL, "fleet-ops")
        slack_state.add_user(DEMO_USER, "demo-security")
        slack_state.add_usergroup("S0NIGHTSHIFT", "night-shift", [])
        slack = await start_slack_emulator(slack_state)
        simulator = Simulator(
            load_fleet(base.fleet_file or DEMO_FLEET),
            client_id=DEMO_CLIENT_ID,
            delay_scale=base.simulator_delay_scale,
            redelivery_seconds=base.simulator_redelivery_seconds,
        )
        sim_runner, sim_port = await _serve(build_app(simulator), 0)
        sim_url = f"http://127.0.0.1:{sim_port}"
        settings = base.model_copy(
            update={
                "slack_bot_token": DEFAULT_BOT_TOKEN,
                "slack_signing_secret": DEMO_SIGNING_SECRET,
                "slack_api_url": slack.api_url,
                "slack_response_origins": (str(slack_state.base_url).rstrip("/"),),
                "stellantis_api_url": sim_url + API_PREFIX,
                "stellantis_token_url": sim_url + TOKEN_PATH,
                "stellantis_client_id": DEMO_CLIENT_ID,
                "stellantis_scope": "remote",
                "callback_public_url": f"http://127.0.0.1:{base.port}",
                "redis_url": redis_server.url,
                "policy_file": base.policy_file or DEMO_POLICY,
                "fleet_file": base.fleet_file or DEMO_FLEET,
                "metrics_port": None,
            }
        )
        settings = Settings.model_validate({**settings.model_dump(), "callback_tokens": DEMO_CALLBACK_TOKEN})
        app = create_web_app(settings, AppOptions(simulator=True, background=default_jobs(settings)))
        bot_runner, _ = await _serve(app, base.port)
        print(f"remote-bot demo (SIMULATOR) serving on http://127.0.0.1:{base.port}")
        print(f"  embedded Redis  {redis_server.url}")
        print(f"  vehicle cloud   simulator at {sim_url} ({len(simulator.vehicles)} vehicles)")
        print(f"  Slack           local Web API emulator at {slack.api_url}")
        print(
            "  The local Slack console is not built yet (its own issue): this demo drives one request itself."
        )
        async with aiohttp.ClientSession() as session:
            driver = SlackDriver(f"http://127.0.0.1:{base.port}", DEMO_SIGNING_SECRET, slack_state, session)
            await driver.slash_command("/vehicle", "lock van-12", DEMO_USER, DEMO_CHANNEL)
            print(f"\n/vehicle lock van-12  (as {DEMO_USER} in #fleet-ops)")
            shown = 0
            try:
                message = await slack_state.wait_for(lambda: slack_state.messages(DEMO_CHANNEL), timeout=10)
                root = message[0]
                print(f"  posted: {root.text}")
                deadline = asyncio.get_running_loop().time() + 30
                while asyncio.get_running_loop().time() < deadline:
                    seen = shown
                    await slack_state.wait_for(lambda: len(root.edits) > seen, timeout=30)  # noqa: B023
                    for edit in root.edits[shown:]:
                        print(f"  edited: {edit.text}")
                    shown = len(root.edits)
                    if any(word in root.edits[-1].text for word in ("Done", "Failed", "Refused")):
                        break
            except TimeoutError:
                print("  (no further update within the demo's wait)")
        print("\nServing until Ctrl-C.")
        try:
            await asyncio.Event().wait()
        finally:
            await bot_runner.cleanup()
            await simulator.close()
            await sim_runner.cleanup()
            await slack.close()

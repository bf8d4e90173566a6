"""`remote-bot demo`: the product, in a browser (embedded Redis, simulator, console)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.app import AppOptions, create_web_app, default_jobs
from bot.config import Settings
from bot.config.fleet_owner import VendorApi
from bot.console.server import FLEET_PREFIX, BotStores, ConsoleConfig, build_console_app, show_bot_stores
from bot.console.workspace import ALERTS_CHANNEL, build_workspace, post_welcome
from bot.runtime.bundled import DEMO_FLEET
from bot.runtime.bundled import SAMPLE_POLICY as DEMO_POLICY
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.runtime.logs import LOG_FORMAT, EscapingFormatter
from bot.simulator.app import Simulator
from bot.simulator.fleet import load_fleet
from bot.simulator.routes import build_app
from bot.simulator.server import bot_settings
from bot.slack_emulator import DEFAULT_BOT_TOKEN
from bot.web.names import SERVICES_KEY
from bot.web.serving import app_runner, stop_on_signals

DEMO_SIGNING_SECRET = "demo-signing-secret"
DEMO_CALLBACK_TOKEN = "demo-callback-token"
DEMO_CLIENT_ID = "demo-client"
LOOPBACK = "127.0.0.1"
SHUTDOWN_SECONDS = 2.0  # open event streams and stalled answers must not hold up Ctrl-C


@dataclass(frozen=True)
class DemoOptions:
    """Where the console listens and where the logs go."""

    host: str = LOOPBACK
    port: int = 3000
    log_file: Path = Path("build/remote-bot-demo.log")
    api: VendorApi = "connected-car-v1"  # which of the simulator's two vendor APIs the bot speaks


def log_to_file(path: Path) -> None:
    """Every log line (access logs, warnings) to `path` instead of the terminal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(EscapingFormatter(LOG_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


@contextlib.asynccontextmanager
async def _serving(runner: web.AppRunner, site: web.BaseSite) -> AsyncIterator[None]:
    try:
        await site.start()
        yield
    finally:
        await runner.cleanup()


def _reachable(host: str) -> str:
    """The host the bot and the browser on this machine reach a server bound to `host` with."""
    return LOOPBACK if host in ("0.0.0.0", "::", "") else host


def _demo_settings(
    base: Settings, redis_url: str, slack_url: str, sim_url: str, bot_url: str, api: VendorApi
) -> Settings:
    settings = base.model_copy(
        update={
            "slack_bot_token": DEFAULT_BOT_TOKEN,
            "slack_signing_secret": DEMO_SIGNING_SECRET,
            "slack_api_url": slack_url + "api/",
            "slack_response_origins": (slack_url.rstrip("/"),),
            "alert_channel": ALERTS_CHANNEL,
            "stellantis_client_id": DEMO_CLIENT_ID,
            **bot_settings(api, sim_url),
            "callback_public_url": bot_url,
            "redis_url": redis_url,
            "policy_file": base.policy_file or DEMO_POLICY,
            "fleet_file": base.fleet_file or DEMO_FLEET,
            "metrics_port": None,
        }
    )
    return Settings.model_validate({**settings.model_dump(), "callback_tokens": DEMO_CALLBACK_TOKEN})


async def run_demo(base: Settings, options: DemoOptions) -> None:
    """Serve Redis, the simulator, the bot and the console until Ctrl-C or SIGTERM, then stop them all."""
    stop = asyncio.Event()
    stop_on_signals(stop)
    log_to_file(options.log_file)
    with EmbeddedRedis() as redis_server, socket.socket() as bot_socket:
        state = build_workspace()
        simulator = Simulator(
            load_fleet(base.fleet_file or DEMO_FLEET),
            client_id=DEMO_CLIENT_ID,
            delay_scale=base.simulator_delay_scale,
            redelivery_seconds=base.simulator_redelivery_seconds,
        )
        bot_socket.bind((LOOPBACK, 0))
        bot_url = f"http://{LOOPBACK}:{bot_socket.getsockname()[1]}"
        console = build_console_app(state, simulator, ConsoleConfig(bot_url, DEMO_SIGNING_SECRET))
        console_runner = web.AppRunner(console, shutdown_timeout=SHUTDOWN_SECONDS)
        await console_runner.setup()
        console_site = web.TCPSite(console_runner, options.host, options.port)
        sim_runner = web.AppRunner(build_app(simulator), shutdown_timeout=SHUTDOWN_SECONDS)
        await sim_runner.setup()
        sim_site = web.TCPSite(sim_runner, LOOPBACK, 0)
        async with _serving(console_runner, console_site), _serving(sim_runner, sim_site):
            console_port = console_runner.addresses[0][1]
            slack_url = f"http://{_reachable(options.host)}:{console_port}/"
            state.base_url = slack_url
            sim_url = f"http://{LOOPBACK}:{sim_runner.addresses[0][1]}"
            settings = _demo_settings(base, redis_server.url, slack_url, sim_url, bot_url, options.api)
            app = create_web_app(settings, AppOptions(simulator=True, background=default_jobs(settings)))
            bot_runner = app_runner(app, shutdown_timeout=SHUTDOWN_SECONDS)
            await bot_runner.setup()
            services = app[SERVICES_KEY]
            show_bot_stores(console, BotStores(services.wakeups, services.last_reports))
            async with _serving(bot_runner, web.SockSite(bot_runner, bot_socket)):
                post_welcome(state)
                print(f"remote-bot demo: open {slack_url} in a browser (Ctrl-C stops it)", flush=True)
                print(
                    f"  {len(simulator.vehicles)} simulated vehicles, fleet state at {slack_url}"
                    f"{FLEET_PREFIX.lstrip('/')}/state",
                    flush=True,
                )
                print(f"  embedded Redis in {redis_server.socket_path.parent}", flush=True)
                print(f"  logs (access logs included): {options.log_file}", flush=True)
                await stop.wait()
                print("remote-bot demo: stopping", flush=True)
            await simulator.close()

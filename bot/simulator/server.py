"""Starting the simulator: in-process (tests, demo) or standalone until cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.runtime import bundled
from bot.simulator.app import API_PREFIX, DEFAULT_CLIENT_ID, STATE_PATH, TOKEN_PATH, Simulator
from bot.simulator.engine import Delays
from bot.simulator.fleet import SimVehicle, load_fleet
from bot.simulator.fleet_api import DEFAULT_LOGIN, DEFAULT_PASSWORD, FLEET_PREFIX, FleetOptions
from bot.simulator.routes import build_app

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 2.0  # stalled answers (a test control) must not hold up close()


def demo_fleet_path() -> Path:
    """The packaged demo fleet file (bot/data/demo-fleet.yaml)."""
    return bundled.DEMO_FLEET


@dataclass
class RunningSimulator:
    """A simulator listening on a port, with the URLs to configure the client with."""

    simulator: Simulator
    runner: web.AppRunner
    base_url: str

    @property
    def api_url(self) -> str:
        """STELLANTIS_API_URL: the base the client appends `/accounts/...` to."""
        return self.base_url + API_PREFIX

    @property
    def fleet_api_url(self) -> str:
        """STELLANTIS_API_URL for the Fleet Owner v3 API: the base the client appends `/fleets/...` to."""
        return self.base_url + FLEET_PREFIX

    @property
    def token_url(self) -> str:
        """STELLANTIS_TOKEN_URL: the OAuth2 client-credentials endpoint."""
        return self.base_url + TOKEN_PATH

    async def close(self) -> None:
        """Stop the remotes, the deliveries and the HTTP server."""
        await self.simulator.close()
        await self.runner.cleanup()


def bot_settings(api: str, base_url: str) -> dict[str, Any]:
    """The settings that point a bot at the simulator served at `base_url`, speaking `api`."""
    if api == "fleet-v3":
        return {
            "stellantis_api": api,
            "stellantis_api_url": base_url + FLEET_PREFIX,
            "stellantis_login": DEFAULT_LOGIN,
            "stellantis_password": DEFAULT_PASSWORD,
        }
    return {
        "stellantis_api": api,
        "stellantis_api_url": base_url + API_PREFIX,
        "stellantis_token_url": base_url + TOKEN_PATH,
        "stellantis_scope": "remote",
    }


async def start_simulator(
    fleet_path: Path | str | None = None,
    *,
    vehicles: Iterable[SimVehicle] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str | None = None,
    delay_scale: float = 1.0,
    redelivery_seconds: float = 10.0,
    token_ttl_seconds: float = 3600.0,
    delays: Delays | None = None,
    fleet_options: FleetOptions | None = None,
) -> RunningSimulator:
    """Start a simulator over `vehicles` (or the fleet file, or the demo fleet) on host:port (0 = any)."""
    fleet = list(vehicles) if vehicles is not None else load_fleet(fleet_path or demo_fleet_path())
    simulator = Simulator(
        fleet,
        client_id=client_id,
        client_secret=client_secret,
        delay_scale=delay_scale,
        redelivery_seconds=redelivery_seconds,
        token_ttl_seconds=token_ttl_seconds,
        delays=delays,
        fleet_options=fleet_options,
    )
    runner = web.AppRunner(build_app(simulator), access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    bound_host, bound_port = sockets[0].getsockname()[:2] if sockets else (host, port)
    shown_host = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    return RunningSimulator(simulator, runner, f"http://{shown_host}:{bound_port}")


async def run_simulator(
    host: str,
    port: int,
    fleet_path: Path | str | None,
    *,
    client_id: str,
    client_secret: str | None,
    delay_scale: float,
    redelivery_seconds: float,
) -> None:
    """Serve the simulator until cancelled (the `remote-bot simulator` command)."""
    running = await start_simulator(
        fleet_path,
        host=host,
        port=port,
        client_id=client_id,
        client_secret=client_secret,
        delay_scale=delay_scale,
        redelivery_seconds=redelivery_seconds,
    )
    log.info(
        "vehicle-cloud simulator: %d vehicles, STELLANTIS_API_URL=%s STELLANTIS_TOKEN_URL=%s",
        len(running.simulator.vehicles),
        running.api_url,
        running.token_url,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await running.close()


async def run_simulator_forever(
    settings: Settings,
    *,
    port: int,
    fleet_path: str | None = None,
    host: str = "127.0.0.1",
    api: str = "connected-car-v1",
) -> None:
    """`remote-bot simulator`: serve both APIs; print the settings of `api` (connected-car-v1 or fleet-v3)."""
    secret = settings.stellantis_client_secret
    running = await start_simulator(
        fleet_path or settings.fleet_file or demo_fleet_path(),
        host=host,
        port=port,
        client_id=settings.stellantis_client_id or DEFAULT_CLIENT_ID,
        client_secret=None if secret is None else secret.get_secret_value(),
        delay_scale=settings.simulator_delay_scale,
        redelivery_seconds=settings.simulator_redelivery_seconds,
    )
    print(f"Vehicle-cloud simulator with {len(running.simulator.vehicles)} vehicles.")
    for name, value in bot_settings(api, running.base_url).items():
        print(f"  {name.upper()}={value}")
    print(f"  STELLANTIS_CLIENT_ID={running.simulator.client_id}")
    print(f"  fleet state: {running.base_url}{STATE_PATH}")
    try:
        await asyncio.Event().wait()
    finally:
        await running.close()

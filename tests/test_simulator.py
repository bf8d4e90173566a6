"""The vehicle-cloud simulator end to end: remotes sent by the client, notifications at a test webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import time

import aiohttp
import pytest

from bot.fleet import Fleet
from bot.simulator import FleetError, RunningSimulator, demo_fleet_path, load_fleet, parse_fleet
from bot.vehicle.channels import callback_body_attributes, channel_subscribe, ensure_channel
from bot.vehicle.client import StellantisClient
from bot.vehicle.errors import BadRequestError, NotSupportedError
from bot.vehicle.remotes import (
    Charging,
    Horn,
    Immobilization,
    Lights,
    Locking,
    Navigation,
    OnboardPersonalData,
    Preconditioning,
    RemoteFeature,
    Stolen,
    Tan,
    VehicleFinder,
    WakeUp,
    build_remote,
)
from bot.vehicle.wire import ChannelSpec, ChannelSubscribe, Webhook, WebhookAttribute
from tests.simulator_support import (
    RecordingWebhook,
    make_client,
    running_simulator,
    schema_errors,
    webhook_server,
)

TOKEN = "cb-token-for-simulator-tests"
ACCEPTED = ("Pending", "Accepted", None)
WAKING = ("Pending", "WakingUpVehicle", None)
SENT = ("Pending", "SentToVehicle", None)
SUCCESS = ("Done", "Success", None)
ALREADY = ("Done", "AlreadyDone", None)


@dataclass
class World:
    """A simulator, a webhook, a client and the bot's channel, wired together."""

    sim: RunningSimulator
    hook: RecordingWebhook
    client: StellantisClient
    channel_id: str

    async def send(self, alias: str, feature: RemoteFeature, label: str = "req", **kwargs: list[str]) -> str:
        """Send a remote built like the bot builds it; return its remoteActionId."""
        body = build_remote(label, feature, attributes=callback_body_attributes(TOKEN), **kwargs)
        sent = await self.client.send_remote(self.sim.simulator.vehicle(alias).vin, self.channel_id, body)
        return sent.remote_action_id


@asynccontextmanager_fixture := None  # placeholder removed below

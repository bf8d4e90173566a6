"""Helpers for the simulator's Fleet Owner v3 tests: a running simulator, the bot's v3 client, events."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.simulator.fleet_api import FleetOptions
from bot.simulator.fleet_records import vehicle_id
from bot.simulator.server import RunningSimulator
from bot.vehicle.fleet_client import FleetOwnerClient, create_fleet_client
from tests.simulator_support import CLIENT_ID, RecordingWebhook, running_simulator

FLEET_ID = "f1eet0000000000000000001"
LOGIN = "MZP123456"
PASSWORD = "fleet-password-9d2f"
TOKEN = "cb-token-for-fleet-tests"


def basic(login: str = LOGIN, password: str = PASSWORD) -> str:
    """An HTTP Basic Authorization header value."""
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@asynccontextmanager
async def fleet_simulator(**options: Any) -> AsyncIterator[RunningSimulator]:
    """The simulator over the demo fleet, its v3 account on FLEET_ID with LOGIN/PASSWORD and `options`."""
    vehicles = options.pop("vehicles", None)
    fleet = FleetOptions(fleet_id=FLEET_ID, login=LOGIN, password=PASSWORD, **options)
    async with running_simulator(fleet_options=fleet, vehicles=vehicles) as running:
        yield running


def fleet_client(
    session: aiohttp.ClientSession, running: RunningSimulator, **overrides: Any
) -> FleetOwnerClient:
    """The bot's v3 client configured for the running simulator."""
    options: dict[str, Any] = {
        "api_url": running.fleet_api_url,
        "client_id": CLIENT_ID,
        "login": LOGIN,
        "password": PASSWORD,
        "timeout_seconds": 5.0,
    }
    options.update(overrides)
    return create_fleet_client(session, **options)


async def raw(
    session: aiohttp.ClientSession,
    running: RunningSimulator,
    method: str,
    path: str,
    *,
    body: Any = None,
    params: dict[str, str] | None = None,
    auth: str | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """One call to the v3 API as given (status, JSON body, headers), for what the client never sends."""
    query = {"client_id": CLIENT_ID} if params is None else params
    headers = {"Authorization": basic() if auth is None else auth}
    async with session.request(
        method, running.fleet_api_url + path, json=body, params=query, headers=headers
    ) as response:
        return response.status, await response.json(content_type=None), dict(response.headers)


def subscribe_body(target: str, **changes: Any) -> dict[str, Any]:
    """A valid RemoteCallbackSubscribe to `target`, with `changes` applied on the top level."""
    body: dict[str, Any] = {
        "label": "tests",
        "retryPolicy": {"policy": "None"},
        "callback": {
            "webhook": {
                "target": target,
                "name": "tests",
                "attributes": [
                    {"type": "Header", "key": "Authorization", "value": f"Bearer {TOKEN}"},
                    {"type": "Body", "key": "cbtoken", "value": TOKEN},
                ],
            }
        },
        "remoteTypes": ["Doors", "Horn", "Lights", "WakeUp"],
    }
    body.update(changes)
    return body


@dataclass
class FleetWorld:
    """A simulator, a webhook, the bot's v3 client and one callback on the fleet."""

    sim: RunningSimulator
    hook: RecordingWebhook
    client: FleetOwnerClient
    session: aiohttp.ClientSession
    callback_id: str

    def vid(self, alias: str) -> str:
        """The opaque id of a vehicle of the demo fleet."""
        return vehicle_id(FLEET_ID, self.sim.simulator.vehicle(alias).vin)

    async def send(self, alias: str, action: dict[str, Any], label: str = "req") -> str:
        """POST a v3 remote `{label, **action}` with the bot's client; its remoteActionId."""
        body = {"label": label, **action}
        answer = await self.client.send_remote(FLEET_ID, self.vid(alias), self.callback_id, body)
        return answer.remote_action_id


async def new_callback(
    session: aiohttp.ClientSession, running: RunningSimulator, body: dict[str, Any]
) -> str:
    """Create a callback with a raw body; its id."""
    status, answer, _ = await raw(session, running, "POST", f"/fleets/{FLEET_ID}/remote/callbacks", body=body)
    assert status == 202, answer
    return str(answer["callbackId"])


def events(hook: RecordingWebhook) -> list[dict[str, Any]]:
    """Every v3 event received, in arrival order."""
    return [event for call in hook.calls for event in call.body["events"]]


def steps(hook: RecordingWebhook, remote_action_id: str) -> list[tuple[str, str, str | None]]:
    """(type, status, failureCause) of each event received for a remote, in order."""
    return [
        (e["eventStatus"]["type"], e["eventStatus"]["status"], e["eventStatus"].get("failureCause"))
        for e in events(hook)
        if e["remoteActionId"] == remote_action_id
    ]


def done(hook: RecordingWebhook, remote_action_id: str) -> bool:
    """Whether the Done event of a remote has been received."""
    return any(step[0] == "Done" for step in steps(hook, remote_action_id))

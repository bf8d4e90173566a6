"""The simulator's Fleet Owner v3 API, called by the bot's v3 client: login, fleets, callbacks, limits."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from bot.simulator.fleet import SimVehicle
from bot.vehicle.errors import AuthError, BadRequestError, RateLimitedError
from bot.vehicle.fleet_callback import CallbackWanted, ensure_callback
from bot.vehicle.fleet_wire import BatchNotify, RetryPolicy
from tests.fleet_simulator_support import (
    FLEET_ID,
    basic,
    fleet_client,
    fleet_simulator,
    new_callback,
    raw,
    subscribe_body,
)

HOOK = "http://127.0.0.1:9/stellantis/notifications"  # never called: these tests send no remote


def _v3_error(body: Any, status: int) -> None:
    assert set(body) == {"code", "uuid", "message", "timestamp"}
    assert str(body["code"]).startswith(str(status)) and len(str(body["code"])) == 5


async def test_fleets_and_vehicle_pages_with_opaque_ids() -> None:
    """One fleet with the configured id; 65 vehicles come in pages of at most 60 with stable opaque ids."""
    many = [SimVehicle(alias=f"v{i}", vin=f"VF3ABCDE0FG{i:06d}") for i in range(65)]
    async with fleet_simulator(vehicles=many) as sim, aiohttp.ClientSession() as session:
        client = fleet_client(session, sim)
        assert [fleet.id for fleet in await client.list_fleets()] == [FLEET_ID]
        vehicles = await client.list_vehicles(FLEET_ID)
        assert sorted(v.vin for v in vehicles) == sorted(v.vin for v in many)
        assert all(re.fullmatch(r"[0-9a-f]{96}", v.id) and v.vin not in v.id for v in vehicles)
        status, page, _ = await raw(
            session,
            sim,
            "GET",
            f"/fleets/{FLEET_ID}/vehicles",
            params={"client_id": "test-client", "pageSize": "7"},
        )
        assert status == 200 and len(page["_embedded"]["vehicles"]) == 7 and page["total"] == 65
        assert "pageToken=" in page["_links"]["next"]["href"] and page["totalPage"] == 10
        status, error, _ = await raw(
            session,
            sim,
            "GET",
            f"/fleets/{FLEET_ID}/vehicles",
            params={"client_id": "test-client", "pageSize": "61"},
        )
        assert status == 400
        _v3_error(error, 400)
    async with fleet_simulator(vehicles=many) as again, aiohttp.ClientSession() as session:
        ids = {v.vin: v.id for v in vehicles}
        assert {v.vin: v.id for v in await fleet_client(session, again).list_vehicles(FLEET_ID)} == ids


async def test_capability_and_status_by_opaque_id() -> None:
    """The capability is under _embedded.extension.onboardCapabilities; the status has position, doors."""
    async with fleet_simulator() as sim, aiohttp.ClientSession() as session:
        client = fleet_client(session, sim)
        by_vin = {v.vin: v.id for v in await client.list_vehicles(FLEET_ID)}
        truck = sim.simulator.vehicle("truck-40")
        capability = await client.get_capability(FLEET_ID, by_vin[truck.vin])
        got, body, _ = await raw(
            session,
            sim,
            "GET",
            f"/fleets/{FLEET_ID}/vehicles/{by_vin[truck.vin]}",
            params={"client_id": "test-client", "extension": "onboardCapabilities"},
        )
        assert got == 200
        remote = body["_embedded"]["extension"]["onboardCapabilities"]["remote"]
        assert remote["door"]["supported"] and not remote["charging"]["supported"], remote
        assert capability.vin == truck.vin
        telemetry = await client.get_status(FLEET_ID, by_vin[truck.vin])
        assert telemetry.raw["vehicle"]["location"]["geometry"]["coordinates"] == [4.8467, 45.7485]
        assert telemetry.raw["updatedAt"]
        assert telemetry.raw["vehicle"]["doorsState"]["lockedState"] == ["Locked"]


@pytest.mark.parametrize(
    ("auth", "params", "status"),
    [
        (basic(password="wrong"), {"client_id": "test-client"}, 401),
        ("Bearer something", {"client_id": "test-client"}, 401),
        (None, {}, 400),
        (None, {"client_id": "someone-else"}, 401),
    ],
)
async def test_basic_login_and_client_id_on_every_call(
    auth: str | None, params: dict[str, str], status: int
) -> None:
    """A wrong login is 401, a missing client_id 400, an unknown one 401, each with a v3 error body."""
    async with fleet_simulator() as sim, aiohttp.ClientSession() as session:
        got, body, _ = await raw(session, sim, "GET", "/fleets", params=params, auth=auth)
        assert got == status
        _v3_error(body, status)
        with pytest.raises(AuthError):
            await fleet_client(session, sim, password="wrong").list_fleets()


def _wanted(**changes: Any) -> CallbackWanted:
    values: dict[str, Any] = {
        "label": "bot",
        "webhook_url": HOOK,
        "token": "secret",
        "retry": RetryPolicy(policy="Bounded", retryNumber=3, retryDelay=10),
        "batch": None,
        "remote_types": ("Doors", "Horn"),
    }
    values.update(changes)
    return CallbackWanted(**values)


async def test_callback_created_replaced_paused_and_resumed() -> None:
    """ensure_callback creates the callback, replaces it when settings differ, resumes it when paused."""
    async with fleet_simulator() as sim, aiohttp.ClientSession() as session:
        client = fleet_client(session, sim)
        callback_id = await ensure_callback(client, FLEET_ID, _wanted())
        stored = await client.get_callback(FLEET_ID, callback_id)
        assert stored.subscribe is not None and stored.subscribe.batch_notify is None
        assert stored.status == "Running"
        batched = _wanted(batch=BatchNotify(size=20, time_window=30))
        assert await ensure_callback(client, FLEET_ID, batched) == callback_id
        stored = await client.get_callback(FLEET_ID, callback_id)
        assert stored.subscribe is not None and stored.subscribe.batch_notify == batched.batch
        assert stored.subscribe.remote_types == ("Doors", "Horn")
        ref = await client.set_callback_status(FLEET_ID, callback_id, "Paused")
        assert (
            ref.status == "Paused" and (await client.get_callback(FLEET_ID, callback_id)).status == "Paused"
        )
        assert await ensure_callback(client, FLEET_ID, batched) == callback_id
        assert (await client.get_callback(FLEET_ID, callback_id)).status == "Running"
        assert len(await client.list_callbacks(FLEET_ID)) == 1


REFUSED_CALLBACKS: list[tuple[dict[str, Any], str]] = [
    ({"retryPolicy": {"policy": "Always"}}, "retryPolicy.policy"),
    ({"retryPolicy": {"policy": "Bounded", "retryNumber": 0}}, "retryPolicy.retryNumber"),
    ({"retryPolicy": {"policy": "Bounded", "retryDelay": 0}}, "retryPolicy.retryDelay"),
    ({"batchNotify": {"size": 0}}, "batchNotify.size"),
    ({"batchNotify": {"size": 5, "timeWindow": 4}}, "batchNotify.timeWindow"),
    ({"batchNotify": {"timeWindow": 60}}, "batchNotify"),
    ({"remoteTypes": ["Doors", "Tan"]}, "remoteTypes[1]"),
    ({"remoteTypes": []}, "remoteTypes"),
    ({"callback": {"webhook": {"target": HOOK}}}, "callback.webhook"),
    ({"callback": {"webhook": {"target": "ftp://x", "name": "n"}}}, "callback.webhook.target"),
    (
        {
            "callback": {
                "webhook": {
                    "target": HOOK,
                    "name": "n",
                    "attributes": [{"type": "Cookie", "key": "a", "value": "b"}],
                }
            }
        },
        "callback.webhook.attributes[0].type",
    ),
    (
        {
            "callback": {
                "webhook": {"target": HOOK, "name": "n", "attributes": [{"type": "Header", "key": "a"}]}
            }
        },
        "callback.webhook.attributes[0]",
    ),
    ({"notificationTypes": ["Doors"]}, "body"),
]


@pytest.mark.parametrize(("changes", "path"), REFUSED_CALLBACKS)
async def test_callback_subscribe_read_strictly(changes: dict[str, Any], path: str) -> None:
    """A RemoteCallbackSubscribe outside the spec is refused with 400 and a v3 error naming the path."""
    async with fleet_simulator() as sim, aiohttp.ClientSession() as session:
        body = subscribe_body(HOOK, **changes)
        status, error, _ = await raw(session, sim, "POST", f"/fleets/{FLEET_ID}/remote/callbacks", body=body)
        assert status == 400, error
        _v3_error(error, 400)
        assert path in error["message"]
        callback_id = await new_callback(session, sim, subscribe_body(HOOK))
        put = f"/fleets/{FLEET_ID}/remote/callbacks/{callback_id}"
        status, error, _ = await raw(session, sim, "PUT", put, body=body)
        assert status == 400 and path in error["message"]
        assert sim.simulator.fleet_api.callbacks[callback_id].subscribe["remoteTypes"] == [
            "Doors",
            "Horn",
            "Lights",
            "WakeUp",
        ]
        with pytest.raises(BadRequestError):  # the bot's client sees the refusal as a bad request
            await fleet_client(session, sim).replace_callback(
                FLEET_ID, callback_id, _wanted(remote_types=()).subscribe()
            )


async def test_rate_limit_headers_and_429_with_retry_after() -> None:
    """Every answer carries X-RateLimit-*; once the burst budget is spent the call is 429 with Retry-After."""
    async with fleet_simulator(burst_limit=2) as sim, aiohttp.ClientSession() as session:
        client = fleet_client(session, sim)
        await client.list_fleets()
        assert client.rate_limits["x-ratelimit-limit-2"] == "2"
        assert client.rate_limits["x-ratelimit-remaining-2"] == "1"
        assert client.rate_limits["x-ratelimit-limit-1"] == "100000"
        await client.list_fleets()
        with pytest.raises(RateLimitedError) as refused:
            await client.list_fleets()
        assert refused.value.retry_after is not None and refused.value.retry_after >= 1
        status, body, headers = await raw(session, sim, "GET", "/fleets")
        assert status == 429 and int(headers["Retry-After"]) >= 1
        _v3_error(body, 429)

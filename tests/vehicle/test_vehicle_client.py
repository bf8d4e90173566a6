"""The Stellantis client against the simulator: tokens, auth on every call, paging, the error tree."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.simulator.server import RunningSimulator
from bot.vehicle.channels import callback_body_attributes, ensure_channel
from bot.vehicle.client import StellantisClient, vehicle_path_id
from bot.vehicle.errors import (
    AuthError,
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
    ServerError,
    VendorConnectionError,
    VendorError,
    VendorTimeoutError,
    error_from_response,
)
from bot.vehicle.features.horn import Horn
from bot.vehicle.features.locking import Locking
from bot.vehicle.features.navigation import Navigation
from bot.vehicle.remotes import build_remote
from bot.vehicle.wire import VehicleCapability
from tests.simulator_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    make_client,
    running_simulator,
    schema_errors,
    webhook_server,
)

VAN = "VR3UHZKXZLT000012"  # van-12 in the demo fleet
OLD_THERMAL = "VF3M45GFRLS000057"  # car-57: no navigation
CB_TOKEN = "callback-token-for-tests"


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    """A simulator over the demo fleet."""
    async with running_simulator() as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session for the client under test."""
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def client(session: aiohttp.ClientSession, sim: RunningSimulator) -> StellantisClient:
    """A client configured for the simulator."""
    return make_client(session, sim)


async def test_concurrent_callers_share_one_token_request(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """Twenty calls at once on a fresh client fetch the token once, and later calls reuse it."""
    await asyncio.gather(*(client.list_channels() for _ in range(20)))
    await client.get_capability(VAN)
    assert sim.simulator.token_requests == 1


async def test_refused_token_is_refreshed_and_the_call_retried_once(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """When the vendor answers 401 to a cached token, the client gets a new one and the call succeeds."""
    await client.list_channels()
    sim.simulator.revoke_tokens()
    assert await client.list_channels() == []
    assert sim.simulator.token_requests == 2


async def test_every_call_carries_client_id_and_bearer(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """Every client call passes the simulator's client_id and bearer checks, which refuse bare requests."""
    async with webhook_server() as hook:
        channel_id = await ensure_channel(client, label="bot", target_url=hook.url, token=CB_TOKEN)
        vehicles = await client.list_vehicles(page_size=3)
        await client.get_capability(VAN)
        await client.get_latest_telemetry(VAN)
        await client.get_channel(channel_id)
        await client.set_channel_status(channel_id, "Running")
        body = build_remote("lbl", Horn(), attributes=callback_body_attributes(CB_TOKEN))
        sent = await client.send_remote(VAN, channel_id, body)
        await client.get_remote(VAN, channel_id, sent.remote_action_id)
        await client.list_remotes(VAN, channel_id)
        await sim.simulator.wait_idle()
    assert len(vehicles) == 8
    async with aiohttp.ClientSession() as raw:
        url = f"{sim.api_url}/accounts/channels"
        async with raw.get(url) as no_client_id:
            assert no_client_id.status == 401
        async with raw.get(url, params={"client_id": CLIENT_ID}) as no_bearer:
            assert no_bearer.status == 401
            assert set(await no_bearer.json()) == {"name", "debug", "message"}


async def test_vehicle_listing_follows_every_page(sim: RunningSimulator, client: StellantisClient) -> None:
    """With three vehicles per page the client still returns the whole eight-vehicle fleet, once each."""
    vehicles = await client.list_vehicles(page_size=3)
    assert len({v.vin for v in vehicles}) == 8
    pages = [path for method, path in sim.simulator.request_log if path.endswith("/accounts/vehicles")]
    assert len(pages) == 3


async def test_wrong_client_credentials_raise_auth_error_without_the_secret(
    session: aiohttp.ClientSession, sim: RunningSimulator
) -> None:
    """A refused token request is an AuthError whose message and repr never show the secret."""
    bad = make_client(session, sim, client_secret="wrong-secret-123")
    with pytest.raises(AuthError) as caught:
        await bad.list_channels()
    assert "invalid_client" in str(caught.value)
    for text in (str(caught.value), repr(caught.value), repr(bad)):
        assert "wrong-secret-123" not in text
        assert CLIENT_SECRET not in text


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (
            400,
            {"name": "BAD_REQUEST", "debug": "ERROR_1", "message": "Invalid data provided."},
            {},
            BadRequestError,
        ),
        (403, {"name": "FORBIDDEN", "debug": "ERROR_2", "message": "Not your vehicle."}, {}, ForbiddenError),
        (404, {"code": 1001, "debug": "CMP_001", "message": "Data Not found"}, {}, NotFoundError),
        (500, {"name": "INTERNAL", "debug": "ERROR_4", "message": "Boom."}, {}, ServerError),
        (503, None, {}, ServerError),
        (501, {"name": "FEATURE_NOT_SUPPORTED", "debug": "ERROR_5", "message": "No."}, {}, NotSupportedError),
    ],
)
async def test_vendor_errors_surface_as_typed_errors(
    sim: RunningSimulator,
    client: StellantisClient,
    status: int,
    body: Any,
    headers: dict[str, str],
    expected: type[VendorError],
) -> None:
    """Each vendor error status becomes its own exception type carrying status, name and debug id."""
    sim.simulator.fail_next("/capability", status, body, headers=headers)
    with pytest.raises(expected) as caught:
        await client.get_capability(VAN)
    error = caught.value
    assert error.status == status
    if body is not None:
        assert error.debug == body["debug"]
        assert body["message"].rstrip(".") in str(error)
    assert "/capability" in str(error)


async def test_rate_limit_carries_retry_after(sim: RunningSimulator, client: StellantisClient) -> None:
    """A 429 becomes RateLimitedError with the Retry-After seconds, said in the message too."""
    sim.simulator.fail_next("/channels", 429, headers={"Retry-After": "7"})
    with pytest.raises(RateLimitedError) as caught:
        await client.list_channels()
    assert caught.value.retry_after == 7
    assert "7 s" in str(caught.value)


async def test_repeated_401_raises_auth_error(sim: RunningSimulator, client: StellantisClient) -> None:
    """A 401 that persists after one token refresh is an AuthError (retried exactly once)."""
    sim.simulator.fail_next("/accounts/channels", 401, times=2)
    with pytest.raises(AuthError):
        await client.list_channels()
    assert sim.simulator.token_requests == 2
    assert sim.simulator.request_log.count(("GET", "/connectedcar/v1/accounts/channels")) == 2


async def test_unknown_vehicle_is_not_found(client: StellantisClient) -> None:
    """Asking for a VIN outside the account raises NotFoundError with the vendor's words."""
    with pytest.raises(NotFoundError, match="not part of this account"):
        await client.get_capability("VF3AAAAAAAA000000")


async def test_unsupported_remote_is_not_supported(client: StellantisClient) -> None:
    """A remote the vehicle cannot do (navigation on an old car) raises NotSupportedError from the 501."""
    async with webhook_server() as hook:
        channel_id = await ensure_channel(client, label="bot", target_url=hook.url, token=CB_TOKEN)
        body = build_remote("nav", Navigation(positions=((48.85, 2.29),)))
        with pytest.raises(NotSupportedError) as caught:
            await client.send_remote(OLD_THERMAL, channel_id, body)
    assert caught.value.name == "REMOTE_NOT_SUPPORTED"
    assert "does not support" in str(caught.value)


async def test_slow_answer_is_a_timeout(session: aiohttp.ClientSession, sim: RunningSimulator) -> None:
    """A vendor slower than the configured timeout raises VendorTimeoutError naming the limit."""
    fast = make_client(session, sim, timeout_seconds=0.05)
    await fast.list_channels()  # token first, so only the slow call times out
    sim.simulator.fail_next(
        "/accounts/channels", 200, {"_embedded": {"channels": []}}, delay_seconds=0.3, times=2
    )
    with pytest.raises(VendorTimeoutError, match=r"0\.05 s"):
        await fast.list_channels()


async def test_remote_post_is_never_resent_on_server_error(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """A 500 to a remote POST raises ServerError after exactly one attempt."""
    async with webhook_server() as hook:
        channel_id = await ensure_channel(client, label="bot", target_url=hook.url, token=CB_TOKEN)
        sim.simulator.fail_next("/remotes", 500, times=2)
        with pytest.raises(ServerError):
            await client.send_remote(VAN, channel_id, build_remote("lock-1", Locking(lock=True)))
    posts = [
        entry for entry in sim.simulator.request_log if entry[0] == "POST" and entry[1].endswith("/remotes")
    ]
    assert len(posts) == 1


async def test_stalled_remote_post_times_out_and_is_found_by_label(
    session: aiohttp.ClientSession, sim: RunningSimulator
) -> None:
    """A POST answered too late raises VendorTimeoutError; the remote is found by label, posted once."""
    client = make_client(session, sim, timeout_seconds=0.1)
    async with webhook_server() as hook:
        channel_id = await ensure_channel(client, label="bot", target_url=hook.url, token=CB_TOKEN)
        sim.simulator.stall_remote_posts(0.4)
        body = build_remote("req-42", Locking(lock=False), attributes=callback_body_attributes(CB_TOKEN))
        with pytest.raises(VendorTimeoutError, match="may or may not"):
            await client.send_remote(VAN, channel_id, body)
        sim.simulator.stall_remote_posts(0)
        found = await client.find_remote_by_label(VAN, channel_id, "req-42")
        missing = await client.find_remote_by_label(VAN, channel_id, "req-43")
        await sim.simulator.wait_idle()
    assert found is not None
    assert found.type == "Locking"
    assert missing is None
    assert len(sim.simulator.remote_posts) == 1
    assert CB_TOKEN not in repr(found)


async def test_unreachable_vendor_is_a_connection_error(session: aiohttp.ClientSession) -> None:
    """A vendor that cannot be reached at all raises VendorConnectionError, not a hang."""
    async with running_simulator() as running:
        base = running.base_url
    client = make_client(
        session,
        running,
        api_url=f"{base}/connectedcar/v1",
        token_url=f"{base}/oauth2/token",
        timeout_seconds=1,
    )
    with pytest.raises(VendorConnectionError):
        await client.list_channels()


async def test_capability_is_parsed_from_real_and_schema_shapes(client: StellantisClient) -> None:
    """Capability parsing accepts scopeName arrays, extra keys and the schema's string form alike."""
    van = await client.get_capability(VAN)
    assert {"locking", "charging", "vehicleFinder", "onboardPersonalData"} <= van.supported_features
    assert van.charging_immediate_start
    assert van.charging_immediate_stop
    old = await client.get_capability(OLD_THERMAL)
    assert old.supports("navigation") is False
    assert old.supports("charging") is False
    schema_shaped = VehicleCapability.from_payload(
        {
            "vin": VAN,
            "onboardCapabilities": {
                "remote": {
                    "door": {"supported": True, "scopeName": "remote:door:write"},
                    "charging": {"supported": True, "parameters": {"immediate": True}},
                    "pnc": {"supported": True},
                }
            },
        }
    )
    assert schema_shaped.supported_features == {"locking", "charging"}
    assert schema_shaped.charging_immediate_stop is True
    assert schema_shaped.supports("horn") is None
    junk = VehicleCapability.from_payload({"vin": VAN, "onboardCapabilities": {"remote": []}})
    assert junk.supported_features == frozenset()


async def test_latest_telemetry_is_read(client: StellantisClient) -> None:
    """The latest telemetry exposes position, doors and energy level of the vehicle."""
    telemetry = await client.get_latest_telemetry(VAN)
    assert telemetry.position == pytest.approx((48.8566, 2.3522))
    assert telemetry.locked_state == ("Locked",)
    assert telemetry.energy_level("Electric") == 80


def test_vehicle_path_id_is_the_escaped_vin() -> None:
    """The path id of a vehicle is its VIN (escaped), built in one place."""
    assert vehicle_path_id(VAN) == VAN
    assert vehicle_path_id("A/B C") == "A%2FB%20C"


def test_error_mapping_reads_name_or_code() -> None:
    """The 501 example's `code` field is read like `name`, and unknown statuses stay VendorError."""
    error = error_from_response(501, {"code": "REMOTE_NOT_SUPPORTED", "debug": "E1", "message": "Nope"})
    assert isinstance(error, NotSupportedError)
    assert error.name == "REMOTE_NOT_SUPPORTED"
    assert "Vendor reference: E1" in str(error)
    assert repr(error) == "NotSupportedError(status=501, name='REMOTE_NOT_SUPPORTED', debug='E1')"
    assert type(error_from_response(418, "teapot")) is VendorError


async def test_simulator_answers_match_the_vendor_schemas(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """Vehicle list, channel and remote answers of the simulator validate against data-treatment.yaml."""
    async with webhook_server() as hook, aiohttp.ClientSession() as raw:
        channel_id = await ensure_channel(client, label="bot", target_url=hook.url, token=CB_TOKEN)
        sent = await client.send_remote(VAN, channel_id, build_remote("l", Horn()))
        await sim.simulator.wait_idle()
        form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        async with raw.post(sim.token_url, data=form) as answer:
            auth = {"Authorization": f"Bearer {(await answer.json())['access_token']}"}
        params = {"client_id": CLIENT_ID}
        base = f"{sim.api_url}/accounts"
        remote_path = f"{base}/vehicles/{VAN}/channels/{channel_id}/remotes"
        checks = [
            ("Vehicles", f"{base}/vehicles"),
            ("Channel", f"{base}/channels/{channel_id}"),
            ("Channels", f"{base}/channels"),
            ("RemoteAction", f"{remote_path}/{sent.remote_action_id}"),
            ("RemoteActions", remote_path),
        ]
        for schema, url in checks:
            async with raw.get(url, params=params, headers=auth) as response:
                assert response.status == 200
                assert schema_errors("data-treatment.yaml", schema, await response.json()) == [], schema

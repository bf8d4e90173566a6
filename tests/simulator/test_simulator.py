"""The vehicle-cloud simulator end to end: remotes sent by the client, notifications at a test webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import time

import aiohttp
import pytest

from bot.simulator.fleet import FleetError, load_fleet, parse_fleet
from bot.simulator.server import RunningSimulator, demo_fleet_path
from bot.usecases.fleet import Fleet
from bot.vehicle.channels import callback_body_attributes, ensure_channel
from bot.vehicle.client import StellantisClient
from bot.vehicle.errors import BadRequestError, NotSupportedError
from bot.vehicle.features import FeatureModel
from bot.vehicle.features.charging import Charging
from bot.vehicle.features.horn import Horn
from bot.vehicle.features.immobilization import Immobilization
from bot.vehicle.features.lights import Lights
from bot.vehicle.features.locking import Locking
from bot.vehicle.features.navigation import Navigation
from bot.vehicle.features.personal_data import OnboardPersonalData
from bot.vehicle.features.preconditioning import Preconditioning
from bot.vehicle.features.stolen import Stolen
from bot.vehicle.features.tan import Tan
from bot.vehicle.features.vehicle_finder import VehicleFinder
from bot.vehicle.features.wakeup import WakeUp
from bot.vehicle.remotes import build_remote
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

    async def send(self, alias: str, feature: FeatureModel, label: str = "req", **kwargs: list[str]) -> str:
        """Send a remote built like the bot builds it; return its remoteActionId."""
        body = build_remote(label, feature, attributes=callback_body_attributes(TOKEN), **kwargs)
        sent = await self.client.send_remote(self.sim.simulator.vehicle(alias).vin, self.channel_id, body)
        return sent.remote_action_id


@asynccontextmanager
async def _world(**overrides: float) -> AsyncIterator[World]:
    async with (
        running_simulator(**overrides) as sim,
        webhook_server() as hook,
        aiohttp.ClientSession() as session,
    ):
        client = make_client(session, sim)
        channel_id = await ensure_channel(client, label="bot", target_url=hook.url, token=TOKEN)
        yield World(sim, hook, client, channel_id)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """The demo fleet behind the simulator, with delays scaled down."""
    async with _world() as item:
        yield item


@pytest.fixture
async def slow_world() -> AsyncIterator[World]:
    """The same, with delays long enough for two requests to overlap."""
    async with _world(delay_scale=0.05) as item:
        yield item


ROUND_TRIPS: list[tuple[FeatureModel, str, str]] = [
    (Locking(lock=False), "Doors", "Locking"),
    (Horn(), "Horn", "Horn"),
    (Lights(on=True), "Lights", "Lights"),
    (Preconditioning.switch(True), "ThermalPreconditioning", "Preconditioning"),
    (
        Preconditioning.set_program(1, ["Mon", "Fri"], time(7, 30), temp=21),
        "ThermalPreconditioning",
        "Preconditioning",
    ),
    (Charging.start_now(), "ElectricBatteryChargingRequest", "Charging"),
    (Charging.set_limit("MedPlus"), "ElectricBatteryChargingRequest", "Charging"),
    (Immobilization(activate=True), "Immobilization", "Immobilization"),
    (Stolen.report(True), "Stolen", "Stolen"),
    (WakeUp(), "WakeUp", "Wakeup"),
    (VehicleFinder(), "VehicleFinder", "VehicleFinder"),
    (Tan.suppress_for("24h"), "Tan", "Tan.suppress"),
    (Tan.confirm_theft(), "Tan", "Tan.confirm"),
    (OnboardPersonalData(), "OnboardPersonalData", "OnboardPersonalData"),
]


@pytest.mark.parametrize(("feature", "notification_type", "response_type"), ROUND_TRIPS)
async def test_every_feature_round_trips_to_the_webhook(
    world: World, feature: FeatureModel, notification_type: str, response_type: str
) -> None:
    """Each remote on a sleeping EV is accepted, woken, sent and done, each step posted with our auth."""
    vin = world.sim.simulator.vehicle("van-12").vin
    body = build_remote("round-trip", feature, attributes=callback_body_attributes(TOKEN))
    sent = await world.client.send_remote(vin, world.channel_id, body)
    assert sent.type == response_type
    await world.hook.wait_done(sent.remote_action_id)
    assert world.hook.events_for(sent.remote_action_id) == [ACCEPTED, WAKING, SENT, SUCCESS]
    for call in world.hook.calls:
        assert not call.is_batch
        assert call.header("Authorization") == f"Bearer {TOKEN}"
        assert call.header("x-vehicle-vin") == vin
        message = call.body
        assert {"key": "cbtoken", "value": TOKEN} in message["attributes"]
        assert message["channelId"] == world.channel_id
        assert message["remoteEvent"]["remoteType"] == notification_type
        assert schema_errors("platform-notification.yaml", "Message", message) == []
    remote = await world.client.get_remote(vin, world.channel_id, sent.remote_action_id)
    assert (remote.status, remote.label) == ("Success", "round-trip")


async def test_navigation_skips_accepted_and_waking(world: World) -> None:
    """Navigation to a sleeping car emits only SentToVehicle then Done, as the vendor documents."""
    rid = await world.send("van-12", Navigation(positions=((45.76, 4.83), (48.85, 2.29))))
    await world.hook.wait_done(rid)
    assert world.hook.events_for(rid) == [SENT, SUCCESS]


async def test_vehicle_finder_done_carries_the_position(world: World) -> None:
    """The Done of a vehicle-finder remote carries a vehicle.position extension with the car's spot."""
    rid = await world.send("car-52", VehicleFinder())
    done = await world.hook.wait_done(rid)
    (extension,) = done["remoteEvent"]["extensions"]
    assert extension["type"] == "vehicle.position"
    assert extension["body"][0]["position"]["geometry"]["coordinates"] == [5.3698, 43.2965]


async def test_extended_event_params_become_extensions(world: World) -> None:
    """Requested extendedEventParam values come back as extensions on Done, reflecting the new state."""
    rid = await world.send(
        "van-12", Locking(lock=False), extended_event_params=["vehicle.doorsState", "vehicle.latestTelemetry"]
    )
    done = await world.hook.wait_done(rid)
    extensions = {item["type"]: item["body"][0] for item in done["remoteEvent"]["extensions"]}
    assert extensions["vehicle.doorsState"]["doorState"]["lockedState"] == ["Unlocked"]
    assert "latestTelemetry" in extensions["vehicle.latestTelemetry"]


@pytest.mark.parametrize(
    ("alias", "feature", "expected"),
    [
        ("car-21", Locking(lock=True), [ACCEPTED, SENT, ("Done", "Failed", "DoorsOpen")]),
        ("car-33", Horn(), [ACCEPTED, WAKING, ("Done", "Failed", "VehicleConnectionTimeout")]),
        (
            "van-14",
            Charging.start_now(),
            [ACCEPTED, ("Done", "Failed", "NotPossibleDueToVehicleBatteryLevel")],
        ),
        (
            "van-14",
            Preconditioning.switch(True),
            [ACCEPTED, ("Done", "Failed", "NotPossibleDueToVehicleBatteryLevel")],
        ),
        ("car-35", Lights(on=True), [ACCEPTED, ("Done", "Failed", "TooManyWakeUpsOverMonth")]),
        ("van-12", Locking(lock=True), [ACCEPTED, WAKING, SENT, ALREADY]),
        ("car-52", Charging.start_now(), [ACCEPTED, SENT, ALREADY]),
    ],
)
async def test_demo_fleet_outcomes(
    world: World, alias: str, feature: FeatureModel, expected: list[tuple[str, str, str | None]]
) -> None:
    """The demo fleet's special vehicles end their remotes with the realistic outcome."""
    rid = await world.send(alias, feature)
    await world.hook.wait_done(rid)
    assert world.hook.events_for(rid) == expected


async def test_actions_change_what_later_requests_see(world: World) -> None:
    """Unlocking wakes the van, spends a wake-up, shows in telemetry, and a repeat is AlreadyDone."""
    van = world.sim.simulator.vehicle("van-12")
    wakeups = van.wakeups_left
    first = await world.send("van-12", Locking(lock=False), label="first")
    await world.hook.wait_done(first)
    telemetry = await world.client.get_latest_telemetry(van.vin)
    assert telemetry.locked_state == ("Unlocked",)
    assert (van.asleep, van.wakeups_left) == (False, wakeups - 1)
    second = await world.send("van-12", Locking(lock=False), label="second")
    await world.hook.wait_done(second)
    assert world.hook.events_for(second) == [ACCEPTED, SENT, ALREADY]
    charging = await world.send("van-12", Charging.start_now())
    await world.hook.wait_done(charging)
    assert (await world.client.get_latest_telemetry(van.vin)).charging_status == "InProgress"
    remotes = await world.client.list_remotes(van.vin, world.channel_id)
    assert [r.remote_action_id for r in remotes] == [charging, second, first]


async def test_stolen_vehicle_cannot_be_unlocked(world: World) -> None:
    """After a stolen declaration, unlocking fails with NotPossibleDueToVehicleStolenState."""
    world.sim.simulator.set_vehicle("truck-40", locked=True, stolen=True)
    rid = await world.send("truck-40", Locking(lock=False))
    done = await world.hook.wait_done(rid)
    assert done["remoteEvent"]["eventStatus"]["failureCause"] == "NotPossibleDueToVehicleStolenState"


async def test_same_action_in_progress_fails_the_second(slow_world: World) -> None:
    """Two identical remotes at once: one succeeds and the other fails with SameActionInProgress."""
    first, second = await asyncio.gather(
        slow_world.send("van-12", Horn(), label="a"), slow_world.send("van-12", Horn(), label="b")
    )
    await slow_world.hook.wait_done(first)
    await slow_world.hook.wait_done(second)
    finals = sorted(slow_world.hook.events_for(rid)[-1] for rid in (first, second))
    assert finals == [("Done", "Failed", "SameActionInProgress"), SUCCESS]


async def test_invalid_body_is_refused_with_400(world: World) -> None:
    """A body that breaks the Remote schema is answered 400 naming the faulty field, and recorded."""
    vin = world.sim.simulator.vehicle("van-12").vin
    body = {"label": "bad", "action": {"locking": {"state": "Open"}}}
    with pytest.raises(BadRequestError, match=r"action\.locking\.state"):
        await world.client.send_remote(vin, world.channel_id, body)
    assert world.sim.simulator.remote_posts[-1].body == body


async def test_thermal_car_cannot_charge(world: World) -> None:
    """Charging a thermal van is answered 501 REMOTE_NOT_SUPPORTED."""
    with pytest.raises(NotSupportedError):
        await world.send("truck-40", Charging.start_now())
    assert world.sim.simulator.remotes == []


async def test_held_backlog_is_delivered_as_a_batch_without_headers(world: World) -> None:
    """Notifications queued while held arrive as one JSON array, without header attributes, with cbtoken."""
    sim = world.sim.simulator
    sim.hold_deliveries()
    horn = await world.send("truck-40", Horn())
    lights = await world.send("car-52", Lights(on=True))
    await world.hook.wait_for(lambda: len(sim.notifications) == 6)
    assert world.hook.calls == []
    sim.release_deliveries()
    await sim.wait_idle()
    (call,) = world.hook.calls
    assert call.is_batch
    assert len(call.messages) == 6
    assert call.header("Authorization") is None
    assert call.header("x-vehicle-vin") is None
    for message in call.messages:
        assert {"key": "cbtoken", "value": TOKEN} in message["attributes"]
    assert world.hook.events_for(horn) == [ACCEPTED, SENT, SUCCESS]
    assert world.hook.events_for(lights) == [ACCEPTED, SENT, SUCCESS]


async def test_refused_notification_is_redelivered(world: World) -> None:
    """A 500 from the webhook keeps the notification queued; it arrives later, in order, nothing lost."""
    world.hook.refuse_next(1, 500)
    rid = await world.send("truck-40", Horn())
    await world.hook.wait_done(rid)
    await world.sim.simulator.wait_idle()
    assert world.hook.events_for(rid) == [ACCEPTED, SENT, SUCCESS]
    statuses = [attempt.status for attempt in world.sim.simulator.delivery_attempts]
    assert statuses[0] == 500
    assert statuses[1:]
    assert all(status == 200 for status in statuses[1:])


async def test_unreachable_webhook_loses_nothing_once_fixed(world: World) -> None:
    """While the webhook cannot be reached notifications stay queued; after the URL is fixed all arrive."""
    async with running_simulator() as closed:
        dead_url = f"{closed.base_url}/gone"
    await ensure_channel(world.client, label="bot", target_url=dead_url, token=TOKEN)
    rid = await world.send("truck-40", Horn())
    sim = world.sim.simulator
    await world.hook.wait_for(lambda: any(attempt.status is None for attempt in sim.delivery_attempts))
    await ensure_channel(world.client, label="bot", target_url=world.hook.url, token=TOKEN)
    await world.hook.wait_done(rid)
    await sim.wait_idle()
    assert world.hook.events_for(rid) == [ACCEPTED, SENT, SUCCESS]


async def test_channel_and_remote_attributes_become_headers_and_query(world: World) -> None:
    """Header and Query attributes are sent with $Vin, $ChannelId and $ChannelLabel substituted."""
    subscribe = ChannelSubscribe(
        label="custom",
        channel=ChannelSpec(
            webhook=Webhook(
                target=world.hook.url,
                name="custom",
                attributes=(
                    WebhookAttribute(type="Header", key="x-channel", value="$ChannelId/$ChannelLabel"),
                    WebhookAttribute(type="Query", key="vin", value="$Vin"),
                ),
            )
        ),
    )
    channel_id = (await world.client.create_channel(subscribe)).channel_id
    vin = world.sim.simulator.vehicle("car-52").vin
    body = build_remote("attrs", Horn())
    body["channelAttributes"] = {"webhook": [{"type": "Query", "key": "extra", "value": "$ChannelLabel"}]}
    sent = await world.client.send_remote(vin, channel_id, body)
    await world.hook.wait_done(sent.remote_action_id)
    for call in world.hook.calls:
        assert call.header("x-channel") == f"{channel_id}/custom"
        assert call.query == {"vin": vin, "extra": "custom"}


def test_demo_fleet_is_a_valid_bot_fleet_file() -> None:
    """The shipped demo fleet loads both as the simulator's fleet and as the bot's FLEET_FILE."""
    vehicles = load_fleet(demo_fleet_path())
    fleet = Fleet.load(demo_fleet_path())
    assert {v.vin for v in vehicles} == {v.vin for v in fleet.vehicles}
    assert {v.motorization for v in vehicles} == {"Electric", "Hybrid", "Thermic"}
    assert any(not v.online for v in vehicles)
    assert any(v.asleep and v.wakeups_left == 0 for v in vehicles)


def test_fleet_errors_name_the_vehicle_and_key() -> None:
    """A typo in a simulator key is refused with the vehicle alias and the key in the message."""
    with pytest.raises(FleetError, match=r"van-1: unknown simulator key 'batery'"):
        parse_fleet({"vehicles": {"van-1": {"vin": "VR3UHZKXZLT000001", "simulator": {"batery": 5}}}})
    with pytest.raises(FleetError, match="position"):
        parse_fleet({"vehicles": {"van-1": {"vin": "VR3UHZKXZLT000001", "simulator": {"position": [1]}}}})

"""Fleet Owner v3 remotes in the simulator: strict bodies, Pending…Done events, batches, retries, pause."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from bot.vehicle.errors import BadRequestError
from tests.fleet_simulator_support import (
    FLEET_ID,
    TOKEN,
    FleetWorld,
    done,
    events,
    fleet_client,
    fleet_simulator,
    new_callback,
    raw,
    steps,
    subscribe_body,
)
from tests.simulator_support import webhook_server
from tests.vendor_spec import FLEET_OWNER_WEBHOOK, closed_schema, load_spec, validator_for

LOCK = {"door": {"state": "Locked"}}
UNLOCK = {"door": {"state": "Unlocked"}}
HORN = {"horn": {"state": "Activated"}}


@asynccontextmanager
async def fleet_world(callback: dict[str, Any] | None = None, **options: Any) -> AsyncIterator[FleetWorld]:
    """A v3 simulator, a recording webhook and one callback (subscribe_body with `callback` changes)."""
    async with (
        fleet_simulator(**options) as sim,
        webhook_server() as hook,
        aiohttp.ClientSession() as session,
    ):
        body = subscribe_body(hook.url, **(callback or {}))
        callback_id = await new_callback(session, sim, body)
        yield FleetWorld(sim, hook, fleet_client(session, sim), session, callback_id)


async def test_remote_pending_to_done_in_v3_shape() -> None:
    """A lock on a sleeping van: Accepted, WakingUpVehicle, SentToVehicle, Done/Success, each a v3 POST."""
    query = [
        {"type": "Query", "key": "vin", "value": "$vin"},
        {"type": "Query", "key": "cb", "value": "$callbackID"},
        {"type": "Query", "key": "type", "value": "$remoteType"},
        {"type": "Query", "key": "fleet", "value": "$fleetID"},
    ]
    webhook = subscribe_body("")["callback"]["webhook"]
    async with fleet_world() as world:
        webhook = {**webhook, "target": world.hook.url, "attributes": [*webhook["attributes"], *query]}
        status, _, _ = await raw(
            world.session,
            world.sim,
            "PUT",
            f"/fleets/{FLEET_ID}/remote/callbacks/{world.callback_id}",
            body=subscribe_body(world.hook.url, callback={"webhook": webhook}),
        )
        assert status == 202
        van = world.sim.simulator.vehicle("van-12")
        van.locked = False
        rid = await world.send("van-12", LOCK, label="lock-van-12")
        await world.hook.wait_for(lambda: done(world.hook, rid))
        assert steps(world.hook, rid) == [
            ("Pending", "Accepted", None),
            ("Pending", "WakingUpVehicle", None),
            ("Pending", "SentToVehicle", None),
            ("Done", "Success", None),
        ]
        assert van.locked
        call = world.hook.calls[-1]
        assert call.header("Authorization") == f"Bearer {TOKEN}"
        assert call.query == {"vin": van.vin, "cb": world.callback_id, "type": "Doors", "fleet": FLEET_ID}
        assert call.body["callbackId"] == world.callback_id
        assert call.body["attributes"] == [{"key": "cbtoken", "value": TOKEN}]
        event = call.body["events"][0]
        assert event["vin"] == van.vin and event["remoteType"] == "Doors" and event["eventDate"]
        assert all(len(c.body["events"]) == 1 for c in world.hook.calls)  # no batchNotify: one event a POST
        remote = await world.client.get_remote(FLEET_ID, world.vid("van-12"), world.callback_id, rid)
        assert remote.status == "Success" and remote.label == "lock-van-12"
        found = await world.client.find_remote_by_label(
            FLEET_ID, world.vid("van-12"), world.callback_id, "lock-van-12"
        )
        assert found is not None and found.remote_action_id == rid
        if (spec_body := _webhook_validator()) is not None:
            for received in world.hook.calls:
                assert not list(spec_body.iter_errors(received.body)), received.body


def _webhook_validator() -> Any:
    try:
        return validator_for(closed_schema(load_spec(FLEET_OWNER_WEBHOOK), "RemoteEvents"))
    except pytest.skip.Exception:
        return None


async def test_failure_cause_in_done_event_and_remote() -> None:
    """A lock with a door open ends Done/Failed/DoorsOpen in the event and in GET remote."""
    async with fleet_world() as world:
        rid = await world.send("car-21", LOCK)
        await world.hook.wait_for(lambda: done(world.hook, rid))
        assert steps(world.hook, rid)[-1] == ("Done", "Failed", "DoorsOpen")
        remote = await world.client.get_remote(FLEET_ID, world.vid("car-21"), world.callback_id, rid)
        assert remote.status == "Failed" and remote.failure_cause == "DoorsOpen"


REFUSED_REMOTES: list[tuple[dict[str, Any], str]] = [
    ({"label": "x", **LOCK, **HORN}, "body"),
    ({"label": "x"}, "body"),
    ({"label": "x", "action": {"door": {"state": "Locked"}}}, "body"),
    ({"label": "x", **LOCK, "attributes": []}, "body"),  # a v1 key: v3 has no Body attributes per remote
    ({"label": "x", "door": {"state": "Open"}}, "door.state"),
    ({"label": "x", "door": {"state": "Locked", "extra": 1}}, "door"),
    ({"label": 5, **LOCK}, "label"),
]


@pytest.mark.parametrize(("body", "path"), REFUSED_REMOTES)
async def test_remote_body_read_strictly(body: dict[str, Any], path: str) -> None:
    """A remote body outside the v3 `Remote` schema is 400 with a v3 error naming the path; nothing runs."""
    async with fleet_world() as world:
        remotes = f"/fleets/{FLEET_ID}/vehicles/{world.vid('van-12')}/callbacks/{world.callback_id}/remotes"
        status, error, _ = await raw(world.session, world.sim, "POST", remotes, body=body)
        assert (
            status == 400 and error["code"] == 40001 and error["message"].startswith(f"Invalid body: {path}")
        )
        assert not world.sim.simulator.remotes


async def test_remote_type_outside_the_callbacks_types_is_refused() -> None:
    """The callback carries Doors, Horn, Lights, WakeUp: an immobilization is 400 (code 40003)."""
    async with fleet_world() as world:
        with pytest.raises(BadRequestError) as refused:
            await world.send("van-12", {"immobilization": {"activate": True}})
        assert refused.value.name == "40003" and "Immobilization" in str(refused.value)
        assert not world.sim.simulator.remotes


async def test_batch_of_many_events_in_one_post() -> None:
    """With batchNotify size 50 and a long window, 3 remotes' 12 events wait, then leave in one POST."""
    async with fleet_world({"batchNotify": {"size": 50, "timeWindow": 60}}, time_scale=1.0) as world:
        rids = [await world.send(alias, HORN, label=alias) for alias in ("van-14", "car-52", "truck-40")]
        fleet = world.sim.simulator.fleet_api
        await world.hook.wait_for(lambda: sum(e["eventStatus"]["type"] == "Done" for e in fleet.events) == 3)
        # Without the window, the first Done's events would have left during the later remotes' steps.
        assert fleet.deliverer.pending == 9 and not world.hook.calls
        fleet.deliverer.flush()
        await world.hook.wait_for(lambda: bool(world.hook.calls))
        assert len(world.hook.calls) == 1
        assert len(world.hook.calls[0].body["events"]) == 9 and all(done(world.hook, rid) for rid in rids)
        assert world.hook.calls[0].body["attributes"] == [{"key": "cbtoken", "value": TOKEN}]


async def test_batch_leaves_when_full_or_when_the_window_ends() -> None:
    """Size 2: events leave in pairs; the odd one out leaves when its (scaled) time window ends."""
    async with fleet_world({"batchNotify": {"size": 2, "timeWindow": 5}}, time_scale=0.02) as world:
        rid = await world.send("van-14", HORN)  # awake: Accepted, SentToVehicle, Done
        await world.hook.wait_for(lambda: done(world.hook, rid))
        assert [len(call.body["events"]) for call in world.hook.calls] == [2, 1]


async def test_bounded_retries_redeliver_then_stop_after_retry_number() -> None:
    """Bounded (3 retries): a POST answered 500 twice is redelivered as it was; one always refused stops."""
    policy = {"policy": "Bounded", "retryNumber": 3, "retryDelay": 2}
    async with fleet_world({"retryPolicy": policy}, time_scale=0.01) as world:
        world.hook.refuse_next(2)
        rid = await world.send("van-14", HORN)
        await world.hook.wait_for(lambda: done(world.hook, rid))
        attempts = list(world.sim.simulator.fleet_api.deliverer.attempts)
        assert [(a.retry, a.status) for a in attempts[:3]] == [(0, 500), (1, 500), (2, 200)]
        posts = world.sim.simulator.fleet_api.deliverer.posts
        assert posts[0] == posts[1] == posts[2]  # redelivered as it was
        assert steps(world.hook, rid) == [
            ("Pending", "Accepted", None),
            ("Pending", "SentToVehicle", None),
            ("Done", "Success", None),
        ]
        world.hook.refuse_next(100)
        second = await world.send("car-52", HORN)
        fleet = world.sim.simulator.fleet_api
        await world.hook.wait_for(lambda: len(fleet.deliverer.given_up) == 3)
        tries = [a.retry for a in fleet.deliverer.attempts[len(attempts) :]]
        assert tries == [0, 1, 2, 3] * 3
        assert {e["remoteActionId"] for e in fleet.deliverer.given_up} == {second}


async def test_none_policy_retries_once() -> None:
    """Policy None: a refused POST is tried once more, then given up."""
    async with fleet_world({"retryPolicy": {"policy": "None"}}, time_scale=0.001) as world:
        world.hook.refuse_next(100)
        await world.send("van-14", HORN)
        fleet = world.sim.simulator.fleet_api
        await world.hook.wait_for(lambda: len(fleet.deliverer.given_up) == 3)
        assert [a.retry for a in fleet.deliverer.attempts] == [0, 1] * 3


async def test_paused_callback_posts_nothing_until_running() -> None:
    """While the callback is Paused no event is posted; set Running, they all arrive in order."""
    async with fleet_world() as world:
        await world.client.set_callback_status(FLEET_ID, world.callback_id, "Paused")
        rid = await world.send("van-14", HORN)
        fleet = world.sim.simulator.fleet_api
        await world.hook.wait_for(lambda: len(fleet.events) == 3)
        # Were it posting, the first events would have left during the later steps of the remote.
        assert fleet.deliverer.pending == 3 and not world.hook.calls and not fleet.deliverer.attempts
        await world.client.set_callback_status(FLEET_ID, world.callback_id, "Running")
        await world.hook.wait_for(lambda: done(world.hook, rid))
        assert [e["eventStatus"]["status"] for e in events(world.hook)] == [
            "Accepted",
            "SentToVehicle",
            "Success",
        ]

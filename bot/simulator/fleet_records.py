"""The Fleet Owner v3 records of the simulator (remote callbacks) and the JSON documents of that API."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.simulator import payloads
from bot.simulator.fleet import SimVehicle
from bot.simulator.records import SimRemote

# `code` of a v3 error: the HTTP status followed by two digits saying which check refused.
CODE_BAD_BODY = 1
CODE_BAD_QUERY = 2
CODE_REMOTE_TYPE_NOT_SUBSCRIBED = 3
CODE_NOT_SUPPORTED = 4
CODE_PENDING_REMOTES = 5
CODE_CREDENTIALS = 1
CODE_CLIENT_ID = 2
CODE_NOT_FOUND = 1
CODE_METHOD = 1
CODE_BURST_LIMIT = 1
CODE_DAY_LIMIT = 2
CODE_INJECTED = 99

_VARIABLES = re.compile(r"\$(vin|callbackid|remotetype|fleetid)\b", re.IGNORECASE)


def error_body(status: int, message: str, detail: int = 0) -> dict[str, Any]:
    """The v3 `xError`: `code` is the HTTP status and two digits, `uuid` names the occurrence."""
    return {
        "code": status * 100 + detail,
        "uuid": str(uuid.uuid4()),
        "message": message,
        "timestamp": payloads.now_iso(),
    }


def vehicle_id(fleet_id: str, vin: str) -> str:
    """The opaque id of a vehicle in a fleet: 96 hex digits, stable, not the VIN."""
    return hashlib.sha384(f"{fleet_id}/{vin}".encode()).hexdigest()


@dataclass(frozen=True)
class FleetEvent:
    """One event of a remote, as a v3 notification lists it, with the values its attributes may use."""

    event: dict[str, Any]
    vin: str
    remote_type: str


@dataclass
class SimCallback:
    """A remote callback of the simulated fleet: its settings (`subscribe`, defaults filled) and status."""

    id: str
    fleet_id: str
    subscribe: dict[str, Any]
    status: str = "Running"
    created_at: str = field(default_factory=payloads.now_iso)

    @property
    def webhook(self) -> dict[str, Any]:
        """The webhook settings (target, name, attributes)."""
        webhook = self.subscribe["callback"]["webhook"]
        assert isinstance(webhook, dict)
        return webhook

    @property
    def target(self) -> str:
        """The URL notifications are posted to."""
        return str(self.webhook["target"])

    @property
    def label(self) -> str:
        """The callback's label ("" when none)."""
        return str(self.subscribe.get("label", ""))

    @property
    def remote_types(self) -> tuple[str, ...]:
        """The RemoteTypes this callback carries (a remote of another type is refused)."""
        return tuple(self.subscribe["remoteTypes"])

    @property
    def retry_policy(self) -> dict[str, Any]:
        """`{policy, retryNumber, retryDelay}`."""
        policy = self.subscribe["retryPolicy"]
        assert isinstance(policy, dict)
        return policy

    @property
    def batch_size(self) -> int:
        """Events per POST: 1 without `batchNotify`, or when `$vin` is a Query attribute (the spec's rule)."""
        batch = self.subscribe.get("batchNotify")
        vin_in_query = any(
            a["type"] == "Query" and "$vin" in a["value"].lower() for a in self.webhook["attributes"]
        )
        return 1 if batch is None or vin_in_query else int(batch["size"])

    @property
    def batch_window(self) -> float:
        """Seconds the first waiting event may wait for others (0 without `batchNotify`)."""
        batch = self.subscribe.get("batchNotify")
        return 0.0 if batch is None else float(batch["timeWindow"])

    def render(self, first: FleetEvent) -> tuple[dict[str, str], dict[str, str], list[dict[str, str]]]:
        """Headers, query parameters and Body attributes of a POST, valued from its first event."""
        values = {
            "vin": first.vin,
            "callbackid": self.id,
            "remotetype": first.remote_type,
            "fleetid": self.fleet_id,
        }
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        body: list[dict[str, str]] = []
        for attribute in self.webhook["attributes"]:
            value = _VARIABLES.sub(lambda m: values[m.group(1).lower()], attribute["value"])
            if attribute["type"] == "Header":
                headers[attribute["key"]] = value
            elif attribute["type"] == "Query":
                query[attribute["key"]] = value
            else:
                body.append({"key": attribute["key"], "value": value})
        return headers, query, body

    def links(self, api_url: str) -> dict[str, Any]:
        """HAL links to the callback, its fleet and (templated) its remotes."""
        fleet = f"{api_url}/fleets/{self.fleet_id}"
        return {
            "self": {"href": f"{fleet}/remote/callbacks/{self.id}"},
            "fleet": {"href": fleet},
            "remotes": {"href": f"{fleet}/vehicles/{{vid}}/callbacks/{self.id}/remotes", "templated": True},
        }

    def to_json(self, api_url: str) -> dict[str, Any]:
        """The `RemoteCallback` as GET returns it."""
        return {
            "_links": self.links(api_url),
            "id": self.id,
            "subscribe": self.subscribe,
            "status": self.status,
        }

    def ref_json(self, api_url: str) -> dict[str, Any]:
        """The `CallbackRef` answered by POST, PUT and PUT status."""
        links = self.links(api_url)
        return {
            "_links": {"fleet": links["fleet"], "callback": links["self"]},
            "callbackId": self.id,
            "status": self.status,
        }


def fleet_event(remote: SimRemote, event_type: str, status: str, failure_cause: str | None) -> FleetEvent:
    """The `RemoteEvent` of one step of a v3 remote."""
    event_status: dict[str, str] = {"type": event_type, "status": status}
    if failure_cause:
        event_status["failureCause"] = failure_cause
    event = {
        "remoteActionId": remote.remote_action_id,
        "vin": remote.vin,
        "eventDate": payloads.now_iso(),
        "remoteType": remote.notification_type,
        "eventStatus": event_status,
    }
    return FleetEvent(event, remote.vin, remote.notification_type)


def remote_links(remote: SimRemote, api_url: str, fleet_id: str, vid: str) -> dict[str, Any]:
    """HAL links of a v3 remote action: its fleet, its callback, itself."""
    fleet = f"{api_url}/fleets/{fleet_id}"
    own = f"{fleet}/vehicles/{vid}/callbacks/{remote.channel_id}/remotes/{remote.remote_action_id}"
    return {
        "fleet": {"href": fleet},
        "callback": {"href": f"{fleet}/remote/callbacks/{remote.channel_id}"},
        "self": {"href": own},
    }


def remote_post_json(remote: SimRemote, api_url: str, fleet_id: str, vid: str) -> dict[str, Any]:
    """The 202 `RemotePostResponse`."""
    links = remote_links(remote, api_url, fleet_id, vid)
    return {
        "_links": {"fleet": links["fleet"], "callback": links["callback"], "remote": links["self"]},
        "remoteActionId": remote.remote_action_id,
        "type": remote.notification_type,
    }


def remote_json(remote: SimRemote, api_url: str, fleet_id: str, vid: str) -> dict[str, Any]:
    """The `RemoteAction` as GET returns it: its body (with its label), status and failure cause."""
    item: dict[str, Any] = {
        "_links": remote_links(remote, api_url, fleet_id, vid),
        "remoteActionId": remote.remote_action_id,
        "type": remote.notification_type,
        "remote": remote.body,
        "status": remote.status,
    }
    if remote.failure_cause:
        item["failureCause"] = remote.failure_cause
    return item


def fleet_json(fleet_id: str, name: str, api_url: str) -> dict[str, Any]:
    """One `Fleet`."""
    base = f"{api_url}/fleets/{fleet_id}"
    return {
        "_links": {
            "self": {"href": base},
            "vehicles": {"href": f"{base}/vehicles"},
            "callbacks": {"href": f"{base}/remote/callbacks"},
        },
        "id": fleet_id,
        "name": name,
        "description": "The simulated fleet",
    }


def vehicle_json(vehicle: SimVehicle, fleet_id: str, api_url: str) -> dict[str, Any]:
    """One `VehicleItem` (also the base of `Vehicle`): the opaque id, the VIN, the motorization."""
    vid = vehicle_id(fleet_id, vehicle.vin)
    base = f"{api_url}/fleets/{fleet_id}/vehicles/{vid}"
    return {
        "_links": {
            "self": {"href": base},
            "fleet": {"href": f"{api_url}/fleets/{fleet_id}"},
            "status": {"href": f"{base}/status"},
            "remotes": {"href": f"{base}/callbacks/{{cbid}}/remotes", "templated": True},
        },
        "id": vid,
        "vin": vehicle.vin,
        "motorization": vehicle.motorization,
    }


def status_json(vehicle: SimVehicle, fleet_id: str, api_url: str) -> dict[str, Any]:
    """The vehicle `Status` as of its last report: last position (GeoJSON Feature with its time), doors,
    energies, odometer."""
    at = payloads.iso(vehicle.reported_at)
    base = f"{api_url}/fleets/{fleet_id}/vehicles/{vehicle_id(fleet_id, vehicle.vin)}"
    return {
        "_links": {"self": {"href": f"{base}/status"}, "vehicle": {"href": base}},
        "createdAt": at,
        "updatedAt": at,
        "vin": vehicle.vin,
        "ignition": {"createdAt": at, "type": "Stop"},
        "lastPosition": payloads.position(vehicle, at),
        "doorsState": payloads.doors_state(vehicle, at),
        "energies": payloads.energies(vehicle, at),
        "odometer": {"createdAt": at, "mileage": vehicle.mileage},
    }

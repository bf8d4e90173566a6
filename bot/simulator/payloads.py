"""JSON documents the simulator answers with, built from vehicle state in the vendor's shapes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from bot.simulator.fleet import SimVehicle

ERROR_NAMES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    501: "FEATURE_NOT_SUPPORTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}


def now_iso() -> str:
    """The current UTC time as ISO 8601 with a Z suffix."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso(at: float) -> str:
    """A unix time as ISO 8601 (UTC) with a Z suffix."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_body(status: int, message: str, name: str | None = None) -> dict[str, str]:
    """The vendor error object `{name, debug, message}`."""
    return {
        "name": name or ERROR_NAMES.get(status, "ERROR"),
        "debug": f"ERROR_{uuid.uuid4().hex[:12].upper()}",
        "message": message,
    }


def not_supported_body(message: str) -> dict[str, str]:
    """The 501 answer of the remote POST, as in the vendor example (it says `code`, not `name`)."""
    return {
        "code": "REMOTE_NOT_SUPPORTED",
        "debug": f"ERROR_{uuid.uuid4().hex[:12].upper()}",
        "message": message,
    }


def vehicle_summary(vehicle: SimVehicle, api_url: str) -> dict[str, Any]:
    """One vehicle as listed by GET /accounts/vehicles."""
    base = f"{api_url}/accounts/vehicles/{vehicle.vin}"
    fuel_type = {"Electric": "E", "Hybrid": "H", "Thermic": "G", "Hydrogen": "H"}[vehicle.motorization]
    return {
        "_links": {
            "self": {"href": base},
            "lastTelemetries": {"href": f"{base}/telemetries/latest"},
            "remotes": {"href": f"{base}/channels/{{chId}}/remotes", "templated": True},
        },
        "vin": vehicle.vin,
        "brandCode": vehicle.brand[:2].upper(),
        "familyCode": vehicle.model,
        "motorization": vehicle.motorization,
        "fuelType": fuel_type,
    }


def capability(vehicle: SimVehicle) -> dict[str, Any]:
    """GET capability, in the shape of the vendor's own example (scopeName arrays, extra keys)."""
    features = vehicle.features

    def entry(feature: str, scope: str | None, **extra: Any) -> dict[str, Any]:
        item: dict[str, Any] = {"supported": feature in features}
        if scope is not None:
            item["scopeName"] = [scope]
        item.update(extra)
        return item

    remote = {
        "preconditioning": entry(
            "preconditioning",
            "remote:preconditioning:write",
            parameters={"programs": {"size": 4, "temperature": True}, "immediate": True},
        ),
        "charging": entry(
            "charging",
            "remote:charging:write",
            parameters={
                "immediate": {"start": True, "stop": True},
                "programs": {
                    "supported": True,
                    "size": 2,
                    "occurrence": True,
                    "minChargingLevel": True,
                    "maxChargingLevel": True,
                },
                "settings": {"level": True, "type": False},
            },
        ),
        "door": entry("locking", "remote:door:write"),
        "horn": entry("horn", "remote:horn:write"),
        "lights": entry("lights", "remote:lights:write"),
        "wakeup": entry("wakeup", "remote:wakeup:write"),
        "navigation": entry("navigation", "remote:navigation:write"),
        "stolen": entry("stolen", None),
        "tanSuppress": entry("tan", None),
        "vehicleFinder": entry("vehicleFinder", "remote:vehicleFinder:write"),
        "onBoardPersonalData": entry("onboardPersonalData", "remote:onboardPersonalData:write"),
        "immobilization": entry("immobilization", None),
    }
    data = [
        "data:telemetry",
        "data:telemetry:vehicle:doorsState",
        "data:telemetry:vehicle:energies",
        "data:position",
    ]
    return {
        "vin": vehicle.vin,
        "brand": vehicle.brand,
        "model": vehicle.model,
        "motorization": vehicle.motorization,
        "onboardCapabilities": {"data": data, "remote": remote},
    }


def position(vehicle: SimVehicle, at: str) -> dict[str, Any]:
    """The vehicle position as a GeoJSON Feature (coordinates are [longitude, latitude])."""
    lat, lon = vehicle.position
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"type": "Acquire", "fixStatus": "3D", "signalQuality": 4, "createdAt": at},
        "createdAt": at,
    }


def doors_state(vehicle: SimVehicle, at: str) -> dict[str, Any]:
    """The doors' locked and opening state."""
    return {
        "createdAt": at,
        "lockedState": ["Locked" if vehicle.locked else "Unlocked"],
        "opening": [
            {"identifier": "Driver", "state": "Open" if vehicle.doors_open else "Closed"},
            {"identifier": "Passenger", "state": "Closed"},
            {"identifier": "Trunk", "state": "Closed"},
        ],
    }


def energies(vehicle: SimVehicle, at: str) -> list[dict[str, Any]]:
    """Electric and/or fuel energy levels."""
    items: list[dict[str, Any]] = []
    if vehicle.is_electrified:
        status = "InProgress" if vehicle.charging else ("Stopped" if vehicle.plugged else "Disconnected")
        items.append(
            {
                "createdAt": at,
                "type": "Electric",
                "subType": "ElectricEnergy",
                "level": vehicle.battery,
                "autonomy": vehicle.battery * 3,
                "extension": {"electric": {"charging": {"plugged": vehicle.plugged, "status": status}}},
            }
        )
    if vehicle.motorization in ("Hybrid", "Thermic"):
        items.append(
            {
                "createdAt": at,
                "type": "Fuel",
                "subType": "FossilEnergy",
                "level": vehicle.fuel,
                "autonomy": vehicle.fuel * 8,
            }
        )
    return items


def latest_telemetry(vehicle: SimVehicle, api_url: str) -> dict[str, Any]:
    """GET telemetries/latest: AggregatedTelemetries built from the current state, as of its last report."""
    at = iso(vehicle.reported_at)
    base = f"{api_url}/accounts/vehicles/{vehicle.vin}"
    return {
        "createdAt": at,
        "updatedAt": at,
        "_links": {"self": {"href": f"{base}/telemetries/latest"}, "vehicle": {"href": base}},
        "vehicle": {
            "ignition": {"createdAt": at, "type": "Stop"},
            "location": position(vehicle, at),
            "doorsState": doors_state(vehicle, at),
            "energies": energies(vehicle, at),
            "preconditioning": {
                "createdAt": at,
                "airConditioning": {"status": "Enabled" if vehicle.preconditioning else "Disabled"},
            },
            "odometer": {"createdAt": at, "mileage": vehicle.mileage},
        },
    }


def extension(kind: str, vehicle: SimVehicle) -> dict[str, Any]:
    """One `extensions` item of a remote event, for an extendedEventParam value."""
    at = now_iso()
    if kind == "vehicle.position":
        body: dict[str, Any] = {"position": position(vehicle, at)}
    elif kind == "vehicle.doorsState":
        body = {"doorState": doors_state(vehicle, at)}
    elif kind == "vehicle.latestTelemetry":
        telemetry = latest_telemetry(vehicle, "")
        telemetry.pop("_links")  # the vendor leaves HAL links out of extensions
        body = {"latestTelemetry": telemetry}
    elif kind == "vehicle.maintenance":
        body = {
            "maintenance": {"createdAt": at, "mileageBeforeMaintenance": 8000, "daysBeforeMaintenance": 120}
        }
    elif kind == "vehicle.alerts.active":
        body = {"alerts": []}
    else:  # vehicle.alarm
        body = {"alarm": {"createdAt": at, "status": {"activation": "Deactivated"}}}
    return {"type": kind, "body": [body]}


def remote_message(
    *,
    channel_id: str,
    remote_action_id: str,
    remote_type: str,
    event_type: str,
    status: str,
    failure_cause: str | None,
    attributes: list[dict[str, str]],
    extensions: list[dict[str, Any]],
) -> dict[str, Any]:
    """A data-treatment notification `Message` about one remote event."""
    event_status: dict[str, str] = {"type": event_type, "status": status}
    if failure_cause:
        event_status["failureCause"] = failure_cause
    event: dict[str, Any] = {
        "remoteActionId": remote_action_id,
        "remoteType": remote_type,
        "eventStatus": event_status,
    }
    if extensions:
        event["extensions"] = extensions
    message: dict[str, Any] = {
        "channelId": channel_id,
        "type": "Remote",
        "date": now_iso(),
        "remoteEvent": event,
    }
    if attributes:
        message["attributes"] = attributes
    return message

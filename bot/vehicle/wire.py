"""Pydantic models of the data-treatment v1 responses (tolerant of missing and unknown fields)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.vehicle.features import V1_CAPABILITY_KEYS

ChannelStatus = Literal["Running", "Paused"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Link(_Wire):
    """A HAL link."""

    href: str = ""


def link_href(links: Mapping[str, Any] | None, name: str) -> str | None:
    """The href of `name` in a HAL `_links` object, or None."""
    if not isinstance(links, Mapping):
        return None
    link = links.get(name)
    if isinstance(link, Mapping) and isinstance(link.get("href"), str):
        return str(link["href"])
    return None


class VehicleSummary(_Wire):
    """One vehicle of the account listing."""

    vin: str
    brand_code: str | None = Field(None, alias="brandCode")
    family_code: str | None = Field(None, alias="familyCode")
    motorization: str | None = None
    fuel_type: str | None = Field(None, alias="fuelType")
    links: dict[str, Any] = Field(default_factory=dict, alias="_links")


class RemoteCapability(_Wire):
    """Whether the vehicle can do one remote feature, and the raw parameters the vendor gave."""

    supported: bool
    scope_names: tuple[str, ...] = ()
    parameters: dict[str, Any] = Field(default_factory=dict)


class VehicleCapability(_Wire):
    """What a vehicle can do, parsed defensively from `GET /accounts/vehicles/{id}/capability`."""

    vin: str
    brand: str | None = None
    model: str | None = None
    motorization: str | None = None
    data_scopes: tuple[str, ...] = ()
    remotes: dict[str, RemoteCapability] = Field(default_factory=dict)
    charging_immediate_start: bool = False
    charging_immediate_stop: bool = False
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def supported_features(self) -> frozenset[str]:
        """Remote action keys (`locking`, `charging`, ...) the vehicle declares supported."""
        return frozenset(key for key, cap in self.remotes.items() if cap.supported)

    def supports(self, action_key: str) -> bool | None:
        """True/False when the capability mentions `action_key`, None when it says nothing about it."""
        cap = self.remotes.get(action_key)
        return None if cap is None else cap.supported

    @classmethod
    def from_payload(cls, payload: Any) -> VehicleCapability:
        """Parse the real payload, which differs from the schema (arrays for scopeName, extra keys)."""
        body = payload if isinstance(payload, Mapping) else {}
        onboard = body.get("onboardCapabilities")
        if not isinstance(onboard, Mapping):
            onboard = {}
        data = onboard.get("data")
        scopes = tuple(str(item) for item in data) if isinstance(data, list) else ()
        remotes: dict[str, RemoteCapability] = {}
        raw_remotes = onboard.get("remote")
        for key, entry in raw_remotes.items() if isinstance(raw_remotes, Mapping) else ():
            action_key = V1_CAPABILITY_KEYS.get(str(key).lower())
            if action_key is None:
                continue
            cap = _remote_capability(entry)
            if action_key in remotes:  # e.g. `stolen` and `tan` variants: any supported wins
                cap = cap if cap.supported else remotes[action_key]
            remotes[action_key] = cap
        start, stop = _charging_immediate(remotes.get("charging"))
        return cls(
            vin=str(body.get("vin", "")),
            brand=_optional_str(body.get("brand")),
            model=_optional_str(body.get("model")),
            motorization=_optional_str(body.get("motorization")),
            data_scopes=scopes,
            remotes=remotes,
            charging_immediate_start=start,
            charging_immediate_stop=stop,
            raw=dict(body),
        )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _remote_capability(entry: Any) -> RemoteCapability:
    if isinstance(entry, bool):
        return RemoteCapability(supported=entry)
    if not isinstance(entry, Mapping):
        return RemoteCapability(supported=False)
    scope = entry.get("scopeName")
    if isinstance(scope, str):
        scopes: tuple[str, ...] = (scope,)
    elif isinstance(scope, list):
        scopes = tuple(str(item) for item in scope)
    else:
        scopes = ()
    parameters = entry.get("parameters")
    return RemoteCapability(
        supported=entry.get("supported") is True,
        scope_names=scopes,
        parameters=dict(parameters) if isinstance(parameters, Mapping) else {},
    )


def _charging_immediate(cap: RemoteCapability | None) -> tuple[bool, bool]:
    if cap is None or not cap.supported:
        return False, False
    immediate = cap.parameters.get("immediate")
    if isinstance(immediate, bool):
        return immediate, immediate
    if isinstance(immediate, Mapping):
        return immediate.get("start") is True, immediate.get("stop") is True
    return False, False


class WebhookAttribute(_Wire):
    """A channel attribute: a header or query parameter added to every notification."""

    type: Literal["Header", "Query"]
    key: str
    value: str = Field(repr=False)  # may hold the webhook's shared secret


class Webhook(_Wire):
    """The webhook part of a channel."""

    target: str
    name: str = ""
    attributes: tuple[WebhookAttribute, ...] = ()


class ChannelSpec(_Wire):
    """The union `channel` object; only webhook channels are used by this bot."""

    webhook: Webhook | None = None
    websocket: dict[str, Any] | None = None
    pushnotif: dict[str, Any] | None = None


class ChannelSubscribe(_Wire):
    """The body of POST/PUT `/accounts/channels` (also the `subscribe` part of a channel)."""

    label: str | None = None
    type: tuple[str, ...] | None = None
    channel: ChannelSpec

    def to_wire(self) -> dict[str, Any]:
        """The JSON body, without unset optional parts."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Channel(_Wire):
    """A channel as returned by GET."""

    id: str
    status: str = "Running"
    subscribe: ChannelSubscribe | None = None
    created_at: str | None = Field(None, alias="createdAt")
    updated_at: str | None = Field(None, alias="updatedAt")

    @property
    def label(self) -> str | None:
        """The channel label, if any."""
        return None if self.subscribe is None else self.subscribe.label

    @property
    def webhook(self) -> Webhook | None:
        """The webhook settings, when this is a webhook channel."""
        return None if self.subscribe is None else self.subscribe.channel.webhook


class ChannelRef(_Wire):
    """The answer to creating, updating or setting the status of a channel."""

    channel_id: str = Field(alias="channelId")
    status: str = "Running"
    created_at: str | None = Field(None, alias="createdAt")
    updated_at: str | None = Field(None, alias="updatedAt")


def _first_type(value: Any) -> Any:
    # The docs show `type` as a list in the example, the schema as a string: accept both.
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return value


class RemotePostResponse(_Wire):
    """The 202 answer to sending a remote: the id every notification about it will carry."""

    remote_action_id: str = Field(alias="remoteActionId")
    type: str = ""
    links: dict[str, Any] = Field(default_factory=dict, alias="_links")

    @field_validator("type", mode="before")
    @classmethod
    def _normalize_type(cls, value: Any) -> Any:
        return _first_type(value)


class RemoteAction(_Wire):
    """A remote action as the vendor tracks it (GET remotes), with its latest status."""

    remote_action_id: str = Field(alias="remoteActionId")
    type: str = ""
    status: str | None = None
    failure_cause: str | None = Field(None, alias="failureCause")
    remote: dict[str, Any] = Field(default_factory=dict, repr=False)  # its attributes hold the cbtoken
    links: dict[str, Any] = Field(default_factory=dict, alias="_links")

    @field_validator("type", mode="before")
    @classmethod
    def _normalize_type(cls, value: Any) -> Any:
        return _first_type(value)

    @property
    def label(self) -> str | None:
        """The label the remote was sent with (how a lost POST is found again)."""
        label = self.remote.get("label")
        return label if isinstance(label, str) else None


class LatestTelemetry(_Wire):
    """The aggregated latest telemetry of a vehicle, with helpers for the fields the bot shows."""

    raw: dict[str, Any] = Field(default_factory=dict)

    @property
    def _vehicle(self) -> Mapping[str, Any]:
        vehicle = self.raw.get("vehicle")
        return vehicle if isinstance(vehicle, Mapping) else {}

    @property
    def reported_at(self) -> str | None:
        """When the vehicle reported this state (ISO 8601), when the payload says."""
        for key in ("updatedAt", "createdAt"):
            value = self.raw.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    @property
    def position(self) -> tuple[float, float] | None:
        """(latitude, longitude) of the last known location (GeoJSON stores longitude first)."""
        location = self._vehicle.get("location")
        geometry = location.get("geometry") if isinstance(location, Mapping) else None
        coords = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
        if isinstance(coords, list) and len(coords) >= 2:
            return float(coords[1]), float(coords[0])
        return None

    @property
    def locked_state(self) -> tuple[str, ...]:
        """The doors' locked states (e.g. ("Locked",))."""
        doors = self._vehicle.get("doorsState")
        states = doors.get("lockedState") if isinstance(doors, Mapping) else None
        return tuple(str(s) for s in states) if isinstance(states, list) else ()

    @property
    def open_doors(self) -> tuple[str, ...]:
        """Identifiers of the doors reported open."""
        doors = self._vehicle.get("doorsState")
        opening = doors.get("opening") if isinstance(doors, Mapping) else None
        if not isinstance(opening, list):
            return ()
        return tuple(
            str(item.get("identifier"))
            for item in opening
            if isinstance(item, Mapping) and item.get("state") == "Open"
        )

    def energy_level(self, energy_type: str) -> float | None:
        """The level in percent of the `Electric` or `Fuel` energy, when reported."""
        energies = self._vehicle.get("energies")
        for item in energies if isinstance(energies, list) else ():
            if isinstance(item, Mapping) and item.get("type") == energy_type:
                level = item.get("level")
                if isinstance(level, int | float):
                    return float(level)
        return None

    @property
    def charging_status(self) -> str | None:
        """The electric charging status (InProgress, Stopped, Disconnected, ...), when reported."""
        energies = self._vehicle.get("energies")
        for item in energies if isinstance(energies, list) else ():
            if not isinstance(item, Mapping) or item.get("type") != "Electric":
                continue
            charging = ((item.get("extension") or {}).get("electric") or {}).get("charging")
            if isinstance(charging, Mapping) and isinstance(charging.get("status"), str):
                return str(charging["status"])
        return None

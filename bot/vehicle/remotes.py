"""Data-treatment v1 remote actions: one frozen model per feature, the exact wire body, and its parser."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.remote_base import (
    CHARGE_RATES,
    DAYS,
    EXTENDED_EVENT_PARAMS,
    TAN_DURATION_CODES,
    TAN_DURATIONS,
    ChargeLimit,
    ChargeRate,
    ChargeType,
    Day,
    FeatureModel,
    PreconditioningMode,
    ProgramAction,
    RemoteBodyError,
    RemoteRequestError,
    TanDuration,
    format_clock,
)
from bot.vehicle.remote_schedules import (
    ChargeSettings,
    Charging,
    ChargingProgram,
    DeferredCharge,
    Preconditioning,
    PreconditioningProgram,
    PreconditioningSettings,
)

__all__ = [
    "CHARGE_RATES",
    "DAYS",
    "EXTENDED_EVENT_PARAMS",
    "FEATURE_TYPES",
    "TAN_DURATIONS",
    "TAN_DURATION_CODES",
    "ChargeLimit",
    "ChargeRate",
    "ChargeSettings",
    "ChargeType",
    "Charging",
    "ChargingProgram",
    "Day",
    "DeferredCharge",
    "Horn",
    "Immobilization",
    "Lights",
    "Locking",
    "Navigation",
    "OnboardPersonalData",
    "Preconditioning",
    "PreconditioningMode",
    "PreconditioningProgram",
    "PreconditioningSettings",
    "ProgramAction",
    "RemoteBodyError",
    "RemoteFeature",
    "RemoteRequestError",
    "Stolen",
    "Tan",
    "TanDuration",
    "VehicleFinder",
    "WakeUp",
    "build_remote",
    "format_clock",
]

_NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})


class Locking(FeatureModel):
    """Lock or unlock the doors."""

    remote_type: ClassVar[str] = "Locking"
    wire_key: ClassVar[str] = "locking"
    webhook_type: ClassVar[str] = "Doors"
    lock: bool

    def action_body(self) -> dict[str, Any]:
        """{"locking": {"state": "Locked" | "Unlocked"}}."""
        return {"locking": {"state": "Locked" if self.lock else "Unlocked"}}


class Horn(FeatureModel):
    """Sound the horn (or, with on=False, ask it to stop)."""

    remote_type: ClassVar[str] = "Horn"
    wire_key: ClassVar[str] = "horn"
    on: bool = True

    def action_body(self) -> dict[str, Any]:
        """{"horn": {"state": "Activated" | "Unactivated"}}."""
        return {"horn": {"state": "Activated" if self.on else "Unactivated"}}


class Lights(FeatureModel):
    """Switch the lights on or off."""

    remote_type: ClassVar[str] = "Lights"
    wire_key: ClassVar[str] = "lights"
    on: bool

    def action_body(self) -> dict[str, Any]:
        """{"lights": {"state": "Activated" | "Unactivated"}}."""
        return {"lights": {"state": "Activated" if self.on else "Unactivated"}}


class Immobilization(FeatureModel):
    """Immobilize the vehicle or release it."""

    remote_type: ClassVar[str] = "Immobilization"
    wire_key: ClassVar[str] = "immobilization"
    activate: bool

    def action_body(self) -> dict[str, Any]:
        """{"immobilization": {"activate": bool}}."""
        return {"immobilization": {"activate": self.activate}}


class Stolen(FeatureModel):
    """Declare the vehicle stolen (or not), or inhibit its crank: one of the two per request."""

    remote_type: ClassVar[str] = "Stolen"
    wire_key: ClassVar[str] = "stolen"
    state: bool | None = None
    crank_inhibit: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.state is None) == (self.crank_inhibit is None):
            raise RemoteRequestError(
                "stolen takes either the stolen state or the crank inhibit, one at a time"
            )
        return self

    @classmethod
    def report(cls, stolen: bool) -> Stolen:
        """Declare the vehicle stolen (True) or recovered (False)."""
        return cls(state=stolen)

    @classmethod
    def inhibit_crank(cls, activate: bool) -> Stolen:
        """Prevent (True) or allow again (False) starting the engine of a stolen vehicle."""
        return cls(crank_inhibit=activate)

    def action_body(self) -> dict[str, Any]:
        """{"stolen": {"state": bool}} or {"stolen": {"crankInhibit": {"activate": bool}}}."""
        if self.state is not None:
            return {"stolen": {"state": self.state}}
        return {"stolen": {"crankInhibit": {"activate": self.crank_inhibit}}}


class Navigation(FeatureModel):
    """Send 1 to 10 (latitude, longitude) points to the navigation system; the last is the destination."""

    remote_type: ClassVar[str] = "Navigation"
    wire_key: ClassVar[str] = "navigation"
    positions: tuple[tuple[float, float], ...]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 1 <= len(self.positions) <= 10:
            raise RemoteRequestError("navigation takes 1 to 10 points")
        for lat, lon in self.positions:
            if not (math.isfinite(lat) and -90 <= lat <= 90):
                raise RemoteRequestError(f"latitude {lat} is out of range (-90 to 90)")
            if not (math.isfinite(lon) and -180 <= lon <= 180):
                raise RemoteRequestError(f"longitude {lon} is out of range (-180 to 180)")
        return self

    def action_body(self) -> dict[str, Any]:
        """GeoJSON Feature Points, coordinates in [longitude, latitude] order."""
        positions = [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}}
            for lat, lon in self.positions
        ]
        return {"navigation": {"positions": positions}}


class WakeUp(FeatureModel):
    """Wake the vehicle so it refreshes its data."""

    remote_type: ClassVar[str] = "Wakeup"
    wire_key: ClassVar[str] = "wakeup"
    webhook_type: ClassVar[str] = "WakeUp"

    def action_body(self) -> dict[str, Any]:
        """{"wakeup": {"action": "Wakeup"}}."""
        return {"wakeup": {"action": "Wakeup"}}


class VehicleFinder(FeatureModel):
    """Ask the vehicle for its present location."""

    remote_type: ClassVar[str] = "VehicleFinder"
    wire_key: ClassVar[str] = "vehicleFinder"

    def action_body(self) -> dict[str, Any]:
        """{"vehicleFinder": {"action": "GetPresentLocation"}}."""
        return {"vehicleFinder": {"action": "GetPresentLocation"}}


class Tan(FeatureModel):
    """Theft Alarm Notification: suppress for a while, un-suppress, or confirm/deny a theft (one per call)."""

    remote_type: ClassVar[str] = "Tan.suppress"  # a confirm/deny answers "Tan.confirm": see response_type
    wire_key: ClassVar[str] = "tan"
    suppress: bool | None = None
    duration: TanDuration | None = None
    confirm: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.suppress is None) == (self.confirm is None):
            raise RemoteRequestError(
                "theft alarm takes either a suppression or a theft confirmation, one at a time"
            )
        if self.suppress and self.duration is None:
            raise RemoteRequestError("suppressing theft alarms needs a duration: 2h, 4h, 12h, 24h, 3d or 7d")
        if not self.suppress and self.duration is not None:
            raise RemoteRequestError("a duration only applies when suppressing theft alarms")
        return self

    other_types: ClassVar[tuple[str, ...]] = ("Tan.confirm",)
    webhook_type: ClassVar[str] = "Tan"

    @property
    def response_type(self) -> str:
        """Tan.suppress or Tan.confirm, as the 202 answers."""
        return "Tan.suppress" if self.suppress is not None else "Tan.confirm"

    @classmethod
    def suppress_for(cls, duration: TanDuration) -> Tan:
        """Suppress theft alarm notifications for 2h, 4h, 12h, 24h, 3d or 7d."""
        return cls(suppress=True, duration=duration)

    @classmethod
    def unsuppress(cls) -> Tan:
        """Receive theft alarm notifications again."""
        return cls(suppress=False)

    @classmethod
    def confirm_theft(cls) -> Tan:
        """Confirm the theft reported by a theft alarm notification."""
        return cls(confirm=True)

    @classmethod
    def deny_theft(cls) -> Tan:
        """Deny the theft reported by a theft alarm notification."""
        return cls(confirm=False)

    def action_body(self) -> dict[str, Any]:
        """{"tan": {"suppress": {...}}} or {"tan": {"confirm": {"state": bool}}}."""
        if self.suppress is None:
            return {"tan": {"confirm": {"state": self.confirm}}}
        if self.duration is None:
            return {"tan": {"suppress": {"state": self.suppress}}}
        return {"tan": {"suppress": {"state": self.suppress, "duration": TAN_DURATION_CODES[self.duration]}}}


class OnboardPersonalData(FeatureModel):
    """Delete the personal data stored in the vehicle."""

    remote_type: ClassVar[str] = "OnboardPersonalData"
    wire_key: ClassVar[str] = "onboardPersonalData"

    def action_body(self) -> dict[str, Any]:
        """{"onboardPersonalData": {"action": "Delete"}}."""
        return {"onboardPersonalData": {"action": "Delete"}}


RemoteFeature = (
    Locking
    | Horn
    | Lights
    | Preconditioning
    | Charging
    | Immobilization
    | Stolen
    | Navigation
    | WakeUp
    | VehicleFinder
    | Tan
    | OnboardPersonalData
)
FEATURE_TYPES: tuple[type[FeatureModel], ...] = (
    Locking,
    Horn,
    Lights,
    Preconditioning,
    Charging,
    Immobilization,
    Stolen,
    Navigation,
    WakeUp,
    VehicleFinder,
    Tan,
    OnboardPersonalData,
)


def build_remote(
    label: str,
    feature: RemoteFeature,
    *,
    attributes: Mapping[str, str] = _NO_ATTRIBUTES,
    extended_event_params: Sequence[str] = (),
) -> dict[str, Any]:
    """The full data-treatment `Remote` body: label, Body attributes, the action, optional event params."""
    if not isinstance(label, str) or not label:
        raise RemoteRequestError("a remote needs a non-empty label")
    if not isinstance(feature, FEATURE_TYPES):
        raise RemoteRequestError(f"{type(feature).__name__} is not a remote feature")
    for key, value in attributes.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise RemoteRequestError("remote attributes must be non-empty text keys with text values")
    if isinstance(extended_event_params, str):
        raise RemoteRequestError("extended event parameters must be a list of names")
    for param in extended_event_params:
        if param not in EXTENDED_EVENT_PARAMS:
            raise RemoteRequestError(
                f"unknown extended event parameter {param!r}; use one of {', '.join(EXTENDED_EVENT_PARAMS)}"
            )
    if len(set(extended_event_params)) != len(extended_event_params):
        raise RemoteRequestError("each extended event parameter may be given only once")
    body: dict[str, Any] = {
        "label": label,
        "attributes": [{"type": "Body", "key": key, "value": value} for key, value in attributes.items()],
        "action": feature.action_body(),
    }
    if extended_event_params:
        body["extendedEventParam"] = list(extended_event_params)
    return body

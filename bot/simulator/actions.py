"""What a remote does to a simulated vehicle, and the vocabulary its notifications use."""

from __future__ import annotations

from dataclasses import dataclass

from bot.simulator.fleet import SimVehicle
from bot.vehicle.remotes import (
    Charging,
    Immobilization,
    Lights,
    Locking,
    Preconditioning,
    RemoteFeature,
    Stolen,
    Tan,
    WakeUp,
)

# Notification `remoteType` per action key: the notification template still uses the B2B names.
NOTIFICATION_TYPES = {
    "locking": "Doors",
    "horn": "Horn",
    "lights": "Lights",
    "preconditioning": "ThermalPreconditioning",
    "charging": "ElectricBatteryChargingRequest",
    "immobilization": "Immobilization",
    "stolen": "Stolen",
    "wakeup": "WakeUp",
    "navigation": "Navigation",
    "tan": "Tan",
    "vehicleFinder": "VehicleFinder",
    "onboardPersonalData": "OnboardPersonalData",
}
LOW_BATTERY_PERCENT = 15

SUCCESS = "Success"
ALREADY_DONE = "AlreadyDone"
FAILED = "Failed"


@dataclass(frozen=True)
class Outcome:
    """The final status of a remote and, when it failed, why."""

    status: str
    failure_cause: str | None = None


def starts_energy_use(feature: RemoteFeature) -> bool:
    """True for remotes the vehicle refuses on a low traction battery (start charging, precondition)."""
    if isinstance(feature, Preconditioning):
        return feature.immediate is True or feature.settings is not None
    if isinstance(feature, Charging):
        return feature.immediate is True or (feature.deferred is not None and feature.deferred.start_now)
    return False


def _toggle(current: bool, wanted: bool) -> tuple[bool, Outcome]:
    return wanted, Outcome(ALREADY_DONE if current == wanted else SUCCESS)


def apply(vehicle: SimVehicle, feature: RemoteFeature, *, was_asleep: bool) -> Outcome:
    """Run the remote on the vehicle: change its state and say how it ended."""
    if isinstance(feature, Locking):
        if feature.lock and vehicle.doors_open:
            return Outcome(FAILED, "DoorsOpen")
        if not feature.lock and vehicle.stolen:
            return Outcome(FAILED, "NotPossibleDueToVehicleStolenState")
        vehicle.locked, outcome = _toggle(vehicle.locked, feature.lock)
        return outcome
    if isinstance(feature, Lights):
        vehicle.lights_on, outcome = _toggle(vehicle.lights_on, feature.on)
        return outcome
    if isinstance(feature, Preconditioning):
        if feature.immediate is None:
            return Outcome(SUCCESS)  # programs and settings are stored by the vehicle
        vehicle.preconditioning, outcome = _toggle(vehicle.preconditioning, feature.immediate)
        return outcome
    if isinstance(feature, Charging):
        return _charging(vehicle, feature)
    if isinstance(feature, Immobilization):
        vehicle.immobilized, outcome = _toggle(vehicle.immobilized, feature.activate)
        return outcome
    if isinstance(feature, Stolen):
        if feature.state is not None:
            vehicle.stolen, outcome = _toggle(vehicle.stolen, feature.state)
        else:
            vehicle.immobilized, outcome = _toggle(vehicle.immobilized, bool(feature.crank_inhibit))
        return outcome
    if isinstance(feature, Tan):
        if feature.suppress is not None:
            vehicle.tan_suppressed, outcome = _toggle(vehicle.tan_suppressed, feature.suppress)
            return outcome
        return Outcome(SUCCESS)
    if isinstance(feature, WakeUp):
        return Outcome(SUCCESS if was_asleep else ALREADY_DONE)
    return Outcome(SUCCESS)  # horn, navigation, vehicle finder, personal data


def _charging(vehicle: SimVehicle, feature: Charging) -> Outcome:
    if feature.immediate is False:
        vehicle.charging, outcome = _toggle(vehicle.charging, False)
        return outcome
    if starts_energy_use(feature):
        if not vehicle.plugged:
            return Outcome(FAILED, "VehicleChargingSystemError")
        if vehicle.charging or vehicle.battery >= 100:
            return Outcome(ALREADY_DONE)
        vehicle.charging = True
        return Outcome(SUCCESS)
    return Outcome(SUCCESS)  # programs, settings and timed starts are stored by the vehicle

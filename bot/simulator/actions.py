"""What a remote does to a simulated vehicle, and the vocabulary its notifications use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.simulator.fleet import SimVehicle
from bot.vehicle.features import FeatureModel
from bot.vehicle.features.charging import Charging
from bot.vehicle.features.immobilization import Immobilization
from bot.vehicle.features.lights import Lights
from bot.vehicle.features.locking import Locking
from bot.vehicle.features.preconditioning import Preconditioning
from bot.vehicle.features.stolen import Stolen
from bot.vehicle.features.tan import Tan
from bot.vehicle.features.wakeup import WakeUp

LOW_BATTERY_PERCENT = 15

SUCCESS = "Success"
ALREADY_DONE = "AlreadyDone"
FAILED = "Failed"


@dataclass(frozen=True)
class Outcome:
    """The final status of a remote and, when it failed, why."""

    status: str
    failure_cause: str | None = None


def starts_energy_use(feature: FeatureModel) -> bool:
    """True for remotes the vehicle refuses on a low traction battery (start charging, precondition)."""
    if isinstance(feature, Preconditioning):
        return feature.immediate is True or feature.settings is not None
    if isinstance(feature, Charging):
        return feature.immediate is True or (feature.deferred is not None and feature.deferred.start_now)
    return False


def _toggle(current: bool, wanted: bool) -> tuple[bool, Outcome]:
    return wanted, Outcome(ALREADY_DONE if current == wanted else SUCCESS)


def _locking(vehicle: SimVehicle, feature: Locking, _was_asleep: bool) -> Outcome:
    if feature.lock and vehicle.doors_open:
        return Outcome(FAILED, "DoorsOpen")
    if not feature.lock and vehicle.stolen:
        return Outcome(FAILED, "NotPossibleDueToVehicleStolenState")
    vehicle.locked, outcome = _toggle(vehicle.locked, feature.lock)
    return outcome


def _lights(vehicle: SimVehicle, feature: Lights, _was_asleep: bool) -> Outcome:
    vehicle.lights_on, outcome = _toggle(vehicle.lights_on, feature.on)
    return outcome


def _preconditioning(vehicle: SimVehicle, feature: Preconditioning, _was_asleep: bool) -> Outcome:
    if feature.immediate is None:
        return Outcome(SUCCESS)  # programs and settings are stored by the vehicle
    vehicle.preconditioning, outcome = _toggle(vehicle.preconditioning, feature.immediate)
    return outcome


def _immobilization(vehicle: SimVehicle, feature: Immobilization, _was_asleep: bool) -> Outcome:
    vehicle.immobilized, outcome = _toggle(vehicle.immobilized, feature.activate)
    return outcome


def _stolen(vehicle: SimVehicle, feature: Stolen, _was_asleep: bool) -> Outcome:
    if feature.state is not None:
        vehicle.stolen, outcome = _toggle(vehicle.stolen, feature.state)
    else:
        vehicle.immobilized, outcome = _toggle(vehicle.immobilized, bool(feature.crank_inhibit))
    return outcome


def _tan(vehicle: SimVehicle, feature: Tan, _was_asleep: bool) -> Outcome:
    if feature.suppress is None:
        return Outcome(SUCCESS)
    vehicle.tan_suppressed, outcome = _toggle(vehicle.tan_suppressed, feature.suppress)
    return outcome


def _wakeup(_vehicle: SimVehicle, _feature: WakeUp, was_asleep: bool) -> Outcome:
    return Outcome(SUCCESS if was_asleep else ALREADY_DONE)


def _done(_vehicle: SimVehicle, _feature: FeatureModel, _was_asleep: bool) -> Outcome:
    return Outcome(SUCCESS)  # nothing the simulator tracks changes


def apply(vehicle: SimVehicle, feature: FeatureModel, *, was_asleep: bool) -> Outcome:
    """Run the remote on the vehicle: change its state and say how it ended."""
    return BEHAVIOURS.get(type(feature), _done)(vehicle, feature, was_asleep)


def _charging(vehicle: SimVehicle, feature: Charging, _was_asleep: bool) -> Outcome:
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


# What a vendor feature does to the state the simulator keeps; a feature absent here simply succeeds
# (horn, navigation, locate, personal data: nothing the simulated vehicle shows changes).
BEHAVIOURS: dict[type[FeatureModel], Callable[[SimVehicle, Any, bool], Outcome]] = {
    Locking: _locking,
    Lights: _lights,
    Preconditioning: _preconditioning,
    Charging: _charging,
    Immobilization: _immobilization,
    Stolen: _stolen,
    WakeUp: _wakeup,
    Tan: _tan,
}

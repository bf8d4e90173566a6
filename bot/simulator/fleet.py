"""The simulated fleet: the bot's FLEET_FILE format plus a `simulator:` block of vehicle state per vehicle."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Remote action keys (the key inside a remote body's `action`) the simulator knows how to run.
ALL_FEATURES = (
    "locking",
    "horn",
    "lights",
    "preconditioning",
    "charging",
    "wakeup",
    "immobilization",
    "stolen",
    "navigation",
    "vehicleFinder",
    "tan",
    "onboardPersonalData",
)
ELECTRIC_ONLY = frozenset({"charging", "preconditioning"})
MOTORIZATIONS = ("Electric", "Hybrid", "Thermic", "Hydrogen")
DEFAULT_POSITION = (48.8566, 2.3522)


class FleetError(ValueError):
    """The fleet file is malformed; the message names the vehicle and the key."""


@dataclass
class SimVehicle:
    """One simulated vehicle and its mutable state; remotes change it, later requests see the change."""

    alias: str
    vin: str
    groups: tuple[str, ...] = ()
    brand: str = "Peugeot"
    model: str = "e-208"
    motorization: str = "Electric"
    online: bool = True
    asleep: bool = False
    doors_open: bool = False
    locked: bool = True
    lights_on: bool = False
    charging: bool = False
    plugged: bool = True
    preconditioning: bool = False
    battery: int = 80
    fuel: int = 60
    mileage: int = 12000
    position: tuple[float, float] = DEFAULT_POSITION
    stolen: bool = False
    immobilized: bool = False
    tan_suppressed: bool = False
    wakeups_left: int = 20
    unsupported: frozenset[str] = frozenset()
    next_failure: str | None = None  # the next remote that reaches the vehicle fails with this cause
    silent_since: float = field(default_factory=time.time)  # its last report while asleep or offline
    in_progress: set[str] = field(default_factory=set, repr=False)

    @property
    def is_electrified(self) -> bool:
        """True for vehicles with a traction battery."""
        return self.motorization in ("Electric", "Hybrid")

    @property
    def features(self) -> frozenset[str]:
        """Remote action keys this vehicle supports (no charging nor preconditioning on thermal cars)."""
        base = set(ALL_FEATURES) - set(self.unsupported)
        if not self.is_electrified:
            base -= ELECTRIC_ONLY
        return frozenset(base)

    @property
    def reported_at(self) -> float:
        """When it last reported (unix time): now while awake and online, else when it went silent."""
        return time.time() if self.online and not self.asleep else self.silent_since

    def update(self, **changes: Any) -> None:
        """Change state fields by name (test and demo control); unknown names raise AttributeError.

        Falling asleep or going offline keeps the time it last reported; `silent_hours` sets that time
        back (a vehicle parked for days)."""
        names = {f.name for f in dataclasses.fields(self)} | {"offline", "silent_hours"}
        if self.online and not self.asleep:
            self.silent_since = time.time()  # reporting until now: a change that silences it starts here
        for name, value in changes.items():
            if name not in names or name in ("alias", "vin", "in_progress"):
                raise AttributeError(f"simulated vehicle has no settable state {name!r}")
            if name == "offline":
                self.online = not value
            elif name == "silent_hours":
                self.silent_since = time.time() - float(value) * 3600
            elif name == "position":
                self.position = (float(value[0]), float(value[1]))
            elif name == "unsupported":
                self.unsupported = frozenset(value)
            else:
                setattr(self, name, value)

    def snapshot(self) -> dict[str, Any]:
        """The state as plain data (for the debug endpoint and tests)."""
        data = dataclasses.asdict(self)
        data["unsupported"] = sorted(self.unsupported)
        data["in_progress"] = sorted(self.in_progress)
        data["features"] = sorted(self.features)
        return data


_SIMULATOR_KEYS = {
    "brand": str,
    "model": str,
    "motorization": str,
    "online": bool,
    "offline": bool,
    "asleep": bool,
    "doors_open": bool,
    "locked": bool,
    "lights_on": bool,
    "charging": bool,
    "plugged": bool,
    "preconditioning": bool,
    "battery": int,
    "fuel": int,
    "mileage": int,
    "position": list,
    "stolen": bool,
    "immobilized": bool,
    "tan_suppressed": bool,
    "wakeups_left": int,
    "unsupported": list,
    "silent_hours": float,
}


def parse_fleet(data: Any) -> list[SimVehicle]:
    """Vehicles from the parsed YAML document `{vehicles: {alias: {vin, groups, simulator: {...}}}}`."""
    if not isinstance(data, Mapping) or not isinstance(data.get("vehicles"), Mapping):
        raise FleetError("the fleet file needs a top-level `vehicles:` mapping of alias to vehicle")
    vehicles: list[SimVehicle] = []
    seen: set[str] = set()
    for alias, entry in data["vehicles"].items():
        vehicle = _parse_vehicle(str(alias), entry)
        if vehicle.vin in seen:
            raise FleetError(f"vehicle {alias}: VIN {vehicle.vin} appears twice")
        seen.add(vehicle.vin)
        vehicles.append(vehicle)
    return vehicles


def _parse_vehicle(alias: str, entry: Any) -> SimVehicle:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("vin"), str) or not entry["vin"]:
        raise FleetError(f"vehicle {alias}: needs a `vin:` string")
    groups = entry.get("groups", [])
    if not isinstance(groups, list):
        raise FleetError(f"vehicle {alias}: `groups` must be a list")
    vehicle = SimVehicle(alias=alias, vin=entry["vin"], groups=tuple(str(g) for g in groups))
    sim = entry.get("simulator") or {}
    if not isinstance(sim, Mapping):
        raise FleetError(f"vehicle {alias}: `simulator` must be a mapping")
    for key, value in sim.items():
        expected = _SIMULATOR_KEYS.get(key)
        if expected is None:
            raise FleetError(f"vehicle {alias}: unknown simulator key {key!r}")
        wanted = (int, float) if expected is float else expected  # a whole number of hours is a float
        if not isinstance(value, wanted) or (expected in (int, float) and isinstance(value, bool)):
            raise FleetError(f"vehicle {alias}: simulator.{key} must be a {expected.__name__}")
    if sim.get("motorization", vehicle.motorization) not in MOTORIZATIONS:
        raise FleetError(f"vehicle {alias}: simulator.motorization must be one of {', '.join(MOTORIZATIONS)}")
    position = sim.get("position")
    if position is not None and (len(position) != 2 or not all(isinstance(x, int | float) for x in position)):
        raise FleetError(f"vehicle {alias}: simulator.position must be [latitude, longitude]")
    unknown = set(sim.get("unsupported", [])) - set(ALL_FEATURES)
    if unknown:
        raise FleetError(f"vehicle {alias}: unknown features in simulator.unsupported: {sorted(unknown)}")
    vehicle.update(**dict(sim))
    return vehicle


def load_fleet(path: Path | str) -> list[SimVehicle]:
    """Read and validate a fleet YAML file."""
    with Path(path).open(encoding="utf-8") as handle:
        return parse_fleet(yaml.safe_load(handle))

"""The fleet file: vehicle aliases and groups, and how a user's `<vehicle>` word resolves to a VIN."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.runtime.yaml_file import YamlFileError, read_yaml

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
MIN_SUFFIX = 6


class FleetFileError(ValueError):
    """The fleet file cannot be read; the message says where and why."""


class VehicleNotFound(ValueError):
    """The `<vehicle>` word names no vehicle, or several; the message says which and what to type."""


@dataclass(frozen=True)
class Vehicle:
    """One vehicle the bot knows: its VIN, alias and groups."""

    vin: str
    alias: str | None = None
    groups: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def name(self) -> str:
        """Alias and VIN tail, or the VIN."""
        return f"{self.alias} (…{self.vin[-6:]})" if self.alias else self.vin

    def matches_scope(self, scope: set[str]) -> bool:
        """Whether a grant limited to these groups/aliases covers this vehicle."""
        return bool(scope & ({self.alias} if self.alias else set()) | scope & set(self.groups))


@dataclass(frozen=True)
class Fleet:
    """The vehicles of FLEET_FILE (possibly none: then vehicles are addressed by VIN)."""

    vehicles: tuple[Vehicle, ...] = ()

    @classmethod
    def load(cls, path: Path | None) -> Fleet:
        """Read FLEET_FILE; no path gives an empty fleet."""
        if path is None:
            return cls()
        try:
            data = read_yaml(path) or {}
        except YamlFileError as error:
            raise FleetFileError(f"FLEET_FILE {path}: {error}") from None
        entries = data.get("vehicles") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            raise FleetFileError(
                f"FLEET_FILE {path}: expected a `vehicles:` mapping of alias -> {{vin, groups}}"
            )
        vehicles = []
        for alias, entry in entries.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("vin"), str):
                raise FleetFileError(f"FLEET_FILE {path}: vehicle {alias!r} needs a `vin`")
            vin = entry["vin"].upper()
            if not VIN_PATTERN.match(vin):
                raise FleetFileError(f"FLEET_FILE {path}: vehicle {alias!r} has an invalid VIN {vin!r}")
            groups = tuple(str(group) for group in entry.get("groups") or ())
            extra = {k: v for k, v in entry.items() if k not in ("vin", "groups")}
            vehicles.append(Vehicle(vin=vin, alias=str(alias).lower(), groups=groups, extra=extra))
        return cls(tuple(vehicles))

    def groups(self) -> list[str]:
        """Every group named in the fleet file, sorted."""
        return sorted({group for vehicle in self.vehicles for group in vehicle.groups})

    def by_vin(self, vin: str) -> Vehicle | None:
        """The fleet entry of a VIN, if any."""
        return next((v for v in self.vehicles if v.vin == vin), None)

    def resolve(self, word: str, known_vins: list[str] | None = None) -> Vehicle:
        """Resolve an alias, a full VIN or a unique VIN suffix of at least 6 characters."""
        text = word.strip()
        lowered = text.lower()
        for vehicle in self.vehicles:
            if vehicle.alias == lowered:
                return vehicle
        upper = text.upper()
        if len(upper) == 17:
            if not VIN_PATTERN.match(upper):
                raise VehicleNotFound(
                    f"`{text}` is not a valid VIN: 17 letters and digits, without I, O or Q."
                )
            return self.by_vin(upper) or Vehicle(vin=upper)
        if len(upper) < MIN_SUFFIX or not upper.isalnum():
            raise VehicleNotFound(
                f"No vehicle called `{text}`. Use an alias, a full VIN, or at least the last "
                f"{MIN_SUFFIX} characters of the VIN."
            )
        candidates = sorted({v.vin for v in self.vehicles} | set(known_vins or ()))
        matches = [vin for vin in candidates if vin.endswith(upper)]
        if not matches:
            raise VehicleNotFound(f"No vehicle has a VIN ending in `{upper}`.")
        if len(matches) > 1:
            names = ", ".join((self.by_vin(vin) or Vehicle(vin=vin)).name for vin in matches[:10])
            raise VehicleNotFound(f"`{text}` matches several vehicles: {names}. Type more of the VIN.")
        return self.by_vin(matches[0]) or Vehicle(vin=matches[0])

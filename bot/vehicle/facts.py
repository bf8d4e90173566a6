"""Turn the vendor's latest telemetry into the few facts an operator reads: energy, doors, position."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.vehicle.wire import LatestTelemetry


def _find_number(data: Any, *names: str) -> float | None:
    """The first numeric value under any of `names`, searched depth-first (the payload varies by model)."""
    if isinstance(data, Mapping):
        for name in names:
            value = data.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, Mapping) and isinstance(value.get("value"), int | float):
                return float(value["value"])
        for value in data.values():
            found = _find_number(value, *names)
            if found is not None:
                return found
    elif isinstance(data, list):
        for item in data:
            found = _find_number(item, *names)
            if found is not None:
                return found
    return None


def vehicle_state(telemetry: LatestTelemetry) -> dict[str, Any]:
    """Battery/fuel, range, charging, doors, position and mileage, as far as the telemetry reports them."""
    state: dict[str, Any] = {}
    battery = telemetry.energy_level("Electric")
    fuel = telemetry.energy_level("Fuel")
    if battery is not None:
        state["Battery"] = f"{battery:g} %"
    if fuel is not None:
        state["Fuel"] = f"{fuel:g} %"
    autonomy = _find_number(telemetry.raw, "autonomy", "range")
    if autonomy is not None:
        state["Range"] = f"{autonomy:g} km"
    if telemetry.charging_status:
        state["Charging"] = telemetry.charging_status
    if telemetry.locked_state:
        state["Doors"] = ", ".join(telemetry.locked_state)
    if telemetry.open_doors:
        state["Open"] = ", ".join(telemetry.open_doors)
    mileage = _find_number(telemetry.raw, "mileage", "odometer")
    if mileage is not None:
        state["Mileage"] = f"{mileage:g} km"
    if telemetry.position is not None:
        lat, lon = telemetry.position
        state["Position"] = f"{lat:.5f}, {lon:.5f}"
    return state


def position_of(telemetry: LatestTelemetry) -> dict[str, Any] | None:
    """The position as the request outcome stores it ({lat, lon}), when known."""
    if telemetry.position is None:
        return None
    lat, lon = telemetry.position
    return {"lat": round(lat, 6), "lon": round(lon, 6)}

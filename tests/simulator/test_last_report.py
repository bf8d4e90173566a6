"""The simulated telemetry's time: now while the vehicle is awake and online, else when it went silent."""

from __future__ import annotations

import time
from datetime import datetime

from bot.simulator.fleet import parse_fleet
from bot.simulator.payloads import latest_telemetry


def reported(vehicle_entry: dict[str, object]) -> float:
    """How many hours ago the telemetry of a one-vehicle fleet says it reported."""
    (vehicle,) = parse_fleet({"vehicles": {"v": {"vin": "VIN0000000000001", "simulator": vehicle_entry}}})
    at = datetime.fromisoformat(latest_telemetry(vehicle, "")["updatedAt"]).timestamp()
    return (time.time() - at) / 3600


def test_an_asleep_vehicle_reports_as_of_when_it_went_silent() -> None:
    """`silent_hours: 216` on an asleep vehicle: its telemetry is 9 days old; awake, it is of now."""
    assert 215.9 < reported({"asleep": True, "silent_hours": 216}) < 216.1
    assert reported({"silent_hours": 216}) < 0.01

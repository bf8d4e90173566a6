"""The simulator's Fleet Owner v3 state: the fleet, its login, its callbacks, its rate limits, its events."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.simulator import payloads
from bot.simulator.fleet import SimVehicle
from bot.simulator.fleet_delivery import FleetDeliverer
from bot.simulator.fleet_records import SimCallback, fleet_event, vehicle_id
from bot.simulator.records import SimRemote
from bot.vehicle.features import FEATURES

FLEET_PREFIX = "/connectedcar/v3"
DEFAULT_FLEET_ID = "0a123bc5d1e873066454b4d9"
DEFAULT_LOGIN = "MZP000000"
DEFAULT_PASSWORD = "simulator-password"
DAY_SECONDS = 86400.0
BURST_SECONDS = 1.0


@dataclass(frozen=True)
class FleetOptions:
    """The simulated Fleet Owner v3 account; `time_scale` None uses the simulator's delay_scale."""

    fleet_id: str = DEFAULT_FLEET_ID
    fleet_name: str = "Simulated fleet"
    login: str = DEFAULT_LOGIN
    password: str = DEFAULT_PASSWORD
    day_limit: int = 100_000
    burst_limit: int = 100
    time_scale: float | None = None


@dataclass(frozen=True)
class RateDecision:
    """One call counted against the quotas: allowed or not, the headers to answer, the wait when refused."""

    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    burst: bool = False


class RateLimiter:
    """The day quota (a sliding 24 h) and the burst quota (1 s) of the subscription (§1.4)."""

    def __init__(self, day_limit: int, burst_limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.day_limit = day_limit
        self.burst_limit = burst_limit
        self._clock = clock
        self._day: deque[float] = deque()
        self._burst: deque[float] = deque()

    def take(self) -> RateDecision:
        """Count one call if both quotas allow it; X-RateLimit-* headers either way."""
        now = self._clock()
        for window, seconds in ((self._day, DAY_SECONDS), (self._burst, BURST_SECONDS)):
            while window and window[0] <= now - seconds:
                window.popleft()
        wait = 0.0
        burst = False
        if len(self._day) >= self.day_limit:
            wait = self._day[0] + DAY_SECONDS - now if self._day else DAY_SECONDS
        elif len(self._burst) >= self.burst_limit:
            wait, burst = (self._burst[0] + BURST_SECONDS - now if self._burst else BURST_SECONDS), True
        allowed = wait <= 0
        if allowed:
            self._day.append(now)
            self._burst.append(now)
        headers = {
            "X-RateLimit-Limit-1": str(self.day_limit),
            "X-RateLimit-Remaining-1": str(max(0, self.day_limit - len(self._day))),
            "X-RateLimit-Limit-2": str(self.burst_limit),
            "X-RateLimit-Remaining-2": str(max(0, self.burst_limit - len(self._burst))),
        }
        if not allowed:
            seconds = max(1, math.ceil(wait))
            headers["Retry-After"] = str(seconds)
            headers["X-RateLimit-Reset"] = str(int(time.time()) + seconds)
        return RateDecision(allowed, headers, max(wait, 0.0), burst)


def onboard_capabilities(vehicle: SimVehicle) -> dict[str, Any]:
    """`onboardCapabilities` in the v3 shape from the vehicle's features (keys: each feature's v3 names)."""
    remote: dict[str, Any] = {}
    for cls in FEATURES:
        for key in () if cls.v3 is None else cls.v3.capability_keys:
            entry: dict[str, Any] = {"supported": cls.v1.key in vehicle.features}
            if key != "stolen":
                entry["scopeName"] = f"remote:{key}:write"
            if key == "preconditioning":
                entry["parameters"] = {"programs": {"size": 4}, "immediate": True}
            elif key == "charging":
                entry["parameters"] = {
                    "immediate": {"start": True, "stop": True},
                    "schedule": {"programs": {"supported": True, "size": 2}, "nextDelayedTime": True},
                    "preferences": {"level": True, "type": False},
                }
            remote[str(key)] = entry
    data = payloads.capability(vehicle)["onboardCapabilities"]["data"]
    return {"data": data, "remote": remote}


class FleetApi:
    """One partner account with one fleet over the simulator's vehicles (the v3 routes serve it)."""

    def __init__(self, options: FleetOptions, vehicles: Iterable[SimVehicle], *, time_scale: float) -> None:
        self.options = options
        self.fleet_id = options.fleet_id
        self.callbacks: dict[str, SimCallback] = {}
        self.limiter = RateLimiter(options.day_limit, options.burst_limit)
        self.deliverer = FleetDeliverer(time_scale=time_scale)
        self.events: list[dict[str, Any]] = []  # every v3 event emitted, delivered or not
        self._vins_by_id = {vehicle_id(self.fleet_id, v.vin): v.vin for v in vehicles}

    def __repr__(self) -> str:
        return f"FleetApi(fleet_id={self.fleet_id!r}, callbacks={len(self.callbacks)})"

    @property
    def time_scale(self) -> float:
        """The factor of every delivery delay (batch window, retry delay); settable."""
        return self.deliverer.time_scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        self.deliverer.time_scale = value

    def check_login(self, header: str) -> bool:
        """Whether an Authorization header is HTTP Basic with the configured login and password."""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = f"{self.options.login}:{self.options.password}"
        return secrets.compare_digest(decoded.encode(), expected.encode())

    def vin_of(self, vid: str) -> str | None:
        """The VIN behind an opaque vehicle id (None when the fleet has no such vehicle)."""
        return self._vins_by_id.get(vid)

    def set_rate_limits(self, *, day: int | None = None, burst: int | None = None) -> None:
        """Change the day and/or burst budget (a test or demo control)."""
        if day is not None:
            self.limiter.day_limit = day
        if burst is not None:
            self.limiter.burst_limit = burst

    def emit(self, remote: SimRemote, event_type: str, status: str, failure_cause: str | None) -> None:
        """Record one event of a v3 remote and queue it for its callback (if it still exists)."""
        event = fleet_event(remote, event_type, status, failure_cause)
        self.events.append(event.event)
        callback = self.callbacks.get(remote.channel_id)
        if callback is not None:
            self.deliverer.enqueue(callback, event)

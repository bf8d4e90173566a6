"""The life of one remote action, as the vendor's workflow describes it: Pending events, then Done."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.simulator import payloads
from bot.simulator.actions import FAILED, LOW_BATTERY_PERCENT, Outcome, apply, starts_energy_use
from bot.simulator.fleet import SimVehicle
from bot.simulator.records import SimRemote
from bot.vehicle.features.vehicle_finder import VehicleFinder

PENDING = "Pending"
DONE = "Done"


@dataclass(frozen=True)
class Delays:
    """Realistic seconds between the steps of a remote (multiplied by the simulator's delay_scale)."""

    accept: float = 1.0
    wake_up: float = 8.0
    send: float = 1.5
    vehicle: float = 3.0
    connection_timeout: float = 20.0


class Emit(Protocol):
    """Publishes one event about a remote (updates the record and queues the notification)."""

    def __call__(
        self,
        remote: SimRemote,
        event_type: str,
        status: str,
        failure_cause: str | None = None,
        extensions: Sequence[dict[str, Any]] = (),
    ) -> None: ...


class RemoteEngine:
    """Runs remotes against vehicle state and emits the events the vendor would."""

    def __init__(self, emit: Emit, *, delay_scale: float = 1.0, delays: Delays | None = None) -> None:
        self._emit = emit
        self.delay_scale = delay_scale
        self.delays = delays or Delays()

    async def _pause(self, seconds: float) -> None:
        await asyncio.sleep(seconds * self.delay_scale)

    async def run(self, remote: SimRemote, vehicle: SimVehicle) -> None:
        """Emit the whole sequence for `remote`; always ends with exactly one Done event."""
        try:
            await self._run(remote, vehicle)
        finally:
            if not remote.duplicate:
                vehicle.in_progress.discard(remote.parsed.action_key)

    async def _run(self, remote: SimRemote, vehicle: SimVehicle) -> None:
        navigation = remote.parsed.action_key == "navigation"
        feature = remote.parsed.feature
        await self._pause(self.delays.accept)
        if not navigation:  # the vendor sends neither Accepted nor WakingUpVehicle for navigation
            self._emit(remote, PENDING, "Accepted")
        if remote.duplicate:
            self._done(remote, vehicle, Outcome(FAILED, "SameActionInProgress"))
            return
        if vehicle.asleep and vehicle.wakeups_left <= 0:
            self._done(remote, vehicle, Outcome(FAILED, "TooManyWakeUpsOverMonth"))
            return
        if starts_energy_use(feature) and vehicle.is_electrified and vehicle.battery < LOW_BATTERY_PERCENT:
            self._done(remote, vehicle, Outcome(FAILED, "NotPossibleDueToVehicleBatteryLevel"))
            return
        if vehicle.asleep:
            if not navigation:
                self._emit(remote, PENDING, "WakingUpVehicle")
            await self._pause(self.delays.wake_up)
            if not vehicle.online:
                await self._pause(self.delays.connection_timeout)
                self._done(remote, vehicle, Outcome(FAILED, "VehicleConnectionTimeout"))
                return
            vehicle.wakeups_left -= 1
            vehicle.asleep = False
        await self._pause(self.delays.send)
        self._emit(remote, PENDING, "SentToVehicle")
        await self._pause(self.delays.vehicle)
        if not vehicle.online:
            await self._pause(self.delays.connection_timeout)
            self._done(remote, vehicle, Outcome(FAILED, "VehicleConnectionTimeout"))
            return
        if vehicle.next_failure is not None:
            cause, vehicle.next_failure = vehicle.next_failure, None
            self._done(remote, vehicle, Outcome(FAILED, cause))
            return
        self._done(remote, vehicle, apply(vehicle, feature, was_asleep=remote.was_asleep))

    def _done(self, remote: SimRemote, vehicle: SimVehicle, outcome: Outcome) -> None:
        kinds = list(remote.parsed.extended_event_params)
        if isinstance(remote.parsed.feature, VehicleFinder) and outcome.status != FAILED:
            kinds.append("vehicle.position")
        extensions = [payloads.extension(kind, vehicle) for kind in dict.fromkeys(kinds)]
        self._emit(remote, DONE, outcome.status, outcome.failure_cause, extensions)

"""The Fleet Owner B2B v3 API as the vehicle cloud: its fleet, its VIN map, its callback, its remotes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol

from bot.vehicle.errors import NotFoundError, VendorError
from bot.vehicle.features import FeatureModel
from bot.vehicle.features.base import V3Context
from bot.vehicle.fleet_callback import CallbackWanted, ensure_callback
from bot.vehicle.fleet_client import FleetOwnerClient
from bot.vehicle.fleet_v3_remote import build_v3_remote
from bot.vehicle.wire import (
    LatestTelemetry,
    RemoteAction,
    RemotePostResponse,
    VehicleCapability,
    VehicleSummary,
)


class VehicleIdMap(Protocol):
    """The VIN -> opaque id map of a fleet, shared by the replicas."""

    async def id_of(self, vin: str) -> str | None:
        """The vehicle id of this VIN, when known."""

    async def remember(self, ids: Mapping[str, str]) -> None:
        """Store VIN -> id pairs."""


class FleetSetUpError(VendorError):
    """The account's fleets do not say which one the bot serves."""

    summary = "The Fleet Owner account does not say which fleet to serve"


async def discover_fleet(client: FleetOwnerClient, configured: str | None) -> str:
    """The configured fleet, or the only fleet the account sees (else FleetSetUpError naming them)."""
    if configured is not None:
        return configured
    fleets = await client.list_fleets()
    if len(fleets) != 1:
        seen = ", ".join(f"{fleet.id} ({fleet.name})" if fleet.name else fleet.id for fleet in fleets)
        raise FleetSetUpError(
            f"The Fleet Owner account sees {len(fleets)} fleets ({seen or 'none'}): "
            "set STELLANTIS_FLEET_ID to the one the bot serves."
        )
    return fleets[0].id


class FleetOwnerV3:
    """Remotes go through the bot's one remote callback of its fleet, which `set_up` creates or mends."""

    def __init__(
        self,
        client: FleetOwnerClient,
        *,
        fleet_id: str | None,
        id_map: Callable[[str], VehicleIdMap],
        callback: CallbackWanted,
        zone: tzinfo,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._fleet_id = fleet_id
        self._id_map_for = id_map
        self._ids: VehicleIdMap | None = None
        self._wanted = callback
        self._zone = zone
        self._clock = clock
        self._callback_id: str | None = None

    def __repr__(self) -> str:
        return f"FleetOwnerV3(fleet={self._fleet_id!r}, callback={self._callback_id!r})"

    @property
    def fleet_id(self) -> str:
        """The fleet the bot serves (known after `set_up`)."""
        if self._fleet_id is None:
            raise RuntimeError("the vehicle cloud is not set up: call set_up() first")
        return self._fleet_id

    @property
    def callback_id(self) -> str:
        """The remote callback remotes are sent through (known after `set_up`)."""
        if self._callback_id is None:
            raise RuntimeError("the vehicle cloud is not set up: call set_up() first")
        return self._callback_id

    async def set_up(self) -> str:
        """The fleet (configured, or the only one the account sees), then the callback, created or mended."""
        self._fleet_id = await discover_fleet(self._client, self._fleet_id)
        self._ids = self._id_map_for(self._fleet_id)
        self._callback_id = await ensure_callback(self._client, self._fleet_id, self._wanted)
        return self._callback_id

    def offers(self, feature: type[FeatureModel]) -> bool:
        """Whether this API has the feature (v3 has no VehicleFinder, Tan or OnboardPersonalData)."""
        return feature.v3 is not None

    async def vehicles(self) -> list[VehicleSummary]:
        """Every vehicle of the fleet (and the VIN map refreshed with them)."""
        listed = await self._client.list_vehicles(self.fleet_id)
        await self._id_map().remember({vehicle.vin: vehicle.id for vehicle in listed})
        return [VehicleSummary(vin=vehicle.vin, motorization=vehicle.motorization) for vehicle in listed]

    async def capability(self, vin: str) -> VehicleCapability:
        """The vehicle's onboard capabilities."""
        return await self._client.get_capability(self.fleet_id, await self._vehicle_id(vin))

    async def latest_state(self, vin: str) -> LatestTelemetry:
        """The vehicle's latest status (v3 has no fresh position fix: the last known one, with its time)."""
        return await self._client.get_status(self.fleet_id, await self._vehicle_id(vin))

    def describe(self, feature: FeatureModel) -> dict[str, Any]:
        """The feature in this API's words."""
        return feature.v3_action(self._context())

    async def send(
        self,
        vin: str,
        feature: FeatureModel,
        *,
        label: str,
        attributes: Mapping[str, str],
        extended_event_params: Sequence[str],
    ) -> RemotePostResponse:
        """POST `{label, <action>}`; the callback's Body attribute carries the token back.

        v3 remotes carry no attributes of their own and no extended event parameters: the vehicle's
        state and position are read from its status instead.
        """
        body = build_v3_remote(label, feature, self._context())
        vehicle_id = await self._vehicle_id(vin)
        return await self._client.send_remote(self.fleet_id, vehicle_id, self.callback_id, body)

    async def find_by_label(self, vin: str, label: str) -> RemoteAction | None:
        """The callback's remote sent with this label."""
        vehicle_id = await self._vehicle_id(vin)
        return await self._client.find_remote_by_label(self.fleet_id, vehicle_id, self.callback_id, label)

    async def get_one(self, vin: str, remote_action_id: str) -> RemoteAction:
        """One remote of the callback."""
        vehicle_id = await self._vehicle_id(vin)
        return await self._client.get_remote(self.fleet_id, vehicle_id, self.callback_id, remote_action_id)

    def rate_limits(self) -> dict[str, str]:
        """The X-RateLimit-* headers of the API's latest answer (every v3 answer carries them)."""
        return self._client.rate_limits

    def _context(self) -> V3Context:
        return V3Context(zone=self._zone, now=datetime.fromtimestamp(self._clock(), UTC))

    def _id_map(self) -> VehicleIdMap:
        if self._ids is None:
            raise RuntimeError("the vehicle cloud is not set up: call set_up() first")
        return self._ids

    async def _vehicle_id(self, vin: str) -> str:
        """The opaque id of the VIN: from the shared map, else from the fleet's listing (then remembered)."""
        found = await self._id_map().id_of(vin)
        if found is not None:
            return found
        listed = {vehicle.vin: vehicle.id for vehicle in await self._client.list_vehicles(self.fleet_id)}
        await self._id_map().remember(listed)
        if vin not in listed:
            raise NotFoundError(
                status=404, vendor_message=f"the vehicle {vin} is not in the fleet {self.fleet_id}"
            )
        return listed[vin]

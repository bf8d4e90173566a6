"""The VehicleCloud port with each vehicle's capability cached in Redis, so repeated commands ask once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.store.capabilities import CapabilityCache
from bot.usecases.vehicle_cloud import VehicleCloud
from bot.vehicle.features import FeatureModel
from bot.vehicle.wire import (
    LatestTelemetry,
    RemoteAction,
    RemotePostResponse,
    VehicleCapability,
    VehicleSummary,
)


class CachedCapabilities:
    """A VehicleCloud whose `capability` answers from the shared cache first; every other call passes."""

    def __init__(self, cloud: VehicleCloud, cache: CapabilityCache) -> None:
        self._cloud = cloud
        self._cache = cache

    def __repr__(self) -> str:
        return repr(self._cloud)

    async def capability(self, vin: str) -> VehicleCapability:
        """The cached capability, else the vendor's (then cached for every replica)."""
        cached = await self._cache.get(vin)
        if cached is not None:
            return cached
        fresh = await self._cloud.capability(vin)
        await self._cache.put(vin, fresh)
        return fresh

    async def set_up(self) -> str:
        """The cloud's own set-up."""
        return await self._cloud.set_up()

    def offers(self, feature: type[FeatureModel]) -> bool:
        """Whether the cloud's API has the feature."""
        return self._cloud.offers(feature)

    async def vehicles(self) -> list[VehicleSummary]:
        """The cloud's vehicles."""
        return await self._cloud.vehicles()

    async def latest_state(self, vin: str) -> LatestTelemetry:
        """The cloud's last reported state of the vehicle."""
        return await self._cloud.latest_state(vin)

    def describe(self, feature: FeatureModel) -> dict[str, Any]:
        """The feature in the cloud's words."""
        return self._cloud.describe(feature)

    async def send(
        self,
        vin: str,
        feature: FeatureModel,
        *,
        label: str,
        attributes: Mapping[str, str],
        extended_event_params: Sequence[str],
    ) -> RemotePostResponse:
        """Send one remote through the cloud."""
        return await self._cloud.send(
            vin, feature, label=label, attributes=attributes, extended_event_params=extended_event_params
        )

    async def find_by_label(self, vin: str, label: str) -> RemoteAction | None:
        """The cloud's remote with this label."""
        return await self._cloud.find_by_label(vin, label)

    async def get_one(self, vin: str, remote_action_id: str) -> RemoteAction:
        """One remote as the cloud tracks it."""
        return await self._cloud.get_one(vin, remote_action_id)

"""The vehicle cloud as the use cases see it: the calls the core makes, whichever vendor API answers them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from bot.vehicle.features import FeatureModel
from bot.vehicle.wire import (
    LatestTelemetry,
    RemoteAction,
    RemotePostResponse,
    VehicleCapability,
    VehicleSummary,
)


class VehicleCloud(Protocol):
    """One vendor API behind one interface; the composition root picks the implementation."""

    async def set_up(self) -> str:
        """Make sure the vendor notifies the bot's webhook (created or updated); the id of that set-up."""

    def offers(self, feature: type[FeatureModel]) -> bool:
        """Whether this API has the feature at all (the catalogue hides the rows of those it lacks)."""

    async def vehicles(self) -> list[VehicleSummary]:
        """Every vehicle the account may act on."""

    async def capability(self, vin: str) -> VehicleCapability:
        """What the vehicle (and its contract) can do."""

    async def latest_state(self, vin: str) -> LatestTelemetry:
        """The vehicle's last reported state."""

    def describe(self, feature: FeatureModel) -> dict[str, Any]:
        """The feature as this API words it, stored with the request for the audit and a retry."""

    async def send(
        self,
        vin: str,
        feature: FeatureModel,
        *,
        label: str,
        attributes: Mapping[str, str],
        extended_event_params: Sequence[str],
    ) -> RemotePostResponse:
        """Send one remote; the answer holds the id its notifications will carry."""

    async def find_by_label(self, vin: str, label: str) -> RemoteAction | None:
        """The remote sent with this label, when the vendor lists it (how a lost answer is found)."""

    async def get_one(self, vin: str, remote_action_id: str) -> RemoteAction:
        """One remote as the vendor tracks it, with its latest status."""

    def rate_limits(self) -> dict[str, str]:
        """The vendor's X-RateLimit-* headers of its latest answer that had any, names in lower case (the
        quotas left, for the send pace); empty before such an answer."""

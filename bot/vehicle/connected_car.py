"""The Connected Car v1 ("data-treatment") API as the bot's vehicle cloud: its channel and its remotes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.vehicle.channels import callback_body_attributes, ensure_channel
from bot.vehicle.client import StellantisClient
from bot.vehicle.features import FeatureModel
from bot.vehicle.remotes import build_remote
from bot.vehicle.wire import (
    LatestTelemetry,
    RemoteAction,
    RemotePostResponse,
    VehicleCapability,
    VehicleSummary,
)


class ConnectedCarV1:
    """Remotes go through the bot's one notification channel, which `set_up` creates or mends."""

    def __init__(
        self,
        client: StellantisClient,
        *,
        channel_label: str,
        webhook_url: str,
        callback_token: str,
        channel_id: str | None = None,
    ) -> None:
        self._client = client
        self._label = channel_label
        self._webhook_url = webhook_url
        self._token = callback_token
        self._channel_id = channel_id

    def __repr__(self) -> str:
        return f"ConnectedCarV1(channel={self._channel_id!r})"

    @property
    def channel_id(self) -> str:
        """The notification channel remotes are sent through (known after `set_up`)."""
        if self._channel_id is None:
            raise RuntimeError("the vehicle cloud is not set up: call set_up() first")
        return self._channel_id

    async def set_up(self) -> str:
        """The configured channel id, or the channel labelled as configured, created or mended."""
        if self._channel_id is None:
            self._channel_id = await ensure_channel(
                self._client, label=self._label, target_url=self._webhook_url, token=self._token
            )
        return self._channel_id

    def offers(self, feature: type[FeatureModel]) -> bool:
        """Connected Car v1 has every feature the bot knows."""
        return True

    async def vehicles(self) -> list[VehicleSummary]:
        """Every vehicle of the account."""
        return await self._client.list_vehicles()

    async def capability(self, vin: str) -> VehicleCapability:
        """The vehicle's capability."""
        return await self._client.get_capability(vin)

    async def latest_state(self, vin: str) -> LatestTelemetry:
        """The vehicle's latest telemetry."""
        return await self._client.get_latest_telemetry(vin)

    def describe(self, feature: FeatureModel) -> dict[str, Any]:
        """The body's `action` object."""
        return feature.v1_action()

    async def send(
        self,
        vin: str,
        feature: FeatureModel,
        *,
        label: str,
        attributes: Mapping[str, str],
        extended_event_params: Sequence[str],
    ) -> RemotePostResponse:
        """POST the remote, with the callback token as a Body attribute (it comes back in batches too)."""
        body = build_remote(
            label,
            feature,
            attributes={**callback_body_attributes(self._token), **attributes},
            extended_event_params=extended_event_params,
        )
        return await self._client.send_remote(vin, self.channel_id, body)

    async def find_by_label(self, vin: str, label: str) -> RemoteAction | None:
        """The channel's remote sent with this label."""
        return await self._client.find_remote_by_label(vin, self.channel_id, label)

    async def get_one(self, vin: str, remote_action_id: str) -> RemoteAction:
        """One remote of the channel."""
        return await self._client.get_remote(vin, self.channel_id, remote_action_id)

    def rate_limits(self) -> dict[str, str]:
        """The X-RateLimit-* headers of the API's latest answer that had any."""
        return self._client.rate_limits

"""Client of the Stellantis data-treatment v1 API: vehicles, capability, channels, remotes, telemetry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.vehicle.token import TokenProvider, build_ssl_context
from bot.vehicle.transport import DEFAULT_TIMEOUT_SECONDS, BearerTokens, TransportClient, VendorTransport
from bot.vehicle.wire import (
    Channel,
    ChannelRef,
    ChannelStatus,
    ChannelSubscribe,
    LatestTelemetry,
    RemoteAction,
    RemotePostResponse,
    VehicleCapability,
    VehicleSummary,
)


def vehicle_path_id(vin: str) -> str:
    """The `{id}` of a vehicle in API paths (inferred to be the VIN; the only place that decides it)."""
    return quote(vin, safe="")


class StellantisClient(TransportClient):
    """Typed calls to the data-treatment v1 API; every vendor failure surfaces as a VendorError."""

    # -- vehicles --------------------------------------------------------------------------------

    async def list_vehicles(self, *, page_size: int | None = None) -> list[VehicleSummary]:
        """Every vehicle of the account, following the pages to the end."""
        items = [item async for item in self._paged("/accounts/vehicles", "vehicles", page_size=page_size)]
        return [VehicleSummary.model_validate(item) for item in items]

    async def get_capability(self, vin: str) -> VehicleCapability:
        """What the vehicle can do (remote features, charging immediate start/stop, data scopes)."""
        body = await self._request("GET", f"/accounts/vehicles/{vehicle_path_id(vin)}/capability")
        return VehicleCapability.from_payload(body)

    async def get_latest_telemetry(self, vin: str) -> LatestTelemetry:
        """The latest aggregated telemetry (position, doors, energies, ...)."""
        body = await self._request("GET", f"/accounts/vehicles/{vehicle_path_id(vin)}/telemetries/latest")
        return LatestTelemetry(raw=body if isinstance(body, dict) else {})

    # -- channels --------------------------------------------------------------------------------

    async def list_channels(self, *, types: Sequence[str] | None = None) -> list[Channel]:
        """Every notification channel of the account (optionally only of the given types)."""
        params = {"types": ",".join(types)} if types else None
        items = [item async for item in self._paged("/accounts/channels", "channels", params=params)]
        return [Channel.model_validate(item) for item in items]

    async def create_channel(self, subscribe: ChannelSubscribe) -> ChannelRef:
        """Create a channel (the account holds at most 5)."""
        body = await self._request(
            "POST", "/accounts/channels", json_body=subscribe.to_wire(), idempotent=False
        )
        return ChannelRef.model_validate(body)

    async def get_channel(self, channel_id: str) -> Channel:
        """One channel by id."""
        body = await self._request("GET", f"/accounts/channels/{quote(channel_id, safe='')}")
        return Channel.model_validate(body)

    async def update_channel(self, channel_id: str, subscribe: ChannelSubscribe) -> ChannelRef:
        """Replace a channel's settings (full object, same channel kind)."""
        path = f"/accounts/channels/{quote(channel_id, safe='')}"
        body = await self._request("PUT", path, json_body=subscribe.to_wire())
        return ChannelRef.model_validate(body)

    async def set_channel_status(self, channel_id: str, status: ChannelStatus) -> ChannelRef:
        """Start (Running) or pause (Paused) a channel's notifications."""
        path = f"/accounts/channels/{quote(channel_id, safe='')}/status"
        body = await self._request("PUT", path, json_body={"status": status})
        return ChannelRef.model_validate(body)

    async def delete_channel(self, channel_id: str) -> None:
        """Delete a channel (refused by the vendor while remotes on it are pending)."""
        await self._request("DELETE", f"/accounts/channels/{quote(channel_id, safe='')}")

    # -- remotes ---------------------------------------------------------------------------------

    async def send_remote(self, vin: str, channel_id: str, body: Mapping[str, Any]) -> RemotePostResponse:
        """POST one remote action; never resent on timeout or 5xx (reconcile with find_remote_by_label)."""
        answer = await self._request(
            "POST", self._remotes_path(vin, channel_id), json_body=body, idempotent=False
        )
        return RemotePostResponse.model_validate(answer)

    async def get_remote(self, vin: str, channel_id: str, remote_action_id: str) -> RemoteAction:
        """One remote action with its latest status."""
        path = f"{self._remotes_path(vin, channel_id)}/{quote(remote_action_id, safe='')}"
        return RemoteAction.model_validate(await self._request("GET", path))

    async def iter_remotes(
        self, vin: str, channel_id: str, *, page_size: int | None = None
    ) -> AsyncIterator[RemoteAction]:
        """The vehicle's remote actions on a channel, newest first, fetched page by page."""
        async for item in self._paged(
            self._remotes_path(vin, channel_id), "remoteActions", page_size=page_size
        ):
            yield RemoteAction.model_validate(item)

    async def list_remotes(
        self, vin: str, channel_id: str, *, page_size: int | None = None
    ) -> list[RemoteAction]:
        """All of the vehicle's remote actions on a channel, newest first."""
        return [item async for item in self.iter_remotes(vin, channel_id, page_size=page_size)]

    async def find_remote_by_label(self, vin: str, channel_id: str, label: str) -> RemoteAction | None:
        """The newest remote sent with `label`, or None: how a POST that timed out is reconciled."""
        async for remote in self.iter_remotes(vin, channel_id):
            if remote.label == label:
                return remote
        return None

    # -- plumbing --------------------------------------------------------------------------------

    def _remotes_path(self, vin: str, channel_id: str) -> str:
        return f"/accounts/vehicles/{vehicle_path_id(vin)}/channels/{quote(channel_id, safe='')}/remotes"


def create_client(
    session: aiohttp.ClientSession,
    *,
    api_url: str,
    token_url: str,
    client_id: str,
    scope: str | None = None,
    client_secret: str | None = None,
    cert_file: Path | str | None = None,
    key_file: Path | str | None = None,
    ca_file: Path | str | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> StellantisClient:
    """Wire a client and its token provider from settings values (one TLS context for both)."""
    context = build_ssl_context(cert_file, key_file, ca_file)
    tokens = TokenProvider(
        session,
        token_url=token_url,
        client_id=client_id,
        scope=scope,
        client_secret=client_secret,
        ssl_context=context,
        timeout_seconds=timeout_seconds,
    )
    return StellantisClient(
        VendorTransport(
            session,
            api_url=api_url,
            client_id=client_id,
            credentials=BearerTokens(tokens),
            ssl_context=context,
            timeout_seconds=timeout_seconds,
        )
    )

"""Client of the Stellantis Fleet Owner B2B v3 API: fleets, vehicles, status, remote callbacks, remotes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.vehicle.fleet_wire import (
    CallbackRef,
    CallbackStatus,
    Fleet,
    FleetVehicle,
    RemoteCallback,
    RemoteCallbackSubscribe,
    capability_from_vehicle,
    telemetry_from_status,
)
from bot.vehicle.token import build_ssl_context
from bot.vehicle.transport import DEFAULT_TIMEOUT_SECONDS, BasicLogin, TransportClient, VendorTransport
from bot.vehicle.wire import LatestTelemetry, RemoteAction, RemotePostResponse, VehicleCapability

VEHICLES_PAGE_SIZE = 60  # the vendor's maximum


def _part(value: str) -> str:
    return quote(value, safe="")


class FleetOwnerClient(TransportClient):
    """Typed calls to the Fleet Owner v3 API; every vendor failure surfaces as a VendorError."""

    # -- fleets and vehicles ---------------------------------------------------------------------

    async def list_fleets(self) -> list[Fleet]:
        """Every fleet the partner account sees."""
        return [Fleet.model_validate(item) async for item in self._paged("/fleets", "fleets")]

    async def list_vehicles(self, fleet_id: str) -> list[FleetVehicle]:
        """Every vehicle of the fleet, following the pages to the end."""
        items = self._paged(f"/fleets/{_part(fleet_id)}/vehicles", "vehicles", page_size=VEHICLES_PAGE_SIZE)
        return [FleetVehicle.model_validate(item) async for item in items]

    async def get_capability(self, fleet_id: str, vehicle_id: str) -> VehicleCapability:
        """What the vehicle can do, from its `onboardCapabilities` extension."""
        path = f"/fleets/{_part(fleet_id)}/vehicles/{_part(vehicle_id)}"
        return capability_from_vehicle(
            await self._request("GET", path, params={"extension": "onboardCapabilities"})
        )

    async def get_status(self, fleet_id: str, vehicle_id: str) -> LatestTelemetry:
        """The vehicle's latest status (last position with its time, doors, energies)."""
        path = f"/fleets/{_part(fleet_id)}/vehicles/{_part(vehicle_id)}/status"
        return telemetry_from_status(await self._request("GET", path))

    # -- remote callbacks ------------------------------------------------------------------------

    async def list_callbacks(self, fleet_id: str) -> list[RemoteCallback]:
        """Every remote callback of the fleet."""
        items = self._paged(f"/fleets/{_part(fleet_id)}/remote/callbacks", "callbacks")
        return [RemoteCallback.model_validate(item) async for item in items]

    async def get_callback(self, fleet_id: str, callback_id: str) -> RemoteCallback:
        """One remote callback."""
        path = f"/fleets/{_part(fleet_id)}/remote/callbacks/{_part(callback_id)}"
        return RemoteCallback.model_validate(await self._request("GET", path))

    async def create_callback(self, fleet_id: str, subscribe: RemoteCallbackSubscribe) -> CallbackRef:
        """Create a remote callback."""
        path = f"/fleets/{_part(fleet_id)}/remote/callbacks"
        body = await self._request("POST", path, json_body=subscribe.to_wire(), idempotent=False)
        return CallbackRef.model_validate(body)

    async def replace_callback(
        self, fleet_id: str, callback_id: str, subscribe: RemoteCallbackSubscribe
    ) -> CallbackRef:
        """Replace a callback's settings (the vendor takes the full object)."""
        path = f"/fleets/{_part(fleet_id)}/remote/callbacks/{_part(callback_id)}"
        return CallbackRef.model_validate(await self._request("PUT", path, json_body=subscribe.to_wire()))

    async def set_callback_status(
        self, fleet_id: str, callback_id: str, status: CallbackStatus
    ) -> CallbackRef:
        """Resume (Running) or pause (Paused) a callback's notifications."""
        path = f"/fleets/{_part(fleet_id)}/remote/callbacks/{_part(callback_id)}/status"
        return CallbackRef.model_validate(await self._request("PUT", path, json_body={"status": status}))

    # -- remotes ---------------------------------------------------------------------------------

    async def send_remote(
        self, fleet_id: str, vehicle_id: str, callback_id: str, body: Mapping[str, Any]
    ) -> RemotePostResponse:
        """POST one remote; never resent on timeout or 5xx (reconcile with find_remote_by_label)."""
        path = self._remotes_path(fleet_id, vehicle_id, callback_id)
        answer = await self._request("POST", path, json_body=body, idempotent=False)
        return RemotePostResponse.model_validate(answer)

    async def get_remote(
        self, fleet_id: str, vehicle_id: str, callback_id: str, remote_action_id: str
    ) -> RemoteAction:
        """One remote with its latest status."""
        path = f"{self._remotes_path(fleet_id, vehicle_id, callback_id)}/{_part(remote_action_id)}"
        return RemoteAction.model_validate(await self._request("GET", path))

    async def iter_remotes(
        self, fleet_id: str, vehicle_id: str, callback_id: str
    ) -> AsyncIterator[RemoteAction]:
        """The vehicle's remotes on a callback, page by page."""
        path = self._remotes_path(fleet_id, vehicle_id, callback_id)
        async for item in self._paged(path, "remoteActions"):
            yield RemoteAction.model_validate(item)

    async def find_remote_by_label(
        self, fleet_id: str, vehicle_id: str, callback_id: str, label: str
    ) -> RemoteAction | None:
        """The remote sent with `label`, or None: how a POST whose answer was lost is reconciled."""
        async for remote in self.iter_remotes(fleet_id, vehicle_id, callback_id):
            if remote.label == label:
                return remote
        return None

    @staticmethod
    def _remotes_path(fleet_id: str, vehicle_id: str, callback_id: str) -> str:
        return (
            f"/fleets/{_part(fleet_id)}/vehicles/{_part(vehicle_id)}/callbacks/{_part(callback_id)}/remotes"
        )


def create_fleet_client(
    session: aiohttp.ClientSession,
    *,
    api_url: str,
    client_id: str,
    login: str,
    password: str,
    cert_file: Path | str | None = None,
    key_file: Path | str | None = None,
    ca_file: Path | str | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> FleetOwnerClient:
    """Wire a v3 client from settings values: Basic login, client_id, mutual TLS."""
    return FleetOwnerClient(
        VendorTransport(
            session,
            api_url=api_url,
            client_id=client_id,
            credentials=BasicLogin(login, password),
            ssl_context=build_ssl_context(cert_file, key_file, ca_file),
            timeout_seconds=timeout_seconds,
        )
    )

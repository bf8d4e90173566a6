"""Client of the Stellantis data-treatment v1 API: vehicles, capability, channels, remotes, telemetry."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import aiohttp

from bot.vehicle.errors import (
    VendorConnectionError,
    VendorError,
    VendorTimeoutError,
    error_from_response,
)
from bot.vehicle.token import TokenProvider, build_ssl_context
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
    link_href,
)

DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_PAGES = 1000  # a guard against a vendor that keeps answering with a `next` link


def vehicle_path_id(vin: str) -> str:
    """The `{id}` of a vehicle in API paths (inferred to be the VIN; the only place that decides it)."""
    return quote(vin, safe="")


class StellantisClient:
    """Typed calls to the data-treatment v1 API; every vendor failure surfaces as a VendorError."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_url: str,
        client_id: str,
        tokens: TokenProvider,
        ssl_context: ssl.SSLContext | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._session = session
        self._api_url = api_url.rstrip("/")
        self._client_id = client_id
        self._tokens = tokens
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._timeout = timeout_seconds

    def __repr__(self) -> str:
        return f"StellantisClient(api_url={self._api_url!r}, client_id={self._client_id!r})"

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

    async def _paged(
        self,
        path: str,
        embedded_key: str,
        *,
        params: Mapping[str, str] | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        query: dict[str, str] = dict(params or {})
        if page_size is not None:
            query["pageSize"] = str(page_size)
        url = self._api_url + path
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            body = await self._request("GET", url, params=query, absolute=True)
            if not isinstance(body, dict):
                return
            embedded = body.get("_embedded")
            items = embedded.get(embedded_key) if isinstance(embedded, dict) else None
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict):
                    yield item
            next_href = link_href(body.get("_links"), "next")
            if not next_href or next_href in seen:
                return
            seen.add(next_href)
            url, query = self._next_page(url, next_href, query)

    def _next_page(self, url: str, next_href: str, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        # Prefer re-issuing the same call with the page token (pageSize must not be sent with it);
        # otherwise follow the link itself, resolved against the API base.
        tokens = parse_qs(urlsplit(next_href).query).get("pageToken")
        if tokens:
            kept = {k: v for k, v in query.items() if k not in ("pageSize", "pageToken", "indexRange")}
            return url, {**kept, "pageToken": tokens[0]}
        resolved = urljoin(self._api_url + "/", next_href)
        split = urlsplit(resolved)
        flat = {k: v[0] for k, v in parse_qs(split.query).items() if k != "client_id"}
        return split._replace(query="").geturl(), flat

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        absolute: bool = False,
    ) -> Any:
        url = path if absolute else self._api_url + path
        auth_retried = False
        connection_retried = False
        while True:
            token = await self._tokens.get()
            try:
                status, body, headers = await self._send(method, url, token, params, json_body)
            except aiohttp.ClientConnectorError as error:
                # Not connected at all: nothing reached the vendor, so even a POST may be retried once.
                if not connection_retried:
                    connection_retried = True
                    continue
                raise VendorConnectionError(
                    f"The vehicle cloud could not be reached ({type(error).__name__}) "
                    f"for {method} {_shown(url)}."
                ) from None
            except TimeoutError:
                raise VendorTimeoutError(
                    f"The vehicle cloud did not answer {method} {_shown(url)} within {self._timeout:g} s"
                    + ("" if idempotent else "; the action may or may not have been taken")
                    + "."
                ) from None
            except aiohttp.ClientError as error:
                if idempotent and not connection_retried:
                    connection_retried = True
                    continue
                raise VendorTimeoutError(
                    f"The connection to the vehicle cloud broke during {method} {_shown(url)} "
                    f"({type(error).__name__}); the outcome is unknown."
                ) from None
            if status == 401 and not auth_retried:
                auth_retried = True
                self._tokens.invalidate(token)
                continue
            if 200 <= status < 300:
                return body
            raise _with_context(error_from_response(status, body, headers), method, url)

    async def _send(
        self, method: str, url: str, token: str, params: Mapping[str, str] | None, json_body: Any
    ) -> tuple[int, Any, Mapping[str, str]]:
        query = {**(params or {}), "client_id": self._client_id}
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/hal+json, application/json"}
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        async with self._session.request(
            method, url, params=query, json=json_body, headers=headers, ssl=self._ssl, timeout=timeout
        ) as response:
            text = await response.text()
            try:
                body: Any = json.loads(text) if text else None
            except ValueError:
                body = None if response.status < 300 else {"message": text[:200]}
            return response.status, body, response.headers


def _shown(url: str) -> str:
    return urlsplit(url).path


def _with_context(error: VendorError, method: str, url: str) -> VendorError:
    error.args = (f"{error.args[0]} (request: {method} {_shown(url)})",)
    return error


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
        session,
        api_url=api_url,
        client_id=client_id,
        tokens=tokens,
        ssl_context=context,
        timeout_seconds=timeout_seconds,
    )

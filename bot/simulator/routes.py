"""HTTP endpoints of the simulator: the OAuth2 token endpoint and the data-treatment v1 API subset."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.simulator import payloads
from bot.simulator.app import API_PREFIX, STATE_PATH, TOKEN_PATH, RecordedPost
from bot.simulator.fleet_routes import FleetRoutes, add_fleet_routes
from bot.simulator.paging import PageError, hal_page, read_page
from bot.simulator.records import SimChannel
from bot.simulator.remote_reader import parse_remote
from bot.vehicle.errors import MAX_CHANNELS
from bot.vehicle.features.base import RemoteBodyError

if TYPE_CHECKING:
    from bot.simulator.app import Simulator
    from bot.simulator.fleet import SimVehicle

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HAL = "application/hal+json"


class VendorHTTPError(Exception):
    """Raised by a handler to answer with the vendor error body."""

    def __init__(self, status: int, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.name = name


def _json(body: Any, status: int = 200, content_type: str = HAL) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type=content_type)


def _error(status: int, message: str, name: str | None = None) -> web.Response:
    return _json(payloads.error_body(status, message, name), status, "application/json")


class Routes:
    """Request handlers bound to one Simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    # -- cross-cutting ---------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Injected failures first, then client_id and bearer checks, then vendor-shaped errors."""
        self.sim.request_log.append((request.method, request.path))
        injection = self.sim.take_injection(request.method, request.path)
        if injection is not None:
            await asyncio.sleep(injection.delay_seconds)
            return web.Response(
                status=injection.status,
                text="" if injection.body is None else json.dumps(injection.body),
                content_type="application/json",
                headers=injection.headers,
            )
        if request.path.startswith(API_PREFIX):
            if request.query.get("client_id") != self.sim.client_id:
                return _error(401, "The client_id query parameter is missing or unknown.")
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not self.sim.token_valid(token.strip()):
                return _error(401, "The bearer token is missing, invalid or expired.")
        try:
            return await handler(request)
        except VendorHTTPError as error:
            return _error(error.status, str(error), error.name)
        except web.HTTPNotFound:
            return _error(404, f"No resource at {request.path}.")
        except web.HTTPMethodNotAllowed:
            return _error(405, f"{request.method} is not allowed on {request.path}.", "METHOD_NOT_ALLOWED")

    def _api_url(self, request: web.Request) -> str:
        return str(request.url.origin()) + API_PREFIX

    def _vehicle(self, request: web.Request) -> SimVehicle:
        vin = request.match_info["id"]
        vehicle = self.sim.vehicles.get(vin)
        if vehicle is None:
            raise VendorHTTPError(404, f"Vehicle {vin} is not part of this account.")
        return vehicle

    def _channel(self, request: web.Request) -> SimChannel:
        channel = self.sim.channels.get(request.match_info["chId"])
        if channel is None:
            raise VendorHTTPError(404, f"Channel {request.match_info['chId']} does not exist.")
        return channel

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise VendorHTTPError(400, "The request body is not valid JSON.") from None

    def _page(self, request: web.Request, items: list[Any], key: str) -> dict[str, Any]:
        try:
            offset, size = read_page(request.query, default_size=100, max_size=500)
        except PageError as error:
            raise VendorHTTPError(400, str(error)) from None
        base = str(request.url.with_query(None))
        return hal_page(str(request.url), base, items, key, offset, size)

    # -- token and debug -------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        """POST /oauth2/token (client credentials)."""
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return _json({"error": "unsupported_grant_type"}, 400, "application/json")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if not self.sim.check_client(
            client_id if isinstance(client_id, str) else None, secret if isinstance(secret, str) else None
        ):
            return _json(
                {"error": "invalid_client", "error_description": "unknown client"}, 401, "application/json"
            )
        scope = form.get("scope")
        return _json(
            {
                "access_token": self.sim.issue_token(),
                "token_type": "Bearer",
                "expires_in": int(self.sim.token_ttl_seconds),
                "scope": scope if isinstance(scope, str) else "",
            },
            content_type="application/json",
        )

    async def state(self, request: web.Request) -> web.Response:
        """GET /_simulator/state: the fleet state (demo aid, no secrets)."""
        return _json(
            {v.alias: v.snapshot() for v in self.sim.vehicles.values()}, content_type="application/json"
        )

    # -- vehicles --------------------------------------------------------------------------------

    async def vehicles(self, request: web.Request) -> web.Response:
        """GET /accounts/vehicles (paged)."""
        api = self._api_url(request)
        items = [payloads.vehicle_summary(v, api) for v in self.sim.vehicles.values()]
        return _json(self._page(request, items, "vehicles"))

    async def vehicle(self, request: web.Request) -> web.Response:
        """GET /accounts/vehicles/{id}."""
        return _json(payloads.vehicle_summary(self._vehicle(request), self._api_url(request)))

    async def capability(self, request: web.Request) -> web.Response:
        """GET /accounts/vehicles/{id}/capability."""
        return _json(payloads.capability(self._vehicle(request)))

    async def telemetry(self, request: web.Request) -> web.Response:
        """GET /accounts/vehicles/{id}/telemetries/latest."""
        return _json(payloads.latest_telemetry(self._vehicle(request), self._api_url(request)))

    # -- channels --------------------------------------------------------------------------------

    async def list_channels(self, request: web.Request) -> web.Response:
        """GET /accounts/channels (optionally filtered by `types`)."""
        wanted = {t for value in request.query.getall("types", []) for t in value.split(",") if t}
        api = self._api_url(request)
        items = [
            channel.to_json(api)
            for channel in self.sim.channels.values()
            if not wanted or not channel.subscribe.get("type") or wanted & set(channel.subscribe["type"])
        ]
        return _json(self._page(request, items, "channels"))

    async def create_channel(self, request: web.Request) -> web.Response:
        """POST /accounts/channels (at most 5 per account)."""
        subscribe = _check_subscribe(await self._body(request))
        if len(self.sim.channels) >= MAX_CHANNELS:
            raise VendorHTTPError(
                400, f"The account already has {MAX_CHANNELS} channels.", "CHANNEL_LIMIT_REACHED"
            )
        channel = SimChannel(id=uuid.uuid4().hex, subscribe=subscribe)
        self.sim.channels[channel.id] = channel
        return _json(channel.ref_json(self._api_url(request)))

    async def get_channel(self, request: web.Request) -> web.Response:
        """GET /accounts/channels/{chId}."""
        return _json(self._channel(request).to_json(self._api_url(request)))

    async def update_channel(self, request: web.Request) -> web.Response:
        """PUT /accounts/channels/{chId}: full replacement, same channel kind."""
        channel = self._channel(request)
        subscribe = _check_subscribe(await self._body(request))
        if set(subscribe["channel"]) != set(channel.subscribe["channel"]):
            raise VendorHTTPError(400, "The channel kind (webhook, websocket, pushnotif) cannot change.")
        channel.subscribe = subscribe
        channel.updated_at = payloads.now_iso()
        return _json(channel.ref_json(self._api_url(request)), 202)

    async def channel_status(self, request: web.Request) -> web.Response:
        """PUT /accounts/channels/{chId}/status."""
        channel = self._channel(request)
        body = await self._body(request)
        if not isinstance(body, dict) or body.get("status") not in ("Running", "Paused") or len(body) != 1:
            raise VendorHTTPError(400, 'The body must be {"status": "Running" | "Paused"}.')
        channel.status = body["status"]
        channel.updated_at = payloads.now_iso()
        self.sim.deliverer.wake(channel.id)
        return _json(channel.ref_json(self._api_url(request)), 202)

    async def delete_channel(self, request: web.Request) -> web.Response:
        """DELETE /accounts/channels/{chId}: refused while remotes on it are pending."""
        channel = self._channel(request)
        if any(r.channel_id == channel.id and not r.done for r in self.sim.remotes):
            raise VendorHTTPError(400, "The channel has pending remotes.")
        del self.sim.channels[channel.id]
        await self.sim.deliverer.drop(channel.id)
        return web.Response(status=204)

    # -- remotes ---------------------------------------------------------------------------------

    async def send_remote(self, request: web.Request) -> web.Response:
        """POST /accounts/vehicles/{id}/channels/{chId}/remotes."""
        vehicle, channel = self._vehicle(request), self._channel(request)
        body = await self._body(request)
        self.sim.remote_posts.append(RecordedPost(vehicle.vin, channel.id, body))
        try:
            parsed = parse_remote(body)
        except RemoteBodyError as error:
            raise VendorHTTPError(400, f"Invalid remote: {error}") from None
        types = channel.subscribe.get("type")
        if types and "Remote" not in types:
            raise VendorHTTPError(400, f"Channel {channel.id} does not accept remotes.")
        if parsed.action_key not in vehicle.features:
            return _json(
                payloads.not_supported_body(
                    f"Remote operation {parsed.action_key} is not supported by the vehicle"
                ),
                501,
                "application/json",
            )
        remote = self.sim.accept_remote(vehicle, channel, body, parsed)
        if self.sim.stall_seconds > 0:
            await asyncio.sleep(self.sim.stall_seconds)
        return _json(remote.post_json(self._api_url(request)), 202)

    async def list_remotes(self, request: web.Request) -> web.Response:
        """GET /accounts/vehicles/{id}/channels/{chId}/remotes (newest first, paged)."""
        vehicle, channel = self._vehicle(request), self._channel(request)
        api = self._api_url(request)
        items = [r.to_json(api) for r in self.sim.remotes_for(vehicle.vin, channel.id)]
        return _json(self._page(request, items, "remoteActions"))

    async def get_remote(self, request: web.Request) -> web.Response:
        """GET /accounts/vehicles/{id}/channels/{chId}/remotes/{rid}."""
        vehicle, channel = self._vehicle(request), self._channel(request)
        rid = request.match_info["rid"]
        for remote in self.sim.remotes_for(vehicle.vin, channel.id):
            if remote.remote_action_id == rid:
                return _json(remote.to_json(self._api_url(request)))
        raise VendorHTTPError(404, f"Remote action {rid} does not exist.")


def _check_subscribe(body: Any) -> dict[str, Any]:
    """Validate a ChannelSubscribe body (webhook channels only); returns it unchanged."""
    if not isinstance(body, dict) or not isinstance(body.get("channel"), dict):
        raise VendorHTTPError(400, "channel is required.")
    if "label" in body and not isinstance(body["label"], str):
        raise VendorHTTPError(400, "label must be a string.")
    kinds = body.get("type")
    if kinds is not None and (not isinstance(kinds, list) or not set(kinds) <= {"Monitor", "Remote"}):
        raise VendorHTTPError(400, "type must be a list of Monitor and/or Remote.")
    channel = body["channel"]
    if len(channel) != 1 or next(iter(channel)) not in ("webhook", "websocket", "pushnotif"):
        raise VendorHTTPError(400, "channel must hold exactly one of webhook, websocket, pushnotif.")
    if "webhook" not in channel:
        raise VendorHTTPError(501, "Only webhook channels are simulated.", "FEATURE_NOT_SUPPORTED")
    webhook = channel["webhook"]
    if not isinstance(webhook, dict) or not isinstance(webhook.get("name"), str):
        raise VendorHTTPError(400, "webhook.name is required.")
    target = webhook.get("target")
    if not isinstance(target, str) or not target.startswith(("http://", "https://")):
        raise VendorHTTPError(400, "webhook.target must be an http(s) URL.")
    for index, attribute in enumerate(webhook.get("attributes", [])):
        if (
            not isinstance(attribute, dict)
            or attribute.get("type") not in ("Header", "Query")
            or not all(isinstance(attribute.get(k), str) for k in ("key", "value"))
        ):
            raise VendorHTTPError(400, f"webhook.attributes[{index}] needs type Header|Query, key and value.")
    return body


def build_app(sim: Simulator) -> web.Application:
    """The aiohttp application of `sim`: the v1 API, and the Fleet Owner v3 API beside it."""
    routes = Routes(sim)
    fleet_routes = FleetRoutes(sim)
    app = web.Application(middlewares=[routes.middleware, fleet_routes.middleware])
    add_fleet_routes(app, fleet_routes)
    p = API_PREFIX
    remotes = f"{p}/accounts/vehicles/{{id}}/channels/{{chId}}/remotes"
    app.router.add_post(TOKEN_PATH, routes.token)
    app.router.add_get(STATE_PATH, routes.state)
    app.router.add_get(f"{p}/accounts/vehicles", routes.vehicles)
    app.router.add_get(f"{p}/accounts/vehicles/{{id}}", routes.vehicle)
    app.router.add_get(f"{p}/accounts/vehicles/{{id}}/capability", routes.capability)
    app.router.add_get(f"{p}/accounts/vehicles/{{id}}/telemetries/latest", routes.telemetry)
    app.router.add_get(f"{p}/accounts/channels", routes.list_channels)
    app.router.add_post(f"{p}/accounts/channels", routes.create_channel)
    app.router.add_get(f"{p}/accounts/channels/{{chId}}", routes.get_channel)
    app.router.add_put(f"{p}/accounts/channels/{{chId}}", routes.update_channel)
    app.router.add_delete(f"{p}/accounts/channels/{{chId}}", routes.delete_channel)
    app.router.add_put(f"{p}/accounts/channels/{{chId}}/status", routes.channel_status)
    app.router.add_post(remotes, routes.send_remote)
    app.router.add_get(remotes, routes.list_remotes)
    app.router.add_get(f"{remotes}/{{rid}}", routes.get_remote)
    return app

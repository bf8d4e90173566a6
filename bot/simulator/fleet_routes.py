"""HTTP endpoints of the simulator's Fleet Owner B2B v3 API: fleets, vehicles, status, callbacks, remotes.

Every call needs HTTP Basic with the configured login (401) and `client_id` (400 when missing, 401 when
unknown), counts against the day and burst quotas (`X-RateLimit-*` on every answer, 429 + `Retry-After`
when spent), and every error is a v3 `{code, uuid, message, timestamp}`. A remote whose RemoteType is not
in its callback's `remoteTypes` is refused with 400 (code 40003): the spec does not say what happens.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.simulator import fleet_records as records
from bot.simulator.app import RecordedPost
from bot.simulator.fleet_api import FLEET_PREFIX, FleetApi, onboard_capabilities
from bot.simulator.fleet_reader import REMOTE_TYPES, read_callback_subscribe, read_fleet_remote
from bot.simulator.fleet_records import SimCallback, error_body
from bot.simulator.paging import PageError, hal_page, read_page
from bot.vehicle.features.base import RemoteBodyError

if TYPE_CHECKING:
    from bot.simulator.app import Simulator
    from bot.simulator.fleet import SimVehicle

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HAL = "application/hal+json"
PAGE_SIZE_MAX = 60
VEHICLE_EXTENSIONS = ("onboardCapabilities", "branding", "pictures")


class FleetHTTPError(Exception):
    """Raised by a handler to answer with a v3 error body."""

    def __init__(self, status: int, message: str, detail: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type=HAL)


def _error(status: int, message: str, detail: int = 0, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(error_body(status, message, detail)),
        content_type="application/json",
        headers=headers,
    )


def _refused(error: RemoteBodyError) -> FleetHTTPError:
    return FleetHTTPError(400, f"Invalid body: {error}", records.CODE_BAD_BODY)


class FleetRoutes:
    """Request handlers of the v3 API, bound to one Simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.api: FleetApi = sim.fleet_api

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Basic login, client_id and quotas on the v3 paths, then v3-shaped errors and rate headers."""
        if not request.path.startswith(FLEET_PREFIX):
            return await handler(request)
        if not self.api.check_login(request.headers.get("Authorization", "")):
            return _error(
                401,
                "HTTP Basic credentials are missing or wrong.",
                records.CODE_CREDENTIALS,
                {"WWW-Authenticate": 'Basic realm="connectedcar"'},
            )
        client_id = request.query.get("client_id")
        if not client_id:
            return _error(400, "The client_id query parameter is required.", records.CODE_BAD_QUERY)
        if client_id != self.sim.client_id:
            return _error(401, "The client_id is unknown.", records.CODE_CLIENT_ID)
        decision = self.api.limiter.take()
        if not decision.allowed:
            which = "burst" if decision.burst else "day"
            detail = records.CODE_BURST_LIMIT if decision.burst else records.CODE_DAY_LIMIT
            return _error(429, f"The {which} rate limit is exhausted.", detail, decision.headers)
        try:
            response = await handler(request)
        except FleetHTTPError as error:
            response = _error(error.status, str(error), error.detail)
        except web.HTTPNotFound:
            response = _error(404, f"No resource at {request.path}.", records.CODE_NOT_FOUND)
        except web.HTTPMethodNotAllowed:
            response = _error(405, f"{request.method} is not allowed on {request.path}.", records.CODE_METHOD)
        response.headers.update(decision.headers)
        return response

    # -- helpers -------------------------------------------------------------------------------

    def _api_url(self, request: web.Request) -> str:
        return str(request.url.origin()) + FLEET_PREFIX

    def _fleet(self, request: web.Request) -> str:
        fid = request.match_info["fid"]
        if fid != self.api.fleet_id:
            raise FleetHTTPError(404, f"Fleet {fid} does not exist.", records.CODE_NOT_FOUND)
        return fid

    def _vehicle(self, request: web.Request) -> SimVehicle:
        self._fleet(request)
        vid = request.match_info["vid"]
        vin = self.api.vin_of(vid)
        if vin is None:
            raise FleetHTTPError(404, f"Vehicle {vid} is not part of this fleet.", records.CODE_NOT_FOUND)
        return self.sim.vehicles[vin]

    def _callback(self, request: web.Request) -> SimCallback:
        self._fleet(request)
        callback = self.api.callbacks.get(request.match_info["cbid"])
        if callback is None:
            raise FleetHTTPError(404, f"Callback {request.match_info['cbid']} does not exist.", 2)
        return callback

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise FleetHTTPError(400, "The request body is not valid JSON.", records.CODE_BAD_BODY) from None

    def _page(self, request: web.Request, items: list[Any], key: str) -> dict[str, Any]:
        try:
            offset, size = read_page(request.query, default_size=PAGE_SIZE_MAX, max_size=PAGE_SIZE_MAX)
        except PageError as error:
            raise FleetHTTPError(400, str(error), records.CODE_BAD_QUERY) from None
        base = str(request.url.with_query(None))
        return hal_page(str(request.url), base, items, key, offset, size)

    # -- fleets and vehicles -------------------------------------------------------------------

    async def fleets(self, request: web.Request) -> web.Response:
        """GET /fleets: the account's one fleet."""
        item = records.fleet_json(self.api.fleet_id, self.api.options.fleet_name, self._api_url(request))
        return _json(self._page(request, [item], "fleets"))

    async def fleet(self, request: web.Request) -> web.Response:
        """GET /fleets/{fid}."""
        fid = self._fleet(request)
        return _json(records.fleet_json(fid, self.api.options.fleet_name, self._api_url(request)))

    async def vehicles(self, request: web.Request) -> web.Response:
        """GET /fleets/{fid}/vehicles (paged, `vinPrefix` filter)."""
        fid = self._fleet(request)
        prefix = request.query.get("vinPrefix", "")
        api = self._api_url(request)
        items = [
            records.vehicle_json(v, fid, api) for v in self.sim.vehicles.values() if v.vin.startswith(prefix)
        ]
        return _json(self._page(request, items, "vehicles"))

    async def vehicle(self, request: web.Request) -> web.Response:
        """GET /fleets/{fid}/vehicles/{vid} (`extension=onboardCapabilities` embeds the capability)."""
        vehicle = self._vehicle(request)
        wanted = [e for value in request.query.getall("extension", []) for e in value.split(",") if e]
        for name in wanted:
            if name not in VEHICLE_EXTENSIONS:
                raise FleetHTTPError(
                    400, f"extension: {name!r} is not one of {', '.join(VEHICLE_EXTENSIONS)}.", 2
                )
        item = records.vehicle_json(vehicle, self.api.fleet_id, self._api_url(request))
        if "onboardCapabilities" in wanted:
            item["_embedded"] = {"extension": {"onboardCapabilities": onboard_capabilities(vehicle)}}
        return _json(item)

    async def status(self, request: web.Request) -> web.Response:
        """GET /fleets/{fid}/vehicles/{vid}/status."""
        vehicle = self._vehicle(request)
        return _json(records.status_json(vehicle, self.api.fleet_id, self._api_url(request)))

    # -- remote callbacks ----------------------------------------------------------------------

    async def list_callbacks(self, request: web.Request) -> web.Response:
        """GET /fleets/{fid}/remote/callbacks (paged, `types` filter)."""
        self._fleet(request)
        wanted = {t for value in request.query.getall("types", []) for t in value.split(",") if t}
        if not wanted <= set(REMOTE_TYPES):
            raise FleetHTTPError(400, f"types: unknown remote types {sorted(wanted - set(REMOTE_TYPES))}.", 2)
        api = self._api_url(request)
        items = [
            callback.to_json(api)
            for callback in self.api.callbacks.values()
            if not wanted or wanted & set(callback.remote_types)
        ]
        return _json(self._page(request, items, "callbacks"))

    async def create_callback(self, request: web.Request) -> web.Response:
        """POST /fleets/{fid}/remote/callbacks: 202 and the CallbackRef."""
        fid = self._fleet(request)
        try:
            subscribe = read_callback_subscribe(await self._body(request))
        except RemoteBodyError as error:
            raise _refused(error) from None
        callback = SimCallback(id=uuid.uuid4().hex, fleet_id=fid, subscribe=subscribe)
        self.api.callbacks[callback.id] = callback
        return _json(callback.ref_json(self._api_url(request)), 202)

    async def get_callback(self, request: web.Request) -> web.Response:
        """GET /fleets/{fid}/remote/callbacks/{cbid}."""
        return _json(self._callback(request).to_json(self._api_url(request)))

    async def replace_callback(self, request: web.Request) -> web.Response:
        """PUT /fleets/{fid}/remote/callbacks/{cbid}: full replacement (what is left out: its default)."""
        callback = self._callback(request)
        try:
            callback.subscribe = read_callback_subscribe(await self._body(request))
        except RemoteBodyError as error:
            raise _refused(error) from None
        self.api.deliverer.wake_all()
        return _json(callback.ref_json(self._api_url(request)), 202)

    async def callback_status(self, request: web.Request) -> web.Response:
        """PUT /fleets/{fid}/remote/callbacks/{cbid}/status with `{"status": "Running" | "Paused"}`."""
        callback = self._callback(request)
        body = await self._body(request)
        if (
            not isinstance(body, dict)
            or set(body) != {"status"}
            or body["status"] not in ("Running", "Paused")
        ):
            raise FleetHTTPError(
                400, 'The body must be {"status": "Running" | "Paused"}.', records.CODE_BAD_BODY
            )
        callback.status = body["status"]
        self.api.deliverer.wake_all()
        return _json(callback.ref_json(self._api_url(request)), 202)

    async def delete_callback(self, request: web.Request) -> web.Response:
        """DELETE /fleets/{fid}/remote/callbacks/{cbid}: refused while a remote on it is pending."""
        callback = self._callback(request)
        if any(r.api == "v3" and r.channel_id == callback.id and not r.done for r in self.sim.remotes):
            raise FleetHTTPError(400, "The callback has pending remotes.", records.CODE_PENDING_REMOTES)
        del self.api.callbacks[callback.id]
        await self.api.deliverer.drop(callback.id)
        return web.Response(status=204)

    # -- remotes -------------------------------------------------------------------------------

    async def send_remote(self, request: web.Request) -> web.Response:
        """POST .../vehicles/{vid}/callbacks/{cbid}/remotes: one action, 202 `{remoteActionId, type}`."""
        vehicle, callback = self._vehicle(request), self._callback(request)
        body = await self._body(request)
        self.sim.remote_posts.append(RecordedPost(vehicle.vin, callback.id, body))
        try:
            parsed = read_fleet_remote(body)
        except RemoteBodyError as error:
            raise _refused(error) from None
        if parsed.remote_type not in callback.remote_types:
            raise FleetHTTPError(
                400,
                f"remoteTypes: callback {callback.id} does not carry {parsed.remote_type} remotes.",
                records.CODE_REMOTE_TYPE_NOT_SUBSCRIBED,
            )
        if parsed.action_key not in vehicle.features:
            raise FleetHTTPError(
                400, f"The vehicle does not support {parsed.remote_type} remotes.", records.CODE_NOT_SUPPORTED
            )
        remote = self.sim.accept_fleet_remote(vehicle, callback, body, parsed)
        if self.sim.stall_seconds > 0:
            await asyncio.sleep(self.sim.stall_seconds)
        vid = request.match_info["vid"]
        return _json(records.remote_post_json(remote, self._api_url(request), self.api.fleet_id, vid), 202)

    async def list_remotes(self, request: web.Request) -> web.Response:
        """GET .../callbacks/{cbid}/remotes (newest first, paged)."""
        vehicle, callback = self._vehicle(request), self._callback(request)
        api, vid = self._api_url(request), request.match_info["vid"]
        items = [
            records.remote_json(r, api, self.api.fleet_id, vid)
            for r in self.sim.remotes_for(vehicle.vin, callback.id)
        ]
        return _json(self._page(request, items, "remoteActions"))

    async def get_remote(self, request: web.Request) -> web.Response:
        """GET .../callbacks/{cbid}/remotes/{rid}."""
        vehicle, callback = self._vehicle(request), self._callback(request)
        rid = request.match_info["rid"]
        for remote in self.sim.remotes_for(vehicle.vin, callback.id):
            if remote.remote_action_id == rid:
                api, vid = self._api_url(request), request.match_info["vid"]
                return _json(records.remote_json(remote, api, self.api.fleet_id, vid))
        raise FleetHTTPError(404, f"Remote action {rid} does not exist.", 3)


def add_fleet_routes(app: web.Application, routes: FleetRoutes) -> None:
    """Mount the v3 routes under FLEET_PREFIX (their middleware must be in the app's middlewares)."""
    p = FLEET_PREFIX
    fleet = f"{p}/fleets/{{fid}}"
    vehicle = f"{fleet}/vehicles/{{vid}}"
    callbacks = f"{fleet}/remote/callbacks"
    remotes = f"{vehicle}/callbacks/{{cbid}}/remotes"
    app.router.add_get(f"{p}/fleets", routes.fleets)
    app.router.add_get(fleet, routes.fleet)
    app.router.add_get(f"{fleet}/vehicles", routes.vehicles)
    app.router.add_get(vehicle, routes.vehicle)
    app.router.add_get(f"{vehicle}/status", routes.status)
    app.router.add_get(callbacks, routes.list_callbacks)
    app.router.add_post(callbacks, routes.create_callback)
    app.router.add_get(f"{callbacks}/{{cbid}}", routes.get_callback)
    app.router.add_put(f"{callbacks}/{{cbid}}", routes.replace_callback)
    app.router.add_delete(f"{callbacks}/{{cbid}}", routes.delete_callback)
    app.router.add_put(f"{callbacks}/{{cbid}}/status", routes.callback_status)
    app.router.add_post(remotes, routes.send_remote)
    app.router.add_get(remotes, routes.list_remotes)
    app.router.add_get(f"{remotes}/{{rid}}", routes.get_remote)

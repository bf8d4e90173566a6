"""Demo and test controls of the simulated fleet over HTTP: read it, change a vehicle, fail its next remote.

Mounted only by the demo's console (and the tests); neither `remote-bot serve` nor the standalone simulator
serves these routes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.simulator.app import Simulator

SIMULATOR_KEY = web.AppKey("simulator", Simulator)

# Failure causes the vendor documents for a remote's Done event, offered for "fail the next request".
FAILURE_CAUSES = (
    "VehicleConnectionTimeout",
    "GeneralError",
    "VehicleError",
    "NotPossibleDueToVehicleBatteryLevel",
    "TooManyRequestInShortTime",
    "MissingRights",
)
# What a control may change, and the type it takes.
SETTABLE: dict[str, type] = {
    "asleep": bool,
    "offline": bool,
    "doors_open": bool,
    "locked": bool,
    "stolen": bool,
    "immobilized": bool,
}


def fleet_state(sim: Simulator) -> dict[str, Any]:
    """Every vehicle's state by alias, with the failure causes a control may choose from."""
    return {
        "vehicles": {vehicle.alias: vehicle.snapshot() for vehicle in sim.vehicles.values()},
        "failure_causes": list(FAILURE_CAUSES),
    }


def _changes(body: object) -> dict[str, Any]:
    """The state changes a control body asks for; HTTPBadRequest names what is wrong."""
    if not isinstance(body, dict) or not body:
        raise web.HTTPBadRequest(text="the body must be a JSON object of state changes")
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name == "next_failure":
            if value is not None and value not in FAILURE_CAUSES:
                raise web.HTTPBadRequest(text=f"next_failure must be one of {', '.join(FAILURE_CAUSES)}")
        elif name not in SETTABLE:
            raise web.HTTPBadRequest(text=f"{name!r} cannot be set; settable: {', '.join(SETTABLE)}")
        elif not isinstance(value, SETTABLE[name]):
            raise web.HTTPBadRequest(text=f"{name} must be a JSON {SETTABLE[name].__name__}")
        changes[name] = value
    return changes


async def _state(request: web.Request) -> web.Response:
    return web.json_response(fleet_state(request.app[SIMULATOR_KEY]))


async def _control(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR_KEY]
    try:
        vehicle = sim.vehicle(request.match_info["alias"])
    except KeyError:
        raise web.HTTPNotFound(text="no such simulated vehicle") from None
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    vehicle.update(**_changes(body))
    return web.json_response(vehicle.snapshot())


def build_control_app(sim: Simulator) -> web.Application:
    """A sub-application: GET /state, POST /vehicles/{alias} with {"asleep": true, ...}."""
    app = web.Application()
    app[SIMULATOR_KEY] = sim
    app.router.add_get("/state", _state)
    app.router.add_post("/vehicles/{alias}", _control)
    return app

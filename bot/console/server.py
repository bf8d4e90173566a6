"""The console's web app: the page, its JSON and event-stream API, Slack's Web API, the fleet controls."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiohttp
from aiohttp import web

from bot.console.actions import Click, ConsoleError, run_click, run_command
from bot.console.view import COMMAND_DESCRIPTION, COMMAND_USAGE_HINT, people, suggestions, workspace_view
from bot.console.workspace import USERS
from bot.simulator.app import Simulator
from bot.simulator.control import build_control_app, fleet_state
from bot.slack_emulator import SlackDriver, SlackState, build_slack_api_app
from bot.slack_emulator.models import JSON
from bot.store.errors import STORE_UNAVAILABLE
from bot.store.last_reports import LastReports
from bot.store.wakeup_budget import WakeUpLedger

FLEET_PREFIX = "/console/fleet"
# How often an open event stream looks at the fleet (Slack changes wake it at once).
FLEET_POLL_SECONDS = 0.5
STATIC = resources.files("bot.console") / "static"
STATIC_TYPES = {"console.js": "text/javascript", "console.css": "text/css", "index.html": "text/html"}


@dataclass
class ConsoleConfig:
    """Where the bot listens and how Slack signs what it sends there."""

    bot_url: str
    signing_secret: str
    command: str = "/vehicle"


@dataclass(frozen=True)
class BotStores:
    """What the bot keeps about each vehicle that the fleet panel shows: wake-ups left, last report."""

    wakeups: WakeUpLedger
    last_reports: LastReports

    async def of_many(self, vins: Sequence[str]) -> dict[str, JSON]:
        """Each vehicle's wake-ups left this month and last report (unix time, None: never seen), by VIN."""
        wakeups = await self.wakeups.of_many(vins)
        reports = await self.last_reports.of_many(vins)
        return {
            vin: {
                "wakeups_left": wakeups[vin].left,
                "wakeup_allowance": wakeups[vin].allowance,
                "last_report": reports[vin],
            }
            for vin in vins
        }


@dataclass
class Console:
    """The console's running parts, shared by its handlers."""

    state: SlackState
    simulator: Simulator
    config: ConsoleConfig
    closing: asyncio.Event
    driver: SlackDriver | None = None
    bot: BotStores | None = None  # the bot's stores, once the bot runs


def show_bot_stores(app: web.Application, stores: BotStores) -> None:
    """Let the fleet panel show what the bot keeps about each vehicle (the bot starts after the console)."""
    app[CONSOLE_KEY].bot = stores


CONSOLE_KEY = web.AppKey("console", Console)
USER_IDS = frozenset(user.id for user in USERS)


async def _static(request: web.Request) -> web.Response:
    name = request.match_info.get("name", "index.html")
    if name not in STATIC_TYPES:
        raise web.HTTPNotFound()
    body = (STATIC / name).read_text(encoding="utf-8")
    return web.Response(text=body, content_type=STATIC_TYPES[name], headers={"Cache-Control": "no-store"})


async def _meta(request: web.Request) -> web.Response:
    console = request.app[CONSOLE_KEY]
    command = console.config.command
    return web.json_response(
        {
            "command": command,
            "description": COMMAND_DESCRIPTION,
            "usage_hint": COMMAND_USAGE_HINT,
            "people": people(),
            "suggestions": suggestions(command),
        }
    )


def _user(value: object) -> str:
    if not isinstance(value, str) or value not in USER_IDS:
        raise web.HTTPBadRequest(text="user must be one of the demo users")
    return value


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise web.HTTPBadRequest(text=f"{key} must be a non-empty string")
    return value


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _driver(console: Console) -> SlackDriver:
    if console.driver is None:
        raise web.HTTPServiceUnavailable(text="the console is starting")
    return console.driver


async def _command(request: web.Request) -> web.Response:
    console = request.app[CONSOLE_KEY]
    body = await _body(request)
    line = _text(body, "text") or ""
    if not line.startswith(console.config.command + " ") and line != console.config.command:
        return web.json_response({"error": f"Only {console.config.command} is installed here."}, status=400)
    try:
        await run_command(
            _driver(console),
            _user(body.get("user")),
            _text(body, "channel") or "",
            line,
            _text(body, "thread_ts", required=False),
        )
    except ConsoleError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"ok": True})


async def _click(request: web.Request) -> web.Response:
    console = request.app[CONSOLE_KEY]
    body = await _body(request)
    click = Click(
        user=_user(body.get("user")),
        channel=_text(body, "channel") or "",
        action_id=_text(body, "action_id") or "",
        ts=_text(body, "ts", required=False),
        ephemeral_id=_text(body, "ephemeral", required=False),
    )
    try:
        await run_click(_driver(console), click)
    except ConsoleError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"ok": True})


async def _bot_view(console: Console) -> dict[str, JSON]:
    """What the bot keeps about each simulated vehicle, by VIN (nothing while the bot or Redis is away)."""
    if console.bot is None:
        return {}
    try:
        return await console.bot.of_many(list(console.simulator.vehicles))
    except STORE_UNAVAILABLE:
        return {}


def _snapshot(console: Console, user: str, bot: dict[str, JSON]) -> str:
    view = workspace_view(console.state, user)
    fleet = fleet_state(console.simulator)
    for vehicle in fleet["vehicles"].values():
        vehicle["bot"] = bot.get(vehicle["vin"])
    view["fleet"] = fleet
    return json.dumps(view)


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the whole view of one user, sent again whenever it changes."""
    console = request.app[CONSOLE_KEY]
    user = _user(request.query.get("user"))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionResetError):  # the page went away
        await _stream(console, user, response)
    return response


async def _stream(console: Console, user: str, response: web.StreamResponse) -> None:
    """Send the view when it changes; a comment line otherwise, so a closed page is noticed."""
    sent = ""
    bot: dict[str, JSON] = {}

    def changed() -> bool:
        return console.closing.is_set() or _snapshot(console, user, bot) != sent

    while not console.closing.is_set():
        bot = await _bot_view(console)  # read again at least every FLEET_POLL_SECONDS
        current = _snapshot(console, user, bot)
        if current != sent:
            await response.write(f"data: {current}\n\n".encode())
            sent = current
        try:
            await console.state.wait_for(changed, timeout=FLEET_POLL_SECONDS)
        except TimeoutError:
            await response.write(b": still here\n\n")


def build_console_app(state: SlackState, simulator: Simulator, config: ConsoleConfig) -> web.Application:
    """The console: the page at /, its API under /console/, Slack's Web API under /api/ and /response/."""
    app = build_slack_api_app(state)
    console = Console(state, simulator, config, asyncio.Event())
    app[CONSOLE_KEY] = console

    async def driver_session(_app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            console.driver = SlackDriver(config.bot_url, config.signing_secret, state, session)
            yield
            console.driver = None

    async def close_streams(_app: web.Application) -> None:
        console.closing.set()
        state.notify()

    app.cleanup_ctx.append(driver_session)
    app.on_shutdown.append(close_streams)
    app.router.add_get("/", _static)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/console/api/meta", _meta)
    app.router.add_get("/console/api/events", _events)
    app.router.add_post("/console/api/command", _command)
    app.router.add_post("/console/api/click", _click)
    app.add_subapp(FLEET_PREFIX, build_control_app(simulator))
    return app

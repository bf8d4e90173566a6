"""The vehicle-cloud simulator: fleet state, channels, remotes, notifications, and the test controls."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.simulator import payloads
from bot.simulator.delivery import Deliverer, DeliveryAttempt, Notification
from bot.simulator.engine import DONE, Delays, RemoteEngine
from bot.simulator.fleet import SimVehicle
from bot.simulator.fleet_api import FleetApi, FleetOptions
from bot.simulator.fleet_records import SimCallback
from bot.simulator.records import SimChannel, SimRemote
from bot.simulator.remote_reader import ParsedRemote

API_PREFIX = "/connectedcar/v1"
TOKEN_PATH = "/oauth2/token"
STATE_PATH = "/_simulator/state"
DEFAULT_CLIENT_ID = "simulator-client"


@dataclass(frozen=True)
class RecordedPost:
    """A remote POST body as the simulator received it (whether accepted or not)."""

    vin: str
    channel_id: str
    body: Any


@dataclass
class Injection:
    """A canned answer for the next request(s) whose path contains `path_substring`."""

    path_substring: str
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    method: str | None = None
    remaining: int = 1


class Simulator:
    """In-memory Stellantis vehicle cloud over a fleet; `routes.build_app` serves it over HTTP."""

    def __init__(
        self,
        vehicles: Iterable[SimVehicle],
        *,
        client_id: str,
        client_secret: str | None = None,
        delay_scale: float = 1.0,
        redelivery_seconds: float = 10.0,
        token_ttl_seconds: float = 3600.0,
        delays: Delays | None = None,
        fleet_options: FleetOptions | None = None,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_ttl_seconds = token_ttl_seconds
        self.vehicles: dict[str, SimVehicle] = {vehicle.vin: vehicle for vehicle in vehicles}
        self.channels: dict[str, SimChannel] = {}
        self.remotes: list[SimRemote] = []
        self.remote_posts: list[RecordedPost] = []
        self.request_log: list[tuple[str, str]] = []  # (method, path) of every request received
        self.notifications: list[dict[str, Any]] = []
        self.token_requests = 0
        self.stall_seconds = 0.0
        self.deliverer = Deliverer(redelivery_seconds=redelivery_seconds)
        self.engine = RemoteEngine(self._emit, delay_scale=delay_scale, delays=delays)
        options = fleet_options or FleetOptions()
        time_scale = delay_scale if options.time_scale is None else options.time_scale
        self.fleet_api = FleetApi(options, self.vehicles.values(), time_scale=time_scale)
        self._tokens: dict[str, float] = {}
        self._injections: list[Injection] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"Simulator(vehicles={len(self.vehicles)}, channels={len(self.channels)})"

    # -- vehicle state -------------------------------------------------------------------------

    def vehicle(self, key: str) -> SimVehicle:
        """A vehicle by VIN or alias (KeyError when unknown)."""
        if key in self.vehicles:
            return self.vehicles[key]
        for vehicle in self.vehicles.values():
            if vehicle.alias == key:
                return vehicle
        raise KeyError(f"no simulated vehicle {key!r}")

    def set_vehicle(self, key: str, **changes: Any) -> SimVehicle:
        """Change a vehicle's state, e.g. set_vehicle("van-12", offline=True, battery=5, asleep=True)."""
        vehicle = self.vehicle(key)
        vehicle.update(**changes)
        return vehicle

    # -- test controls -------------------------------------------------------------------------

    def hold_deliveries(self) -> None:
        """Queue notifications instead of posting them, to build a backlog (v1 and v3 alike)."""
        self.deliverer.hold()
        self.fleet_api.deliverer.hold()

    def release_deliveries(self) -> None:
        """Post what was held: more than one queued for a v1 channel goes out as JSON arrays."""
        self.deliverer.release()
        self.fleet_api.deliverer.release()

    def fail_next(
        self,
        path_substring: str,
        status: int,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        delay_seconds: float = 0.0,
        method: str | None = None,
    ) -> None:
        """Answer the next `times` requests whose path contains `path_substring` with `status`/`body`."""
        if body is None and status >= 400:
            body = payloads.error_body(status, f"Injected error {status}.")
        self._injections.append(
            Injection(path_substring, status, body, dict(headers or {}), delay_seconds, method, times)
        )

    def take_injection(self, method: str, path: str) -> Injection | None:
        """The injection matching this request, consumed (None when there is none)."""
        for injection in self._injections:
            if injection.path_substring in path and injection.method in (None, method):
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def stall_remote_posts(self, seconds: float) -> None:
        """Accept remote POSTs (the remote runs) but answer them `seconds` late; 0 turns it off."""
        self.stall_seconds = seconds

    def revoke_tokens(self) -> None:
        """Invalidate every issued token, as if they had expired."""
        self._tokens.clear()

    @property
    def delivery_attempts(self) -> list[DeliveryAttempt]:
        """Every webhook POST made so far, with its answer."""
        return self.deliverer.attempts

    def is_idle(self) -> bool:
        """True when no remote is running and every notification has been delivered."""
        return not self._tasks and self.deliverer.pending == 0 and self.fleet_api.deliverer.pending == 0

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every running remote has finished and all its notifications are delivered."""
        deadline = time.monotonic() + timeout
        while not self.is_idle():
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"simulator still busy after {timeout:g} s: {len(self._tasks)} remotes running, "
                    f"{self.deliverer.pending + self.fleet_api.deliverer.pending} notifications undelivered"
                )
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        """Stop running remotes and deliveries."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.deliverer.close()
        await self.fleet_api.deliverer.close()

    # -- auth ------------------------------------------------------------------------------------

    def check_client(self, client_id: str | None, client_secret: str | None) -> bool:
        """Whether the token request's client credentials are ours."""
        if client_id != self.client_id:
            return False
        if self._client_secret is None:
            return True
        return client_secret is not None and secrets.compare_digest(client_secret, self._client_secret)

    def issue_token(self) -> str:
        """A new bearer token valid for token_ttl_seconds."""
        self.token_requests += 1
        token = f"sim-{secrets.token_urlsafe(24)}"
        self._tokens[token] = time.monotonic() + self.token_ttl_seconds
        return token

    def token_valid(self, token: str) -> bool:
        """Whether `token` was issued here and has not expired nor been revoked."""
        expiry = self._tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    # -- remotes ---------------------------------------------------------------------------------

    def accept_remote(
        self, vehicle: SimVehicle, channel: SimChannel, body: dict[str, Any], parsed: ParsedRemote
    ) -> SimRemote:
        """Record an accepted v1 remote and start running it in the background."""
        return self._start(vehicle, channel.id, body, parsed, type(parsed.feature).notification_type(), "v1")

    def accept_fleet_remote(
        self, vehicle: SimVehicle, callback: SimCallback, body: dict[str, Any], parsed: ParsedRemote
    ) -> SimRemote:
        """Record an accepted Fleet Owner v3 remote and start running it (its events go to `callback`)."""
        return self._start(vehicle, callback.id, body, parsed, parsed.remote_type, "v3")

    def _start(
        self,
        vehicle: SimVehicle,
        channel_id: str,
        body: dict[str, Any],
        parsed: ParsedRemote,
        notification_type: str,
        api: str,
    ) -> SimRemote:
        duplicate = parsed.action_key in vehicle.in_progress
        remote = SimRemote(
            remote_action_id=uuid.uuid4().hex + uuid.uuid4().hex[:8],
            vin=vehicle.vin,
            channel_id=channel_id,
            body=body,
            parsed=parsed,
            notification_type=notification_type,
            duplicate=duplicate,
            was_asleep=vehicle.asleep,
            api=api,
        )
        if not duplicate:
            vehicle.in_progress.add(parsed.action_key)
        self.remotes.append(remote)
        task = asyncio.create_task(
            self.engine.run(remote, vehicle), name=f"simulator-remote-{remote.remote_action_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return remote

    def remotes_for(self, vin: str, channel_id: str) -> list[SimRemote]:
        """A vehicle's remotes on a channel, newest first."""
        return [r for r in reversed(self.remotes) if r.vin == vin and r.channel_id == channel_id]

    def _emit(
        self,
        remote: SimRemote,
        event_type: str,
        status: str,
        failure_cause: str | None = None,
        extensions: Sequence[dict[str, Any]] = (),
    ) -> None:
        remote.status = status
        if event_type == DONE:
            remote.done = True
            remote.failure_cause = failure_cause
        if remote.api == "v3":
            self.fleet_api.emit(remote, event_type, status, failure_cause)
            return
        message = payloads.remote_message(
            channel_id=remote.channel_id,
            remote_action_id=remote.remote_action_id,
            remote_type=remote.notification_type,
            event_type=event_type,
            status=status,
            failure_cause=failure_cause,
            attributes=remote.body_attributes(status),
            extensions=list(extensions),
        )
        self.notifications.append(message)
        channel = self.channels.get(remote.channel_id)
        if channel is not None:
            overrides = remote.parsed.channel_attributes.get("webhook", [])
            self.deliverer.enqueue(channel, Notification(message, remote.vin, list(overrides)))

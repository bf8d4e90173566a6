"""Helpers for tests that talk to the vehicle-cloud simulator: a recording webhook, clients, schemas."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import aiohttp
import jsonschema  # type: ignore[import-untyped]  # no stubs in the lock file
import pytest
import yaml
from aiohttp import web

from bot.simulator.server import RunningSimulator, start_simulator
from bot.vehicle.client import StellantisClient, create_client
from tests.paths import SHARED

CLIENT_ID = "test-client"
CLIENT_SECRET = "client-secret-value-7c1e"
SPEC_DIR = SHARED / "spec" / "stellantis" / "StellantisCloudCapability.github.io"
OPENAPI_DIR = SPEC_DIR / "assets" / "openapi"


@dataclass(frozen=True)
class ReceivedCall:
    """One POST the test webhook received."""

    headers: dict[str, str]
    query: dict[str, str]
    body: Any

    @property
    def is_batch(self) -> bool:
        """True when the body is a JSON array of messages."""
        return isinstance(self.body, list)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages in this call (one, or the batch)."""
        return list(self.body) if isinstance(self.body, list) else [self.body]

    def header(self, name: str) -> str | None:
        """A header value, case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class RecordingWebhook:
    """A local webhook on port 0 that records notifications and can refuse some with a status."""

    url: str = ""
    calls: list[ReceivedCall] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)

    def refuse_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next `count` calls with `status` (they are not counted as received)."""
        self.refusals.extend([status] * count)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message received, in arrival order."""
        return [message for call in self.calls for message in call.messages]

    def events_for(self, remote_action_id: str) -> list[tuple[str, str, str | None]]:
        """(type, status, failureCause) of each event received for a remote, in order, duplicates kept."""
        events = []
        for message in self.messages:
            event = message.get("remoteEvent") or {}
            if event.get("remoteActionId") == remote_action_id:
                status = event["eventStatus"]
                events.append((status["type"], status["status"], status.get("failureCause")))
        return events

    def done_message(self, remote_action_id: str) -> dict[str, Any] | None:
        """The Done message of a remote, once received."""
        for message in self.messages:
            event = message.get("remoteEvent") or {}
            if event.get("remoteActionId") == remote_action_id and event["eventStatus"]["type"] == "Done":
                return message
        return None

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll `condition` until true or fail the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"condition not met within {timeout} s; received {len(self.calls)} calls")
            await asyncio.sleep(0.005)

    async def wait_done(self, remote_action_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the Done message of a remote and return it."""
        await self.wait_for(lambda: self.done_message(remote_action_id) is not None, timeout)
        message = self.done_message(remote_action_id)
        assert message is not None
        return message

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.refusals:
            return web.Response(status=self.refusals.pop(0))
        self.calls.append(ReceivedCall(dict(request.headers), dict(request.query), body))
        return web.Response(status=200)


@asynccontextmanager
async def webhook_server() -> AsyncIterator[RecordingWebhook]:
    """A RecordingWebhook listening on 127.0.0.1 and a free port, at path /stellantis/notifications."""
    hook = RecordingWebhook()
    app = web.Application()
    app.router.add_post("/stellantis/notifications", hook._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hook.url = f"http://127.0.0.1:{port}/stellantis/notifications"
    try:
        yield hook
    finally:
        await runner.cleanup()


@asynccontextmanager
async def running_simulator(**overrides: Any) -> AsyncIterator[RunningSimulator]:
    """The simulator over the demo fleet with delays scaled down for tests."""
    options: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "delay_scale": 0.001,
        "redelivery_seconds": 0.05,
    }
    options.update(overrides)
    running = await start_simulator(**options)
    try:
        yield running
    finally:
        await running.close()


def make_client(
    session: aiohttp.ClientSession, running: RunningSimulator, **overrides: Any
) -> StellantisClient:
    """A vendor client configured for the running simulator."""
    options: dict[str, Any] = {
        "api_url": running.api_url,
        "token_url": running.token_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "remote channel data:vehicle",
        "timeout_seconds": 5.0,
    }
    options.update(overrides)
    return create_client(session, **options)


@cache
def _openapi(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((OPENAPI_DIR / name).read_text(encoding="utf-8")))


def require_spec() -> None:
    """Skip the calling test when the vendor OpenAPI files are not beside the repository."""
    if not (OPENAPI_DIR / "data-treatment.yaml").is_file():
        pytest.skip(f"vendor OpenAPI files not found under {OPENAPI_DIR}")


def schema_validator(spec_file: str, schema_name: str) -> Any:
    """A JSON Schema validator for one `components.schemas` entry of a vendor OpenAPI file."""
    require_spec()
    components = copy.deepcopy(_openapi(spec_file)["components"])
    if spec_file == "platform-notification.yaml":
        # The template's remoteType list lacks the two data-treatment-only features the simulator reports.
        components["schemas"]["RemoteType"]["enum"] += ["VehicleFinder", "OnboardPersonalData"]
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    return jsonschema.Draft202012Validator(schema)


def schema_errors(spec_file: str, schema_name: str, instance: Any) -> list[str]:
    """Messages of every schema violation of `instance` (empty when valid)."""
    validator = schema_validator(spec_file, schema_name)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]

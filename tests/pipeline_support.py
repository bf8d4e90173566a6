"""Helpers for the notification pipeline tests: vendor notifications, seeded requests, waits."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bot.services import Services
from bot.store.records import RequestRecord, RequestStatus
from bot.vehicle.channels import CALLBACK_TOKEN_ATTRIBUTE
from bot.web.names import CALLBACK_PATH
from tests.app_support import CALLBACK_TOKEN, CHANNEL, OPERATOR, BotUnderTest, start_bot, wait_until

PENDING_STEPS = ("Accepted", "WakingUpVehicle", "SentToVehicle")


def notification(
    remote_action_id: str,
    event_type: str,
    status: str,
    *,
    failure_cause: str | None = None,
    token: str | None = None,
    date: str = "2026-01-01T00:00:00Z",
    extensions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A data-treatment Message about one remote event, with a cbtoken body attribute when `token` is set."""
    event_status: dict[str, str] = {"type": event_type, "status": status}
    if failure_cause:
        event_status["failureCause"] = failure_cause
    event: dict[str, Any] = {
        "remoteActionId": remote_action_id,
        "remoteType": "Doors",
        "eventStatus": event_status,
    }
    if extensions:
        event["extensions"] = extensions
    message: dict[str, Any] = {"channelId": "ch-1", "type": "Remote", "date": date, "remoteEvent": event}
    if token is not None:
        message["attributes"] = [{"key": CALLBACK_TOKEN_ATTRIBUTE, "value": token}]
    return message


async def post(
    bot: BotUnderTest, body: Any, *, bearer: str | None = CALLBACK_TOKEN, raw: bytes | None = None
) -> aiohttp.ClientResponse:
    """POST a notification body to the bot's callback as the vendor would."""
    headers = {"Content-Type": "application/json"}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    data = raw if raw is not None else json.dumps(body).encode()
    async with bot.session.post(bot.url + CALLBACK_PATH, data=data, headers=headers) as response:
        await response.read()
        return response


async def seed_request(
    bot: BotUnderTest,
    *,
    action: str = "lock",
    status: RequestStatus = RequestStatus.ACCEPTED,
    mapped: bool = True,
    channel: str = CHANNEL,
) -> tuple[RequestRecord, str]:
    """A stored request with a posted message and a remoteActionId (mapped unless told otherwise)."""
    services = bot.services
    vin = f"VR3SEED{secrets.token_hex(5).upper()}"
    record = RequestRecord(
        id=secrets.token_hex(5),
        action=action,
        summary=f"{action} the vehicle",
        vin=vin,
        alias=f"van-{vin[-3:]}",
        requester=OPERATOR,
        channel=channel,
        status=status,
    )
    record.add_step("requested", detail=OPERATOR)
    assert await services.requests.create(record) is None
    posted = await services.messenger.post_request(record)
    remote_action_id = uuid.uuid4().hex

    def attach(stored: RequestRecord) -> None:
        stored.message_channel, stored.message_ts = posted.channel, posted.ts
        stored.remote_action_id = remote_action_id

    record = await services.requests.update(record.id, attach)
    if mapped:
        await services.requests.map_remote(remote_action_id, record.id)
    return record, remote_action_id


async def stored(services: Services, request_id: str) -> RequestRecord:
    """The stored record (it must exist)."""
    record = await services.requests.get(request_id)
    assert record is not None
    return record


async def wait_status(
    services: Services, request_id: str, status: RequestStatus, timeout: float = 5.0
) -> None:
    """Wait until the stored request reaches `status`."""

    async def reached() -> bool:
        record = await services.requests.get(request_id)
        return record is not None and record.status is status

    await wait_until(reached, timeout)


async def wait_rendered(bot: BotUnderTest, record: RequestRecord, timeout: float = 5.0) -> None:
    """Wait until the message shows the latest stored version of the request."""

    async def current() -> bool:
        latest = await stored(bot.services, record.id)
        return latest.shown_version >= latest.version

    await wait_until(current, timeout)


async def inbox_drained(services: Services) -> bool:
    """Whether every inbox entry has been acknowledged."""
    try:
        summary = await services.redis.xpending(services.keys.inbox(), "pipeline")
    except Exception:  # noqa: BLE001 - no group yet means nothing is pending
        return True
    return int(summary["pending"]) == 0


@asynccontextmanager
async def running_bot(redis_url: str, key_prefix: str, **overrides: Any) -> AsyncIterator[BotUnderTest]:
    """The served bot with extra settings, as a context manager."""
    handles = start_bot(redis_url, key_prefix, **overrides)
    bot = await anext(handles)
    try:
        yield bot
    finally:
        await handles.aclose()  # type: ignore[attr-defined]

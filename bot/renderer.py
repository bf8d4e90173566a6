"""Renders request messages from stored state under the shared Slack budget; a queue of dirty requests."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from enum import StrEnum

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.cancellation import pause
from bot.rendering import request_message
from bot.services import Services
from bot.slack_budget import MESSAGE_GAP_MS, SlackBudget
from bot.store.records import RequestRecord

log = logging.getLogger(__name__)

RENDER_LEASE_MS = 10_000
RETRY_LATER_MS = 1_000
# Slack errors after which another chat.update of the same message cannot succeed.
PERMANENT_ERRORS = frozenset(
    {"message_not_found", "channel_not_found", "cant_update_message", "edit_window_closed", "not_in_channel",
     "is_archived", "invalid_auth", "account_inactive"}
)  # fmt: skip

_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


async def show_latest(services: Services, request_id: str) -> Rendered:
    """Queue a request's message and try to render it now; the render job finishes what is deferred."""
    renderer = Renderer(services)
    await renderer.mark_dirty(request_id)
    return await renderer.render(request_id)


class Rendered(StrEnum):
    """What one render attempt did."""

    SENT = "sent"
    UP_TO_DATE = "up_to_date"
    DEFERRED = "deferred"  # gated, out of budget, paused or failed: it stays queued
    BUSY = "busy"  # another renderer holds the message
    DROPPED = "dropped"  # permanent Slack error or no message


def render_client(services: Services) -> AsyncWebClient:
    """A chat.update client that never sleeps on 429 (the budget handles Retry-After instead)."""
    source = services.messenger.client
    return AsyncWebClient(
        token=source.token,
        base_url=source.base_url,
        session=source.session,
        timeout=source.timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class Renderer:
    """Brings request messages up to date with their stored records, one render per message at a time."""

    def __init__(self, services: Services, client: AsyncWebClient | None = None) -> None:
        self._services = services
        self._redis = services.redis
        self._keys = services.keys
        self._client = client or render_client(services)
        settings = services.settings
        self.budget = SlackBudget(
            services.redis,
            services.keys,
            settings.slack_update_rate_per_minute,
            window_seconds=settings.slack_update_window_seconds,
        )
        self._release = services.redis.register_script(_RELEASE)

    async def mark_dirty(self, request_id: str, *, not_before_ms: int | None = None) -> None:
        """Queue a request's message for rendering (idempotent; the latest state is what gets shown)."""
        score = not_before_ms if not_before_ms is not None else int(time.time() * 1000)
        await self._redis.zadd(self._keys.pending_updates(), {request_id: score})

    async def due(self, limit: int) -> list[str]:
        """Queued requests whose time has come, oldest first."""
        now = int(time.time() * 1000)
        found = await self._redis.zrangebyscore(self._keys.pending_updates(), "-inf", now, start=0, num=limit)
        return [str(item) for item in found]

    async def render(self, request_id: str) -> Rendered:
        """Render the latest stored state of one request if its message gate and the budget allow."""
        lease = self._keys.lock(f"render:{request_id}")
        token = secrets.token_hex(8)
        if not await self._redis.set(lease, token, nx=True, px=RENDER_LEASE_MS):
            return Rendered.BUSY
        try:
            return await self._render(request_id)
        finally:
            await self._release(keys=[lease], args=[token])

    async def _defer(self, request_id: str, delay_ms: int) -> Rendered:
        await self.mark_dirty(request_id, not_before_ms=int(time.time() * 1000) + delay_ms)
        return Rendered.DEFERRED

    async def _render(self, request_id: str) -> Rendered:
        marker = self._keys.rendered(request_id)
        # One round trip, run in this order: dequeue before reading, so that a transition after
        # this read queues the request again.
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrem(self._keys.pending_updates(), request_id)
            pipe.pttl(self._keys.slack_pause())
            pipe.get(self._keys.request(request_id))
            pipe.hgetall(marker)
            _, pause_ttl, raw, shown = await pipe.execute()
        paused = max(int(pause_ttl), 0)  # a 429's Retry-After, shared by every replica
        if paused:
            return await self._defer(request_id, paused)
        record = None if raw is None else RequestRecord.model_validate_json(raw)
        if record is None or record.message_channel is None or record.message_ts is None:
            return Rendered.DROPPED
        if int(shown.get("version", -1)) >= record.version:
            return Rendered.UP_TO_DATE
        now = int(time.time() * 1000)
        gate = int(shown.get("at", 0)) + MESSAGE_GAP_MS - now
        if gate > 0:
            return await self._defer(request_id, gate)
        wait = await self.budget.take(final=record.status.is_final)
        if wait:
            return await self._defer(request_id, wait)
        message = request_message(record)
        try:
            await self._client.chat_update(
                channel=record.message_channel, ts=record.message_ts, **message.as_kwargs()
            )
        except SlackApiError as error:
            return await self._failed(request_id, error)
        except (TimeoutError, OSError) as error:
            log.warning("request %s: chat.update failed (%s), will retry", request_id, type(error).__name__)
            return await self._defer(request_id, RETRY_LATER_MS)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(marker, mapping={"version": record.version, "at": int(time.time() * 1000)})
            pipe.pexpire(marker, int(self._services.settings.mapping_ttl_seconds * 1000))
            await pipe.execute()
        return Rendered.SENT

    async def _failed(self, request_id: str, error: SlackApiError) -> Rendered:
        status = error.response.status_code
        code = str(error.response.get("error", ""))
        if status == 429:
            retry_after = float(
                error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1))
            )
            log.warning("Slack rate limit: pausing chat.update for %g s", retry_after)
            await self.budget.pause(retry_after)
            return await self._defer(request_id, int(retry_after * 1000))
        if code in PERMANENT_ERRORS:
            log.error("request %s: message cannot be updated (%s); dropped", request_id, code)
            return Rendered.DROPPED
        log.warning("request %s: chat.update failed (%s), will retry", request_id, code or status)
        return await self._defer(request_id, RETRY_LATER_MS)

    async def _render_bounded(self, request_id: str, limit: asyncio.Semaphore) -> None:
        async with limit:
            await self.render(request_id)

    async def run(self, *, poll_seconds: float = 0.2, batch: int = 50, concurrency: int = 16) -> None:
        """Render every due queued request, forever; leases keep each message single-rendered."""
        limit = asyncio.Semaphore(concurrency)
        while True:
            due = await self.due(batch)
            if due:
                await asyncio.gather(*(self._render_bounded(request_id, limit) for request_id in due))
            if len(due) < batch:
                await pause(poll_seconds)

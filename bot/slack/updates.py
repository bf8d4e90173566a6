"""Renders request messages from stored state under the shared Slack budget; a queue of dirty requests."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from enum import StrEnum

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.cancellation import pause, raise_if_cancelling
from bot.runtime.clock import now_ms
from bot.slack.blocks import request_message
from bot.slack.budget import MESSAGE_GAP_MS, SlackBudget
from bot.slack.messenger import client_like, retry_after_seconds
from bot.slack.parts import SlackParts
from bot.store.records import RequestRecord

log = logging.getLogger(__name__)

RENDER_LEASE_MS = 10_000
RETRY_LATER_MS = 1_000
# Slack errors after which another chat.update of the same message cannot succeed.
PERMANENT_ERRORS = frozenset(
    {"message_not_found", "channel_not_found", "cant_update_message", "edit_window_closed", "not_in_channel",
     "is_archived", "invalid_auth", "account_inactive"}
)  # fmt: skip

# Takes the message's render lease and reads what the render needs. The request stays queued, held
# out of reach until the lease ends: if this renderer dies mid-render, another renders it then.
# KEYS: lease, final queue, update queue, Slack pause, record, rendered marker
# ARGV: token, lease ms, request id, hold score (now + lease, ms)
# Returns 0 when another renderer holds the lease, else {pause ms, record JSON or '', marker fields}.
_BEGIN = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], 'XX', ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[3], 'XX', ARGV[4], ARGV[3])
return {redis.call('PTTL', KEYS[4]), redis.call('GET', KEYS[5]) or '', redis.call('HGETALL', KEYS[6])}
"""

# Ends a render in one step: records what was shown, unless the lease ran out meanwhile (another
# renderer may have shown a newer version: the request is queued again instead); dequeues the request
# unless a transition queued it again during the render (its score is then no longer the hold score);
# queues it for a retry when the render was deferred; gives the lease back.
# KEYS: lease, rendered marker, final queue, update queue, retry queue
# ARGV: token, shown version ('' none), now ms, marker ttl ms, retry at ms ('' none), request id, hold score
_FINISH = """
local ours = redis.call('GET', KEYS[1]) == ARGV[1]
if ours then
  if ARGV[2] ~= '' then
    redis.call('HSET', KEYS[2], 'version', ARGV[2], 'at', ARGV[3])
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
  redis.call('DEL', KEYS[1])
end
for _, queue in ipairs({KEYS[3], KEYS[4]}) do
  if tonumber(redis.call('ZSCORE', queue, ARGV[6])) == tonumber(ARGV[7]) then
    redis.call('ZREM', queue, ARGV[6])
  end
end
if ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[6])
elseif not ours then
  redis.call('ZADD', KEYS[5], ARGV[3], ARGV[6])
end
return 1
"""


async def show_latest(services: SlackParts, request_id: str) -> Rendered:
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


@dataclass
class _Attempt:
    """How one render attempt ended: what it showed, and when to try again."""

    result: Rendered
    shown_version: int | None = None
    retry_in_ms: int | None = None
    final: bool = False


def render_client(services: SlackParts) -> AsyncWebClient:
    """A chat.update client that never sleeps on 429 (the budget handles Retry-After instead)."""
    retries = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]
    return client_like(services.messenger.client, retries)


class Renderer:
    """Brings request messages up to date with their stored records, one render per message at a time.

    Two queues hold the requests to render: final states are taken before intermediate ones, so a
    backlog of progress updates never holds back a request's last word.
    """

    def __init__(
        self, services: SlackParts, client: AsyncWebClient | None = None, *, lease_ms: int = RENDER_LEASE_MS
    ) -> None:
        self._services = services
        self._lease_ms = lease_ms
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
        self._marker_ttl_ms = int(settings.mapping_ttl_seconds * 1000)
        self._begin = services.redis.register_script(_BEGIN)
        self._finish = services.redis.register_script(_FINISH)

    def _queue(self, final: bool) -> str:
        return self._keys.pending_finals() if final else self._keys.pending_updates()

    async def mark_dirty(self, request_id: str) -> None:
        """Queue a request's message for rendering (idempotent; the latest state is what gets shown)."""
        await self._redis.zadd(self._queue(final=False), {request_id: now_ms()})

    async def due(self, limit: int) -> list[str]:
        """Queued requests whose time has come: final states first, each queue oldest first."""
        return [request_id for request_id, _final in await self.due_items(limit)]

    async def due_items(self, limit: int) -> list[tuple[str, bool]]:
        """Like `due`, with whether each came from the final-state queue."""
        now = now_ms()
        async with self._redis.pipeline(transaction=False) as pipe:
            for final in (True, False):
                pipe.zrangebyscore(self._queue(final), "-inf", now, start=0, num=limit)
            finals, updates = await pipe.execute()
        items: dict[str, bool] = {}
        for request_id in finals:
            items.setdefault(str(request_id), True)
        for request_id in updates:
            items.setdefault(str(request_id), False)
        return list(items.items())[:limit]

    async def render(self, request_id: str, *, final: bool | None = None) -> Rendered:
        """Render the latest stored state of one request if its message gate and the budget allow.

        With `final` known, a budget this process knows to be empty for that kind defers the render
        without a Redis round trip (the request stays queued).
        """
        if final is not None and self.budget.known_empty(final=final):
            return Rendered.DEFERRED
        keys, token = self._keys, secrets.token_hex(8)
        lease = keys.lock(f"render:{request_id}")
        hold = now_ms() + self._lease_ms
        begun = await self._begin(
            keys=[
                lease, keys.pending_finals(), keys.pending_updates(), keys.slack_pause(),
                keys.request(request_id), keys.rendered(request_id),
            ],
            args=[token, self._lease_ms, request_id, hold],
        )  # fmt: skip
        if not begun:
            return Rendered.BUSY
        attempt = _Attempt(Rendered.DEFERRED, retry_in_ms=RETRY_LATER_MS)
        try:
            pause_ttl, raw, marker = begun
            shown = dict(zip(marker[::2], marker[1::2], strict=True))
            attempt = await self._render(request_id, max(int(pause_ttl), 0), raw, shown)
        finally:
            now = now_ms()
            retry = "" if attempt.retry_in_ms is None else now + attempt.retry_in_ms
            await self._finish(
                keys=[
                    lease, keys.rendered(request_id), keys.pending_finals(), keys.pending_updates(),
                    self._queue(attempt.final),
                ],
                args=[
                    token, "" if attempt.shown_version is None else attempt.shown_version, now,
                    self._marker_ttl_ms, retry, request_id, hold,
                ],
            )  # fmt: skip
        return attempt.result

    async def _render(self, request_id: str, paused: int, raw: str, shown: dict[str, str]) -> _Attempt:
        record = RequestRecord.model_validate_json(raw) if raw else None
        final = record is not None and record.status.is_final
        if paused:  # a 429's Retry-After, shared by every replica
            return _Attempt(Rendered.DEFERRED, retry_in_ms=paused, final=final)
        if record is None or record.message_channel is None or record.message_ts is None:
            return _Attempt(Rendered.DROPPED)
        if int(shown.get("version", -1)) >= record.version:
            return _Attempt(Rendered.UP_TO_DATE)
        gate = int(shown.get("at", 0)) + MESSAGE_GAP_MS - now_ms()
        if gate > 0:
            return _Attempt(Rendered.DEFERRED, retry_in_ms=gate, final=final)
        wait = await self.budget.take(final=final)
        if wait:
            return _Attempt(Rendered.DEFERRED, retry_in_ms=wait, final=final)
        message = request_message(record)
        try:
            await self._client.chat_update(
                channel=record.message_channel, ts=record.message_ts, **message.as_kwargs()
            )
        except SlackApiError as error:
            return await self._failed(request_id, error, final)
        except (TimeoutError, OSError, aiohttp.ClientError) as error:
            log.warning("request %s: chat.update failed (%s), will retry", request_id, type(error).__name__)
            return _Attempt(Rendered.DEFERRED, retry_in_ms=RETRY_LATER_MS, final=final)
        return _Attempt(Rendered.SENT, shown_version=record.version)

    async def _failed(self, request_id: str, error: SlackApiError, final: bool) -> _Attempt:
        status = error.response.status_code
        code = str(error.response.get("error", ""))
        if status == 429:
            retry_after = retry_after_seconds(error)
            log.warning("Slack rate limit: pausing chat.update for %g s", retry_after)
            await self.budget.pause(retry_after)
            return _Attempt(Rendered.DEFERRED, retry_in_ms=int(retry_after * 1000), final=final)
        if code in PERMANENT_ERRORS:
            log.error("request %s: message cannot be updated (%s); dropped", request_id, code)
            return _Attempt(Rendered.DROPPED)
        log.warning("request %s: chat.update failed (%s), will retry", request_id, code or status)
        return _Attempt(Rendered.DEFERRED, retry_in_ms=RETRY_LATER_MS, final=final)

    async def _render_bounded(self, request_id: str, final: bool, limit: asyncio.Semaphore) -> None:
        async with limit:
            await self.render(request_id, final=final)

    async def run(self, *, poll_seconds: float = 0.2, batch: int = 50, concurrency: int = 16) -> None:
        """Render every due queued request, forever; leases keep each message single-rendered.

        While the budget is known to be empty the due requests are left queued, not polled one by one.
        """
        limit = asyncio.Semaphore(concurrency)
        while True:
            raise_if_cancelling()
            due = [
                (request_id, final)
                for request_id, final in await self.due_items(batch)
                if not self.budget.known_empty(final=final)
            ]
            if due:
                await asyncio.gather(*(self._render_bounded(rid, final, limit) for rid, final in due))
            if len(due) < batch:
                await pause(poll_seconds)

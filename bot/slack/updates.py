"""Renders request messages from stored state under the shared Slack budget; a queue of dirty requests."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from dataclasses import dataclass
from enum import StrEnum

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.clock import now_ms
from bot.slack.api_errors import CALL_ERRORS, RETRY_LATER_MS, SlackFailure, Verdict, classify
from bot.slack.blocks import request_message
from bot.slack.parts import SlackParts
from bot.slack.web_api import WebApi
from bot.store.message_finish import MESSAGE_GAP_MS, RENDER_LEASE_MS
from bot.store.records import RequestRecord
from bot.store.render_queue import RenderQueue
from bot.store.slack_budget import SlackBudget

log = logging.getLogger(__name__)

# Slack errors after which another chat.update of the same message cannot succeed.
PERMANENT_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


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
class Attempt:
    """How one render attempt ended: what it showed, and when to try again."""

    result: Rendered
    shown_version: int | None = None
    retry_in_ms: int | None = None
    final: bool = False


class Renderer:
    """Brings request messages up to date with their stored records, one render per message at a time.

    Two queues hold the requests to render: final states are taken before intermediate ones, so a
    backlog of progress updates never holds back a request's last word.
    """

    def __init__(
        self, services: SlackParts, client: AsyncWebClient | None = None, *, lease_ms: int = RENDER_LEASE_MS
    ) -> None:
        self._lease_ms = lease_ms
        self.metrics = services.metrics
        self._api = WebApi(client or services.messenger.client)
        settings = services.settings
        self.queue = RenderQueue(services.redis, services.keys)
        self.budget = SlackBudget(
            services.redis,
            services.keys,
            settings.slack_update_rate_per_minute,
            window_seconds=settings.slack_update_window_seconds,
        )

    async def mark_dirty(self, request_id: str) -> None:
        """Queue a request's message for rendering (idempotent; the latest state is what gets shown)."""
        await self.queue.mark_dirty(request_id)

    async def due(self, limit: int) -> list[str]:
        """Queued requests whose time has come: final states first, each queue oldest first."""
        return [request_id for request_id, _final in await self.queue.due_items(limit)]

    async def render(self, request_id: str, *, final: bool | None = None) -> Rendered:
        """Render the latest stored state of one request if its message gate and the budget allow.

        With `final` known, a budget this process knows to be empty for that kind defers the render
        without a Redis round trip (the request stays queued).
        """
        if final is not None and self.budget.known_empty(final=final):
            self.metrics.slack_budget_waits.inc()
            return Rendered.DEFERRED
        lease = await self.queue.begin(request_id, secrets.token_hex(8), self._lease_ms)
        if lease is None:
            return Rendered.BUSY
        attempt = Attempt(Rendered.DEFERRED, retry_in_ms=RETRY_LATER_MS)
        try:
            attempt = await self._render(lease.paused_ms, lease.record_json)
        finally:
            await self.queue.finish(
                lease,
                shown_version=attempt.shown_version,
                retry_in_ms=attempt.retry_in_ms,
                final=attempt.final,
            )
        return attempt.result

    async def _render(self, paused: int, raw: str) -> Attempt:
        record = RequestRecord.model_validate_json(raw) if raw else None
        final = record is not None and record.status.is_final
        if paused:  # a 429's Retry-After, shared by every replica
            return Attempt(Rendered.DEFERRED, retry_in_ms=paused, final=final)
        if record is None or record.message_channel is None or record.message_ts is None:
            return Attempt(Rendered.DROPPED)
        if record.shown_version >= record.version:
            return Attempt(Rendered.UP_TO_DATE)
        gate = record.shown_at + MESSAGE_GAP_MS - now_ms()
        if gate > 0:
            return Attempt(Rendered.DEFERRED, retry_in_ms=gate, final=final)
        wait = await self.budget.take(final=final)
        if wait:
            self.metrics.slack_budget_waits.inc()
            return Attempt(Rendered.DEFERRED, retry_in_ms=wait, final=final)
        return await self.send(record)

    async def send(self, record: RequestRecord) -> Attempt:
        """One chat.update showing the record (its budget token already taken); how it ended."""
        final = record.status.is_final
        if record.message_channel is None or record.message_ts is None:
            return Attempt(Rendered.DROPPED)
        message = request_message(record)
        try:
            await self._api.call(
                "chat.update",
                {"channel": record.message_channel, "ts": record.message_ts, **message.as_kwargs()},
            )
        except CALL_ERRORS as error:
            return await self._failed(record.id, classify(error, PERMANENT_ERRORS), final)
        return Attempt(Rendered.SENT, shown_version=record.version, final=final)

    async def _failed(self, request_id: str, failure: SlackFailure, final: bool) -> Attempt:
        if failure.verdict is Verdict.RATE_LIMITED:
            log.warning("Slack rate limit: pausing chat.update for %d ms", failure.retry_in_ms)
            await self.budget.pause(failure.retry_in_ms / 1000)
        elif failure.verdict is Verdict.PERMANENT:
            log.error("request %s: message cannot be updated (%s); dropped", request_id, failure.reason)
            return Attempt(Rendered.DROPPED)
        else:
            log.warning("request %s: chat.update failed (%s), will retry", request_id, failure.reason)
        return Attempt(Rendered.DEFERRED, retry_in_ms=failure.retry_in_ms, final=final)

    async def _render_bounded(self, request_id: str, final: bool, limit: asyncio.Semaphore) -> None:
        async with limit:
            await self.render(request_id, final=final)

    async def one_round(self, *, pace: float = 0.2, batch: int = 50, concurrency: int = 16) -> float:
        """Render every due queued request once; returns the seconds until the next one is due.

        While the budget is known to be empty the due requests are left queued, not polled one by one,
        until this process knows it refills. After renders (or when another renderer held a message),
        the queues are looked at again `pace` later, as they were polled before.
        """
        schedule = await self.queue.schedule(batch)
        due = [(rid, final) for rid, final in schedule.due if not self.budget.known_empty(final=final)]
        waits = [math.inf if schedule.next_due is None else (schedule.next_due - now_ms()) / 1000]
        waits += [
            self.budget.empty_for(final=final)
            for _rid, final in schedule.due
            if self.budget.known_empty(final=final)
        ]
        if due:
            limit = asyncio.Semaphore(concurrency)
            await asyncio.gather(*(self._render_bounded(rid, final, limit) for rid, final in due))
            waits.append(0.0 if len(due) >= batch else pace)
        elif schedule.more:
            waits.append(pace)
        return max(min(waits), 0.0)

"""Inbox consumers: read, apply, ack after the effects; reclaim from dead consumers; dead-letter poison."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.notifications.apply import Applied, Pipeline
from bot.notifications.context import NotificationContext
from bot.runtime.cancellation import raise_if_cancelling
from bot.runtime.ingest_gate import IngestGate
from bot.runtime.loops import keep_running
from bot.store.inbox import Entry, Inbox
from bot.usecases.ports import PipelineNotice
from bot.vehicle.events import VehicleEvent
from bot.vehicle.notifications import read_element

log = logging.getLogger(__name__)

Job = Callable[[NotificationContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class WorkerOptions:
    """Knobs of the consumers (tests shorten the waits)."""

    consumers: int = 2
    batch: int = 50
    block_ms: int | None = None  # None: block_ms_for(REDIS_SOCKET_TIMEOUT_SECONDS)
    concurrency: int = 16  # entries applied at once per consumer (each may hold a Redis connection)
    redis_retry_seconds: float = 1.0


# The longest a consumer's read blocks: new entries end it at once (from any replica), so the block only
# sets what an idle consumer costs, and how often it looks for entries to reclaim.
LONGEST_BLOCK_MS = 30_000


def block_ms_for(socket_timeout_seconds: float) -> int:
    """How long a read blocks: within the Redis read timeout, which would end a longer one as a failure."""
    return max(1, int(min(LONGEST_BLOCK_MS, socket_timeout_seconds * 800)))


def consumer_name() -> str:
    """A consumer name unique to this process and task."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def _read(entry: Entry) -> VehicleEvent | Exception:
    try:
        return read_element(entry.element)
    except Exception as error:  # noqa: BLE001 - an unreadable entry fails in handle(): retried, dead-lettered
        return error


class Consumer:
    """One consumer of the inbox group."""

    def __init__(
        self,
        services: NotificationContext,
        pipeline: Pipeline,
        options: WorkerOptions,
        name: str | None = None,
        ingest: IngestGate | None = None,
    ):
        self.services = services
        self.pipeline = pipeline
        self.options = options
        self.inbox = Inbox(services.redis, services.keys, name or consumer_name())
        self.ingest = ingest or IngestGate()
        self._reclaim_ms = int(services.settings.reclaim_idle_seconds * 1000)
        self._next_reclaim = 0.0
        self._block_ms = options.block_ms or block_ms_for(services.settings.redis_socket_timeout_seconds)

    def _observe(self, entry: Entry, applied: Applied) -> None:
        metrics = self.services.metrics
        metrics.count_notifications(applied.value)  # the fates of remote_bot_notifications
        if applied is Applied.APPLIED:
            stored_ms = int(entry.id.split("-", 1)[0])  # a stream id starts with its append time
            metrics.notification_to_update_seconds.observe(max(0.0, time.time() - stored_ms / 1000))

    async def _failed(self, entry: Entry, error: Exception) -> None:
        deliveries = await self.inbox.deliveries(entry.id)
        log.warning("inbox entry %s failed (delivery %d): %s", entry.id, deliveries, type(error).__name__)
        if deliveries >= self.services.settings.max_deliveries:
            await self._dead_letter(Entry(entry.id, entry.element, deliveries), type(error).__name__)

    async def _dead_letter(self, entry: Entry, reason: str) -> None:
        await self.inbox.dead_letter(entry, reason)
        self.services.metrics.count_notifications("dead_lettered")
        log.error(
            "inbox entry %s moved to the dead-letter stream after %d deliveries", entry.id, entry.deliveries
        )
        self.services.alerts.notify(
            PipelineNotice.DEAD_LETTERED, count=entry.deliveries, detail=reason, entry_id=entry.id
        )

    async def process(self, entries: list[Entry]) -> None:
        """Apply a batch and acknowledge, in one round trip, every entry whose effects are done.

        This is the worker's error boundary: an entry that fails stays pending (retried, then
        dead-lettered) and never stops the others.
        """
        await self.ingest.admit()
        readable: list[tuple[Entry, VehicleEvent]] = []
        for entry in entries:
            event = _read(entry)
            if isinstance(event, Exception):
                await self._failed(entry, event)
            else:
                readable.append((entry, event))
        if not readable:
            return
        batch: list[tuple[VehicleEvent, str | None]] = [(event, entry.element) for entry, event in readable]
        results: list[Applied | Exception]
        try:
            results = await self.pipeline.apply_batch(batch, self.options.concurrency)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - boundary: the whole batch is retried
            raise_if_cancelling()  # a library may have turned our cancellation into this error
            results = [error] * len(readable)
        done: list[str] = []
        for (entry, _event), result in zip(readable, results, strict=True):
            if isinstance(result, Exception):
                await self._failed(entry, result)
            else:
                self._observe(entry, result)
                done.append(entry.id)
        if done:
            await self.inbox.ack(*done)

    async def reclaim(self) -> None:
        """Take over idle entries of dead consumers; poison ones go to the dead-letter stream."""
        claimed = await self.inbox.claim_idle(self._reclaim_ms, self.options.batch)
        limit = self.services.settings.max_deliveries
        retry = []
        for entry in claimed:
            if entry.deliveries > limit:
                await self._dead_letter(entry, "too many deliveries")
            else:
                retry.append(entry)
        if retry:
            log.info("reclaimed %d idle inbox entries", len(retry))
            await self.process(retry)

    async def run(self) -> None:
        """Consume forever; Redis outages are waited out, then the group is created again if it is gone."""
        await self.inbox.ensure_group()
        await keep_running(
            f"inbox consumer {self.inbox.consumer}",
            self.consume_once,
            every=0.0,  # XREADGROUP's block is the wait
            after_outage=self._recreate_group,
            outage_wait=self.options.redis_retry_seconds,
        )

    async def consume_once(self) -> None:
        """One round: take over idle entries when it is time, then read and apply one batch."""
        loop = asyncio.get_running_loop()
        if loop.time() >= self._next_reclaim:
            await self.reclaim()
            self._next_reclaim = loop.time() + max(self._reclaim_ms / 2000, 0.05)
        # In a flood a consumer takes one entry per trickle turn: a whole batch, rendered and replied
        # at once, would hold the event loop for tens of milliseconds the endpoint needs.
        batch = 1 if self.ingest.flooded else self.options.batch
        until_reclaim = int((self._next_reclaim - loop.time()) * 1000)
        entries = await self.inbox.read(batch, max(1, min(self._block_ms, until_reclaim)))
        if entries:
            await self.process(entries)

    async def _recreate_group(self) -> None:
        try:
            await self.inbox.ensure_group()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            return


def inbox_job(options: WorkerOptions | None = None) -> Job:
    """A background job running `options.consumers` inbox consumers in this process."""
    options = options or WorkerOptions()

    async def job(services: NotificationContext) -> None:
        pipeline = Pipeline(services)
        consumers = [
            Consumer(services, pipeline, options, ingest=services.ingest) for _ in range(options.consumers)
        ]
        await asyncio.gather(*(consumer.run() for consumer in consumers))

    return job


def pipeline_jobs(worker: WorkerOptions | None = None, *, sweep_seconds: float | None = None) -> list[Job]:
    """The notification side's background jobs: the inbox consumers and the deadline sweep."""
    from bot.notifications.deadlines import sweep_job

    return [inbox_job(worker), sweep_job(sweep_seconds)]

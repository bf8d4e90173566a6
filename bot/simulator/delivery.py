"""Webhook delivery as the vendor documents it: retry every N seconds, backlogs as JSON arrays of 100."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import aiohttp

from bot.simulator.records import SimChannel

log = logging.getLogger(__name__)

BATCH_SIZE = 100


class WebhookPoster:
    """Posts JSON to webhooks on one HTTP session; an unreachable or silent target is a None status."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    async def post(
        self, target: str, payload: Any, headers: dict[str, str], query: dict[str, str]
    ) -> int | None:
        """POST `payload` as JSON; the answer's status, or None when there was none."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                target,
                json=payload,
                headers=headers,
                params=query,
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.info("simulator: webhook %s unreachable (%s)", target, type(error).__name__)
            return None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()


@dataclass
class Notification:
    """One message waiting for delivery, with what its headers are computed from."""

    message: dict[str, Any]
    vin: str
    overrides: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST to a webhook: how many messages, as a batch or not, and the answer (None: no answer)."""

    channel_id: str
    target: str
    batch: bool
    count: int
    status: int | None


class _Outbox:
    """The ordered queue of one channel and the task that empties it."""

    def __init__(self, owner: Deliverer, channel: SimChannel) -> None:
        self.owner = owner
        self.channel = channel
        self.queue: deque[Notification] = deque()
        self.backlog = False  # set after a failure or a hold: several queued go out as one array
        self.retry_wait = False
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def ready(self) -> bool:
        return bool(self.queue) and not self.owner.held and self.channel.status == "Running"

    async def run(self) -> None:
        while True:
            while not self.ready():
                self.wake.clear()
                await self.wake.wait()
            if self.retry_wait:
                await asyncio.sleep(self.owner.redelivery_seconds)
                self.retry_wait = False
                continue
            if self.backlog and len(self.queue) > 1:
                items = list(islice(self.queue, BATCH_SIZE))
            else:
                items = [self.queue[0]]
            if await self.owner.post(self.channel, items, batch=len(items) > 1):
                for _ in items:
                    self.queue.popleft()
                if not self.queue:
                    self.backlog = False
            else:
                self.backlog = True
                self.retry_wait = True


class Deliverer:
    """Delivers notifications to channel webhooks, one ordered queue per channel."""

    def __init__(self, *, redelivery_seconds: float = 10.0, timeout_seconds: float = 10.0) -> None:
        self.redelivery_seconds = redelivery_seconds
        self.timeout_seconds = timeout_seconds
        self.held = False
        self.attempts: list[DeliveryAttempt] = []
        self._outboxes: dict[str, _Outbox] = {}
        self.poster = WebhookPoster(timeout_seconds)

    def enqueue(self, channel: SimChannel, notification: Notification) -> None:
        """Queue a message for the channel; it is posted as soon as the channel's queue allows."""
        outbox = self._outboxes.get(channel.id)
        if outbox is None:
            outbox = self._outboxes[channel.id] = _Outbox(self, channel)
        outbox.channel = channel
        outbox.queue.append(notification)
        if outbox.task is None:
            outbox.task = asyncio.create_task(outbox.run(), name=f"simulator-deliver-{channel.id}")
        outbox.wake.set()

    @property
    def pending(self) -> int:
        """Messages not yet accepted by their webhook."""
        return sum(len(outbox.queue) for outbox in self._outboxes.values())

    def hold(self) -> None:
        """Stop posting (messages queue up) until release()."""
        self.held = True

    def release(self) -> None:
        """Resume posting; what queued up meanwhile is a backlog and goes out in arrays."""
        self.held = False
        for outbox in self._outboxes.values():
            if len(outbox.queue) > 1:
                outbox.backlog = True
            outbox.wake.set()

    def wake(self, channel_id: str) -> None:
        """Re-check a channel (e.g. after it was set Running again)."""
        outbox = self._outboxes.get(channel_id)
        if outbox is not None:
            outbox.wake.set()

    async def drop(self, channel_id: str) -> None:
        """Forget a deleted channel and what was queued for it."""
        outbox = self._outboxes.pop(channel_id, None)
        if outbox is not None and outbox.task is not None:
            outbox.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await outbox.task

    async def post(self, channel: SimChannel, items: list[Notification], *, batch: bool) -> bool:
        """POST one message (with the channel's headers and query) or a batch (a JSON array, without)."""
        payload: Any
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        if batch:
            payload = [item.message for item in items]
        else:
            payload = items[0].message
            headers, query = channel.render_attributes(items[0].vin, items[0].overrides)
        status = await self.poster.post(channel.target, payload, headers, query)
        self.attempts.append(DeliveryAttempt(channel.id, channel.target, batch, len(items), status))
        return status is not None and 200 <= status < 300

    async def close(self) -> None:
        """Stop every delivery task and close the HTTP session."""
        for channel_id in list(self._outboxes):
            await self.drop(channel_id)
        await self.poster.close()

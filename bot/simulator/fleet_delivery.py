"""Fleet Owner v3 webhook delivery: each callback's batch sending and retry policy, on a scalable clock.

One ordered queue per callback. Without `batchNotify` each event is its own POST; with it a POST carries up
to `size` events and leaves when `size` are waiting or `timeWindow` seconds after the first one waiting
(`flush()` sends now). A POST not answered 2xx is retried with the same events: once (`None`, after
NONE_RETRY_DELAY_SECONDS) or up to `retryNumber` times every `retryDelay` seconds (`Bounded`); events arriving
meanwhile wait, and a retry answered 2xx flushes them at once (no batch window). After the last retry the
POST's events are given up (`given_up`). Every delay is multiplied by `time_scale`. A Paused callback
posts nothing: its events wait until it runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Any

from bot.simulator.delivery import WebhookPoster
from bot.simulator.fleet_records import FleetEvent, SimCallback

NONE_RETRY_DELAY_SECONDS = 10.0  # the `None` policy's one retry (the spec ignores retryDelay then)


@dataclass(frozen=True)
class FleetDeliveryAttempt:
    """One POST to a callback's webhook: how many events, which try (0 = first), the answer (None: none)."""

    callback_id: str
    target: str
    count: int
    retry: int
    status: int | None


class _Outbox:
    """The ordered events of one callback and the task that posts them."""

    def __init__(self, owner: FleetDeliverer, callback: SimCallback) -> None:
        self.owner = owner
        self.callback = callback
        self.queue: deque[tuple[FleetEvent, float]] = deque()  # each event with when it started waiting
        self.flushing = False  # post what waits without waiting for the batch window
        self.wake = asyncio.Event()
        self.retry_now = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def running(self) -> bool:
        return self.callback.status == "Running" and not self.owner.held

    async def _wait(self, timeout: float | None) -> None:
        self.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout)

    async def _ready(self) -> None:
        """Return when a POST should leave: running, and a full batch, an elapsed window or a flush."""
        while True:
            timeout: float | None = None
            if self.running() and self.queue:
                if self.flushing or len(self.queue) >= self.callback.batch_size:
                    return
                deadline = self.queue[0][1] + self.callback.batch_window * self.owner.time_scale
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    return
            await self._wait(timeout)

    async def _retry_pause(self, seconds: float) -> None:
        self.retry_now.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.retry_now.wait(), seconds * self.owner.time_scale)
        while not self.running():
            await self._wait(None)

    async def run(self) -> None:
        while True:
            await self._ready()
            items = [event for event, _ in islice(self.queue, self.callback.batch_size)]
            delivered = await self.owner.post(self.callback, items, retry=0)
            retries = 0
            while not delivered:
                policy = self.callback.retry_policy
                bounded = policy["policy"] == "Bounded"
                if retries >= (int(policy["retryNumber"]) if bounded else 1):
                    break
                await self._retry_pause(float(policy["retryDelay"]) if bounded else NONE_RETRY_DELAY_SECONDS)
                retries += 1
                delivered = await self.owner.post(self.callback, items, retry=retries)
            for _ in items:
                self.queue.popleft()
            if not delivered:
                self.owner.given_up.extend(item.event for item in items)
            self.flushing = bool(self.queue) and (self.flushing or (delivered and retries > 0))


class FleetDeliverer:
    """Posts v3 notifications to callback webhooks, one ordered queue per callback."""

    def __init__(self, *, time_scale: float = 1.0, timeout_seconds: float = 10.0) -> None:
        self.time_scale = time_scale
        self.timeout_seconds = timeout_seconds
        self.held = False
        self.attempts: list[FleetDeliveryAttempt] = []
        self.posts: list[dict[str, Any]] = []  # every body posted, in order (retries included)
        self.given_up: list[dict[str, Any]] = []  # events whose last retry was refused too
        self._outboxes: dict[str, _Outbox] = {}
        self.poster = WebhookPoster(timeout_seconds)

    def enqueue(self, callback: SimCallback, event: FleetEvent) -> None:
        """Queue an event for the callback; it leaves as its batch and retry settings allow."""
        outbox = self._outboxes.get(callback.id)
        if outbox is None:
            outbox = self._outboxes[callback.id] = _Outbox(self, callback)
        outbox.callback = callback
        outbox.queue.append((event, time.monotonic()))
        if outbox.task is None:
            outbox.task = asyncio.create_task(outbox.run(), name=f"simulator-v3-deliver-{callback.id}")
        outbox.wake.set()

    @property
    def pending(self) -> int:
        """Events neither accepted by their webhook nor given up."""
        return sum(len(outbox.queue) for outbox in self._outboxes.values())

    def flush(self) -> None:
        """Send what waits now: no batch window, and a retry waiting for its delay goes at once."""
        for outbox in self._outboxes.values():
            outbox.flushing = bool(outbox.queue)
            outbox.wake.set()
            outbox.retry_now.set()

    def hold(self) -> None:
        """Stop posting (events queue up) until release()."""
        self.held = True

    def release(self) -> None:
        """Resume posting."""
        self.held = False
        self.wake_all()

    def wake_all(self) -> None:
        """Re-check every callback (after a status change or new settings)."""
        for outbox in self._outboxes.values():
            outbox.wake.set()

    async def drop(self, callback_id: str) -> None:
        """Forget a deleted callback and what was queued for it."""
        outbox = self._outboxes.pop(callback_id, None)
        if outbox is not None and outbox.task is not None:
            outbox.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await outbox.task

    async def post(self, callback: SimCallback, items: list[FleetEvent], *, retry: int) -> bool:
        """POST `{callbackId, attributes, events}` with the callback's headers and query parameters."""
        headers, query, attributes = callback.render(items[0])
        body = {"callbackId": callback.id, "attributes": attributes, "events": [item.event for item in items]}
        self.posts.append(body)
        status = await self.poster.post(callback.target, body, headers, query)
        self.attempts.append(FleetDeliveryAttempt(callback.id, callback.target, len(items), retry, status))
        return status is not None and 200 <= status < 300

    async def close(self) -> None:
        """Stop every delivery task and close the HTTP session."""
        for callback_id in list(self._outboxes):
            await self.drop(callback_id)
        await self.poster.close()

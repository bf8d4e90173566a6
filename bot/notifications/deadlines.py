"""The deadline sweep: requests with no final answer in time are checked with the vendor, then marked."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from bot.notifications.apply import Pipeline
from bot.notifications.context import NotificationContext
from bot.runtime.logs import add_log_context, log_context
from bot.runtime.loops import DueTimes, keep_running
from bot.store.leases import Leases
from bot.store.records import RequestStatus
from bot.store.wakeups import sweep_bell
from bot.usecases.dispatch import expire_approval
from bot.usecases.ports import RequestAlert
from bot.vehicle.errors import VendorError
from bot.vehicle.events import DONE, VehicleEvent

log = logging.getLogger(__name__)

FINAL_REMOTE_STATUSES = frozenset({"Success", "AlreadyDone", "Failed"})
LEASE_NAME = "deadline-sweep"


async def check_request(pipeline: Pipeline, request_id: str) -> str:
    """Resolve one overdue request: apply the vendor's final status, or mark it as having no answer."""
    with log_context(request_id=request_id):
        return await _check(pipeline, request_id)


async def _check(pipeline: Pipeline, request_id: str) -> str:
    services = pipeline.services
    record = await services.requests.get(request_id)
    if record is None or record.status.is_final:
        await services.requests.clear_deadline(request_id)
        return "closed"
    if record.status is RequestStatus.AWAITING_APPROVAL:
        await expire_approval(services, request_id)
        await services.requests.clear_deadline(request_id)
        return "expired"
    add_log_context(user=record.requester, vehicle=record.vin, action=record.action)
    remote = None
    if record.remote_action_id is not None:
        try:
            remote = await services.vehicles.get_one(record.vin, record.remote_action_id)
        except VendorError as error:
            log.warning("request %s: remote status unavailable (%s)", request_id, type(error).__name__)
    if remote is not None and remote.status in FINAL_REMOTE_STATUSES:
        event = VehicleEvent(
            remote_action_id=remote.remote_action_id,
            remote_type=remote.type or "Unknown",
            event_type=DONE,
            status=remote.status,
            failure_cause=remote.failure_cause,
        )
        await pipeline.apply(event)
        await services.requests.clear_deadline(request_id)
        return "completed"
    result = await pipeline.transitions.mark_no_answer(request_id, record.remote_action_id)
    await services.requests.clear_deadline(request_id)
    if result.record is not None:
        await pipeline.settle(result.record, None, changed=result.changed)
        if result.changed:
            await services.messages.alert(result.record, RequestAlert.NO_ANSWER)
    return "no_answer"


async def sweep_once(pipeline: Pipeline, *, lease_ms: int = 30_000, limit: int = 100) -> int:
    """Handle overdue requests if this replica holds the sweep lease; returns how many were handled."""
    services = pipeline.services
    async with Leases(services.redis, services.keys).hold(LEASE_NAME, lease_ms) as held:
        if not held:
            return 0
        due = await services.requests.due_deadlines(time.time(), limit)
        for request_id in due:
            try:
                await check_request(pipeline, str(request_id))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - boundary: one request must not stop the sweep
                log.error("deadline of request %s not handled: %s", request_id, type(error).__name__)
        await services.parked.drop_expired()
        return len(due)


class DeadlineSweep:
    """Sleeps until the earliest deadline or parked expiry, then sweeps (under the sweep lease)."""

    def __init__(self, pipeline: Pipeline, retry_seconds: float, *, limit: int = 100) -> None:
        self.pipeline = pipeline
        self._limit = limit
        self._due = DueTimes(retry_seconds)

    async def next_due(self) -> float | None:
        """When the sweep next has something to do (epoch seconds), None when nothing waits."""
        services = self.pipeline.services
        times = [await services.requests.next_deadline(), await services.parked.next_expiry()]
        return min((at for at in times if at is not None), default=None)

    async def one_round(self) -> float:
        """Sweep if something is due; the seconds until the next look."""
        wait = self._due.wait(await self.next_due())
        if wait > 0:
            return wait
        started = time.time()
        if await sweep_once(self.pipeline, limit=self._limit) < self._limit:
            self._due.ran(started)
        return 0.0  # read what is due next


def sweep_interval(services: NotificationContext) -> float:
    """The sweep's cap and retry pace: 5 s, or a quarter of the shortest timeout when that is shorter."""
    settings = services.settings
    shortest = min([settings.action_timeout_seconds, *settings.action_timeouts.values()])
    return max(min(5.0, shortest / 4), 0.01)


def sweep_job(
    interval_seconds: float | None = None,
) -> Callable[[NotificationContext], Coroutine[Any, Any, None]]:
    """A background job handling deadlines (and expired parked events) when they are due.

    It sleeps until the earliest one, at most `interval_seconds` (what finds deadlines other replicas
    set), and is woken when this process sets one; what stays due is retried every `interval_seconds`.
    """

    async def job(services: NotificationContext) -> None:
        pipeline = Pipeline(services)
        interval = interval_seconds if interval_seconds is not None else sweep_interval(services)
        sweep = DeadlineSweep(pipeline, interval)
        await keep_running(
            "deadline sweep", sweep.one_round, every=interval, cap=interval,
            bell=sweep_bell(services.keys), pace=min(1.0, interval),
        )  # fmt: skip

    return job

"""Apply one vendor event: transition, outcome, render from stored state, one reply, alerts, parking."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.catalogue.row import Outcome
from bot.catalogue.table import row_of
from bot.notifications.context import NotificationContext
from bot.runtime.logs import log_context
from bot.store.batch_renders import batch_render_bell
from bot.store.message_finish import MessageLeases
from bot.store.records import RequestRecord, RequestStatus
from bot.store.transitions import Transition, Transitions
from bot.usecases.ports import RequestAlert, ToShow
from bot.vehicle.errors import VendorError
from bot.vehicle.events import DONE, PENDING, VEHICLE_ANSWERS, WAKE_UPS_SPENT, WAKING_UP, VehicleEvent
from bot.vehicle.facts import position_of, vehicle_state
from bot.vehicle.wire import LatestTelemetry

log = logging.getLogger(__name__)


class Applied(StrEnum):
    """What happened to one event."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # a redelivered or stale event: nothing moved
    PARKED = "parked"
    MISSING = "missing"  # the request record is gone (expired)


def _first_body(extensions: list[dict[str, Any]], kind: str, field: str) -> Mapping[str, Any] | None:
    for item in extensions:
        if item.get("type") != kind:
            continue
        body = item.get("body")
        for part in body if isinstance(body, list) else [body]:
            if isinstance(part, Mapping) and isinstance(part.get(field), Mapping):
                return part[field]  # type: ignore[no-any-return]
    return None


def _outcome_kind(record: RequestRecord) -> Outcome | None:
    remote = row_of(record.action).remote
    return remote.outcome if remote is not None else None


def outcome_from_extensions(kind: Outcome, extensions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The position or state outcome carried by a Done notification's extensions, when present."""
    if kind is Outcome.POSITION:
        feature = _first_body(extensions, "vehicle.position", "position")
        if feature is None:
            return None
        telemetry = LatestTelemetry(raw={"vehicle": {"location": dict(feature)}})
        position = position_of(telemetry)
        if position is None:
            return None
        when = feature.get("createdAt") or (feature.get("properties") or {}).get("createdAt")
        return {"position": {**position, "time": when}}
    latest = _first_body(extensions, "vehicle.latestTelemetry", "latestTelemetry")
    if latest is None:
        return None
    return {"state": vehicle_state(LatestTelemetry(raw=dict(latest)))}


async def outcome_from_telemetry(
    services: NotificationContext, record: RequestRecord
) -> dict[str, Any] | None:
    """The Locate/State outcome from the vendor's latest telemetry (None when the vendor fails)."""
    try:
        telemetry = await services.vehicles.latest_state(record.vin)
    except VendorError as error:
        log.warning("request %s: latest telemetry unavailable (%s)", record.id, type(error).__name__)
        return None
    if _outcome_kind(record) is Outcome.POSITION:
        position = position_of(telemetry)
        if position is None:
            return None
        return {
            "position": {**position, "time": telemetry.raw.get("updatedAt") or telemetry.raw.get("createdAt")}
        }
    return {"state": vehicle_state(telemetry)}


def answered_at(event: VehicleEvent, now: float) -> float | None:
    """When a notification proves the vehicle answered (a Done Success or AlreadyDone): the event's own
    date, so that a notification redelivered days later does not pass for a recent report; now when it has
    none (never later than now). None for any other event."""
    if event.event_type != DONE or event.status not in VEHICLE_ANSWERS:
        return None
    try:
        at = datetime.fromisoformat(event.date or "")
    except ValueError:
        return now
    return min((at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp(), now)


def _made_final(move: Transition | Exception) -> bool:
    """Whether a transition made its request final (and so appended its outcome to the audit)."""
    if not isinstance(move, Transition) or move.record is None:
        return False
    return move.changed and move.record.status.is_final


class Pipeline:
    """Everything that happens when a vendor event arrives, idempotent under redelivery."""

    def __init__(self, services: NotificationContext) -> None:
        self.services = services
        settings = services.settings
        self.transitions = Transitions(
            services.redis,
            services.keys,
            mapping_ttl=settings.mapping_ttl_seconds,
            leases=MessageLeases(
                reply_ms=int(settings.reply_lease_seconds * 1000),
                reply_interval_ms=int(settings.slack_reply_interval_seconds * 1000),
            ),
            audit_vehicle_entries=services.audit.per_vehicle,
        )

    async def apply(self, event: VehicleEvent, element_json: str | None = None) -> Applied:
        """Apply one event; park it when its remoteActionId has no request yet."""
        (result,) = await self.apply_batch([(event, element_json)])
        if isinstance(result, Exception):
            raise result
        return result

    async def apply_batch(
        self, events: list[tuple[VehicleEvent, str | None]], concurrency: int = 16
    ) -> list[Applied | Exception]:
        """Apply events in stream order: every transition in one round trip, then each request's effects
        once, for its latest state (a batch holding several steps of one request renders it once), then
        the renders and replies the transitions handed to this batch, in one budget take and one finish.

        The result of each event is what happened to it, or the error that stops it being acknowledged.
        """
        token = secrets.token_hex(8)
        transitions = await self.transitions.apply_events([event for event, _ in events], claim=token)
        results, by_request = await self._sort(events, transitions)
        self._ring_for_batches(transitions)
        limit = asyncio.Semaphore(concurrency)
        to_show: list[ToShow] = []

        async def settle_request(indexes: list[int]) -> None:
            changed = [i for i in indexes if results[i] is Applied.APPLIED]
            moves = [transitions[i] for i in indexes]
            latest = moves[-1]
            assert isinstance(latest, Transition) and latest.record is not None
            # The event that moved the request last carries the outcome (a Done's extensions).
            event = events[(changed or indexes)[-1]][0]
            record = latest.record
            context = log_context(
                remote_action_id=event.remote_action_id, request_id=record.id, user=record.requester,
                vehicle=record.vin, action=record.action,
            )  # fmt: skip
            async with limit:
                with context:
                    if changed:
                        log.info("request %s: now %s", record.id, record.status.value)
                    try:
                        await self._count_wake_ups(record, [events[i][0] for i in indexes])
                        record, _shown_changed = await self._effects(record, event, changed=bool(changed))
                    except Exception as error:  # noqa: BLE001 - its events stay unacknowledged, retried
                        for i in indexes:
                            results[i] = error
                        return
            render = any(isinstance(move, Transition) and move.render for move in moves)
            reply = any(isinstance(move, Transition) and move.reply for move in moves)
            if render or reply:
                to_show.append(ToShow(record, render, reply))

        await asyncio.gather(
            self._note_answers(events, transitions, by_request, results),
            *(settle_request(indexes) for indexes in by_request.values()),
        )
        try:
            await self.services.messages.show_batch(token, to_show, concurrency)
            if any(_made_final(move) for move in transitions):  # the script appended audit entries
                await self.services.audit.trim()
        except Exception as error:  # noqa: BLE001 - unacknowledged: a redelivery finds the leases again
            for indexes in by_request.values():
                for i in indexes:
                    results[i] = error
        return results

    def _ring_for_batches(self, transitions: list[Transition | Exception]) -> None:
        """The script queued the message of each batch whose member moved: wake this process's renderer."""
        if any(isinstance(move, Transition) and move.record and move.record.batch_id for move in transitions):
            batch_render_bell(self.services.keys).ring()

    async def _note_answers(
        self,
        events: list[tuple[VehicleEvent, str | None]],
        transitions: list[Transition | Exception],
        by_request: dict[str, list[int]],
        results: list[Applied | Exception],
    ) -> None:
        """The vehicles whose answer a notification proves (see answered_at), noted in one call per batch;
        a redelivery notes the same time again, which changes nothing."""
        now = time.time()
        proven: list[tuple[int, str, float]] = []
        for indexes in by_request.values():
            for i in indexes:
                move, at = transitions[i], answered_at(events[i][0], now)
                if at is not None and isinstance(move, Transition) and move.record is not None:
                    proven.append((i, move.record.vin, at))
        try:
            await self.services.last_reports.note_many((vin, at) for _, vin, at in proven)
        except Exception as error:  # noqa: BLE001 - unacknowledged: a redelivery notes it again
            for i, _, _ in proven:
                results[i] = error

    async def _count_wake_ups(self, record: RequestRecord, events: list[VehicleEvent]) -> None:
        """A step in which the vendor woke the vehicle counts one wake-up of the month, once per request
        whatever the action; TooManyWakeUpsOverMonth marks the month spent. Both are idempotent, so a
        redelivered event (counted here again, changed or not) adds nothing."""
        ledger = self.services.wakeups
        if any(event.event_type == PENDING and event.status == WAKING_UP for event in events):
            await ledger.count(record.vin, record.id)
        if any(WAKE_UPS_SPENT in (event.status, event.failure_cause) for event in events):
            await ledger.mark_spent(record.vin)

    async def _sort(
        self, events: list[tuple[VehicleEvent, str | None]], transitions: list[Transition | Exception]
    ) -> tuple[list[Applied | Exception], dict[str, list[int]]]:
        """What happened to each event so far, and the events of each request still to settle."""
        results: list[Applied | Exception] = []
        by_request: dict[str, list[int]] = {}
        for index, ((event, element_json), transition) in enumerate(zip(events, transitions, strict=True)):
            if isinstance(transition, Exception):
                results.append(transition)
            elif transition.outcome == "unmapped":
                results.append(await self._unmapped(event, element_json))
            elif transition.record is None:
                log.warning(
                    "request %s for remote %s no longer exists; event dropped",
                    transition.request_id, event.remote_action_id,
                )  # fmt: skip
                results.append(Applied.MISSING)
            else:
                results.append(Applied.APPLIED if transition.changed else Applied.DUPLICATE)
                by_request.setdefault(transition.request_id, []).append(index)
        return results, by_request

    async def _unmapped(self, event: VehicleEvent, element_json: str | None) -> Applied | Exception:
        if element_json is None:
            log.warning("event for unknown remote %s dropped", event.remote_action_id)
            return Applied.MISSING
        try:
            await self.park(event.remote_action_id, element_json)
        except Exception as error:  # noqa: BLE001 - the event stays unacknowledged and is retried
            return error
        return Applied.PARKED

    async def settle(self, record: RequestRecord, event: VehicleEvent | None, *, changed: bool) -> None:
        """Effects of a transition that queued its render and reply: outcome, render now, audit, alert.

        This runs again when a redelivered event finds the transition already done, so each effect is
        idempotent.
        """
        record, shown_changed = await self._effects(record, event, changed=changed)
        if shown_changed:
            await self.services.messages.render_now(record.id, final=record.status.is_final)

    async def _effects(
        self, record: RequestRecord, event: VehicleEvent | None, *, changed: bool
    ) -> tuple[RequestRecord, bool]:
        """Outcome, audit and alert of a transition: the record to show, and whether it changed."""
        services = self.services
        shown_changed = changed
        if record.status.is_final:
            filled = await self._fill_outcome(record, event)
            shown_changed = changed or filled is not record
            record = filled
        if record.status.is_final:
            if changed:  # its audit entry was written by the transition
                self._count_final(record)
                services.audit.count("outcome", record.action)
            if record.status is RequestStatus.FAILED:
                await services.messages.alert(record, RequestAlert.FAILED)
        return record, shown_changed

    def _count_final(self, record: RequestRecord) -> None:
        metrics = self.services.metrics
        metrics.remote_finished.labels(record.action, record.status.value).inc()
        if record.status is RequestStatus.FAILED:
            metrics.failure_causes.labels(record.failure_cause or "unknown").inc()

    async def _fill_outcome(self, record: RequestRecord, event: VehicleEvent | None) -> RequestRecord:
        """The record with its Locate/State outcome stored (the same object when there is none to add)."""
        kind = _outcome_kind(record)
        if (
            kind is None
            or record.status not in (RequestStatus.SUCCESS, RequestStatus.ALREADY_DONE)
            or record.outcome
        ):
            return record
        outcome = outcome_from_extensions(kind, event.extensions) if event else None
        if outcome is None:
            outcome = await outcome_from_telemetry(self.services, record)
        if not outcome:
            return record

        def store(stored: RequestRecord) -> None:
            if not stored.outcome:
                stored.outcome = outcome

        return await self.services.requests.update(record.id, store, queue_render=True)

    async def park(self, remote_action_id: str, element_json: str) -> None:
        """Keep an event whose mapping is not written yet; replay it at once if the mapping just appeared."""
        await self.services.parked.park(remote_action_id, element_json)
        log.info("event for remote %s parked until its mapping is written", remote_action_id)
        if await self.services.requests.request_for_remote(remote_action_id) is not None:
            await self.services.parked.replay(remote_action_id)

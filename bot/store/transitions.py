"""The atomic, monotonic state transition of one request (a Lua script over the record JSON)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from bot.runtime.clock import now_ms
from bot.store.audit import FIELDS as AUDIT_FIELDS
from bot.store.keys import Keys
from bot.store.message_finish import MessageLeases
from bot.store.records import FINAL_STATUSES, STATUS_RANK, RequestRecord, RequestStatus
from bot.store.render_queue import render_queue
from bot.store.scripts import register
from bot.store.wakeups import render_bell, reply_bell
from bot.vehicle.events import PENDING, VehicleEvent

# Order of the Pending steps inside the "pending" status: a late Accepted never hides SentToVehicle.
PENDING_STEP_ORDER: dict[str, int] = {
    "Accepted": 1,
    "CheckingVehicle": 2,
    "WakingUpVehicle": 2,
    "VehicleBatteryChargeTooLow": 2,
    "VehicleBatteryLevelWarning": 2,
    "TooManyWakeUpsOverMonth": 2,
    "SentToVehicle": 3,
}

DONE_STATUSES: dict[str, RequestStatus] = {
    "Success": RequestStatus.SUCCESS,
    "AlreadyDone": RequestStatus.ALREADY_DONE,
    "Failed": RequestStatus.FAILED,
}


@dataclass(frozen=True)
class Transition:
    """What one event did to a request.

    `outcome` is applied, stale, missing (the record is gone) or unmapped (no request has this
    remoteActionId yet); `record` is the stored record after the event, when there is one. With a claim
    token, `render` and `reply` say that the caller holds the message's render or reply lease.
    """

    changed: bool
    outcome: str
    request_id: str
    record: RequestRecord | None
    render: bool = False
    reply: bool = False


def target_status(event: VehicleEvent) -> RequestStatus:
    """The request status an event asks for (anything not Pending is final; unknown Done is a failure)."""
    if event.event_type == PENDING:
        return RequestStatus.PENDING
    if event.event_type == "Done":
        return DONE_STATUSES.get(event.status, RequestStatus.FAILED)
    return RequestStatus.FAILED


def _order(status: RequestStatus, vendor_status: str | None) -> int:
    base = status.rank * 10
    if status is RequestStatus.PENDING and vendor_status:
        base += PENDING_STEP_ORDER.get(vendor_status, 0)
    return base


class Transitions:
    """Runs the transition script; every accepted transition bumps the version and extends the timeline."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        mapping_ttl: float,
        leases: MessageLeases | None = None,
        audit_vehicle_entries: int | None = None,
    ) -> None:
        """`audit_vehicle_entries` None writes no audit entry; else each vehicle's stream keeps that many."""
        self._redis = redis
        self._keys = keys
        leases = leases or MessageLeases()
        constants: dict[str, object] = {
            "RANKS": STATUS_RANK,
            "STEPS": PENDING_STEP_ORDER,
            "FINALS": dict.fromkeys(FINAL_STATUSES, True),
            "PENDING_STATUS": RequestStatus.PENDING,
            "SENDING_STATUS": RequestStatus.SENDING,
            "MAPPING_TTL_MS": int(mapping_ttl * 1000),
            "REQUEST_PREFIX": keys.request(""),
            "INFLIGHT_PREFIX": keys.inflight("", "").removesuffix(":"),
            "SENDING": keys.sending(),
            "DEADLINES": keys.deadlines(),
            "UPDATE_QUEUE": render_queue(keys, final=False),
            "FINAL_QUEUE": render_queue(keys, final=True),
            "REPLY_CHANNELS": keys.reply_channels(),
            "BATCHES_DIRTY": keys.batches_dirty(),
            "BATCHES_GENERATION": keys.batches_generation(),
            "REPLIES_QUEUED": keys.replies_queued(),
            "REPLY_QUEUE_PREFIX": keys.reply_queue(""),
            "RENDER_LEASE_MS": leases.render_ms,
            "MESSAGE_GAP_MS": leases.message_gap_ms,
            "REPLY_LEASE_MS": leases.reply_ms,
            "REPLY_INTERVAL_MS": leases.reply_interval_ms,
            "AUDIT_STREAM": "" if audit_vehicle_entries is None else keys.audit(),
            "AUDIT_FIELDS": AUDIT_FIELDS,
            "VEHICLE_AUDIT_PREFIX": keys.vehicle_audit(""),
            "VEHICLE_AUDIT_LENGTH": audit_vehicle_entries or 0,
        }  # fmt: skip
        self._script = register(redis, "transition", constants)

    async def apply_event(self, event: VehicleEvent) -> Transition:
        """Apply a vendor event to the request of its remoteActionId, unless it is a duplicate or stale."""
        return await self._call(_event_move(event))

    async def apply_events(self, events: list[VehicleEvent], claim: str = "") -> list[Transition | Exception]:
        """Apply a batch of events in order, in one round trip; a script error fails its event only.

        With a `claim` token the caller renders and replies itself (see the script); without one
        the render and the reply are queued.
        """
        if len(events) == 1:
            try:
                return [await self._call(_event_move(events[0]), claim)]
            except ResponseError as error:
                return [error]
        calls = [self._arguments(_event_move(event), claim) for event in events]
        answers = await self._pipelined(calls)
        self._queued()
        return [answer if isinstance(answer, Exception) else _transition(answer) for answer in answers]

    def _queued(self) -> None:
        """The script may have queued a render or a reply (now, or at the message's gate): say so."""
        render_bell(self._keys).ring()
        reply_bell(self._keys).ring()

    async def _pipelined(self, calls: list[tuple[list[str], list[Any]]], *, reload: bool = True) -> list[Any]:
        """EVALSHA every call in one round trip. (A pipeline given the script object itself would first
        ask SCRIPT EXISTS, one more round trip per batch.) Calls that found the script missing (Redis
        restarted, failed over, or flushed its scripts) did not run: it is loaded and they run again."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                pipe.evalsha(self._script.sha, len(keys), *keys, *args)
            answers: list[Any] = await pipe.execute(raise_on_error=False)
        missing = [index for index, answer in enumerate(answers) if isinstance(answer, NoScriptError)]
        if missing and reload:
            await self._redis.script_load(self._script.script)
            again = await self._pipelined([calls[index] for index in missing], reload=False)
            for index, answer in zip(missing, again, strict=True):
                answers[index] = answer
        return answers

    async def mark_no_answer(self, request_id: str, remote_action_id: str | None) -> Transition:
        """Mark a request as having no final answer yet (a later Done still completes it)."""
        return await self._call(
            _Move(remote_action_id or request_id, request_id, RequestStatus.NO_ANSWER, step="no_answer")
        )

    async def _call(self, move: _Move, claim: str = "") -> Transition:
        keys, args = self._arguments(move, claim)
        answer = await self._script(keys=keys, args=args)
        self._queued()
        return _transition(answer)

    def _arguments(self, move: _Move, claim: str = "") -> tuple[list[str], list[Any]]:
        return (
            [self._keys.remote_map(move.remote_action_id)],
            [
                move.status.value, _order(move.status, move.vendor_status or None),
                "1" if move.status.is_final else "0", move.step, move.detail, move.vendor_status,
                move.failure_cause, move.feedback_detail, f"{time.time():.3f}", move.request_id, now_ms(),
                claim,
            ],
        )  # fmt: skip


@dataclass(frozen=True)
class _Move:
    """One transition asked of the script: of which request (or remote), to what, and why."""

    remote_action_id: str
    request_id: str  # '' to find the request through the remote mapping
    status: RequestStatus
    step: str
    detail: str = ""
    vendor_status: str = ""  # '' keeps the stored vendor status
    failure_cause: str = ""
    feedback_detail: str = ""


def _event_move(event: VehicleEvent) -> _Move:
    cause = event.failure_cause or ""
    return _Move(
        event.remote_action_id, "", target_status(event), step=event.status, detail=cause,
        vendor_status=event.status, failure_cause=cause, feedback_detail=event.feedback_detail or "",
    )  # fmt: skip


def _transition(answer: Any) -> Transition:
    changed, _version, _status, outcome, found_id, raw, render, reply = answer
    record = RequestRecord.model_validate_json(raw) if raw else None
    return Transition(bool(int(changed)), str(outcome), str(found_id), record, bool(render), bool(reply))

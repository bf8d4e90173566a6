"""The atomic, monotonic state transition of one request (a Lua script over the record JSON)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.message_leases import MessageLeases
from bot.store.record_lua import RECORD_LUA, lua_constants
from bot.store.records import FINAL_STATUSES, STATUS_RANK, RequestRecord, RequestStatus
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

# The transition script: the record's state change, and what the caller does next about its message.
_TRANSITION_BODY = (
    RECORD_LUA
    + r"""
-- KEYS: remote mapping
-- ARGV: 1 target status, 2 order, 3 final '1'/'0', 4 step, 5 detail, 6 vendor status ('' keeps),
--       7 failure cause, 8 feedback detail, 9 at (s), 10 request id ('' to find it through the
--       remote mapping), 11 now ms, 12 claim token ('' queues the render and the reply instead)
-- The constants (upper case: key names, tables, durations) are written into the script's text by
-- Transitions, so that each call sends only what is its own.
-- A redelivered event is recognised by the order check alone: its rank is not above the stored one,
-- and a Pending step of the same rank is the same report when the stored vendor status is its own.
-- Returns {changed, version, status, outcome, request id, record JSON, render, reply}.
-- An applied transition, on a final state, clears the deadline and the in-flight slot and appends the
-- outcome to the audit streams in the same atomic step (the caller trims the global one afterwards).
-- Without a claim token it queues the message's render and, on a final state, the thread reply.
-- With one, the caller renders and replies itself: the script gives it the render lease when the
-- message is behind and its gate is open, and the reply lease when the channel's interval allows
-- (render = 1, reply = 1); what it cannot give now is queued. A redelivered event is given what its
-- first delivery may have left undone, so the unacknowledged inbox entry is what keeps a render and
-- a reply durable.
local id = ARGV[10]
if id == '' then
  id = redis.call('GET', KEYS[1])
  if not id then return {0, 0, '', 'unmapped', '', '', 0, 0} end
end
local key = REQUEST_PREFIX .. id
local raw = redis.call('GET', key)
if not raw then return {0, 0, '', 'missing', id, '', 0, 0} end
-- decode before any write: a script error must leave nothing behind (scripts do not roll back)
local record = decode_record(raw)
local token = ARGV[12]
local now = tonumber(ARGV[11])
local stored = (RANKS[record.status] or 0) * 10
if record.status == 'pending' and type(record.vendor_status) == 'string' then
  stored = stored + (STEPS[record.vendor_status] or 0)
end
local order = tonumber(ARGV[2])
local changed = not (order < stored or (order == stored and (ARGV[3] == '1' or stored % 10 == 0
  or record.vendor_status == ARGV[6])))
if not changed and token == '' then return {0, record.version, record.status, 'stale', id, raw, 0, 0} end
local final = FINALS[record.status] == true
if changed then
  local before = record.status
  final = ARGV[3] == '1'
  record.status = ARGV[1]
  if ARGV[6] ~= '' then
    record.vendor_status = ARGV[6]
    record.failure_cause = ARGV[7] ~= '' and ARGV[7] or cjson.null
    record.feedback_detail = ARGV[8] ~= '' and ARGV[8] or cjson.null
  end
  local timeline = record.timeline
  if type(timeline) ~= 'table' or timeline[1] == '__rb_empty_array__' then timeline = {} end
  local detail = cjson.null
  if ARGV[5] ~= '' then detail = ARGV[5] end
  timeline[#timeline + 1] = {at = tonumber(ARGV[9]), step = ARGV[4], detail = detail}
  record.timeline = timeline
  record.version = (tonumber(record.version) or 0) + 1
  if before == 'sending' then redis.call('ZREM', SENDING, id) end
  if final then
    local slot = record.inflight_slot
    if slot == nil or slot == '' then slot = record.action end
    local inflight = INFLIGHT_PREFIX .. record.vin .. ':' .. slot
    if redis.call('GET', inflight) == id then redis.call('DEL', inflight) end
    redis.call('ZREM', DEADLINES, id)
    if AUDIT_STREAM ~= '' then
      local detail = record.status
      if type(record.failure_cause) == 'string' and record.failure_cause ~= '' then
        detail = detail .. ' ' .. record.failure_cause
      end
      local fields = {'at', ARGV[9], 'event', 'outcome', 'user', record.requester, 'action', record.action,
        'vin', record.vin, 'request_id', id, 'detail', detail}
      redis.call('XADD', AUDIT_STREAM, '*', unpack(fields))
      local vehicle_stream = VEHICLE_AUDIT_PREFIX .. record.vin
      redis.call('XADD', vehicle_stream, 'MAXLEN', VEHICLE_AUDIT_LENGTH, '*', unpack(fields))
    end
  end
end
local dirty = changed
local render, reply = 0, 0
local queue = final and FINAL_QUEUE or UPDATE_QUEUE
local channel = record.message_channel
local has_message = type(channel) == 'string' and type(record.message_ts) == 'string'
local function queue_reply()
  if redis.call('SADD', REPLIES_QUEUED, id) == 1 then
    redis.call('RPUSH', REPLY_QUEUE_PREFIX .. channel, id)
    redis.call('ZADD', REPLY_CHANNELS, 'NX', now, channel)
  end
end
if token == '' then
  redis.call('ZADD', queue, now, id)
  if final and has_message and record.reply_posted ~= true then queue_reply() end
else
  if has_message and (tonumber(record.shown_version) or -1) < record.version then
    local holder, expiry = lease_of(record.render_lease)
    local gate = (tonumber(record.shown_at) or 0) + MESSAGE_GAP_MS
    if holder == token and expiry > now then
      render = 1
    elseif expiry > now then
      redis.call('ZADD', queue, now, id)  -- the holder's render may miss this version: queued after it
    elseif gate > now then
      redis.call('ZADD', queue, gate, id)
    else
      record.render_lease = (now + RENDER_LEASE_MS) .. '/' .. token
      dirty = true
      render = 1
    end
  end
  if final and has_message and record.reply_posted ~= true then
    local holder, expiry = lease_of(record.reply_lease)
    if holder == token and expiry > now then
      reply = 1
    elseif expiry > now then
      queue_reply()  -- the holder may die: the queue posts it once its lease has run out
    else
      local due = REPLY_INTERVAL_MS > 0 and redis.call('ZSCORE', REPLY_CHANNELS, channel)
      if due and tonumber(due) > now then
        queue_reply()
      else
        if REPLY_INTERVAL_MS > 0 then redis.call('ZADD', REPLY_CHANNELS, now + REPLY_INTERVAL_MS, channel) end
        record.reply_lease = (now + REPLY_LEASE_MS) .. '/' .. token
        dirty = true
        reply = 1
      end
    end
  end
end
if dirty then
  raw = encode_record(record)
  if changed then
    redis.call('SET', key, raw, 'PX', MAPPING_TTL_MS)
  else
    redis.call('SET', key, raw, 'KEEPTTL')
  end
end
return {changed and 1 or 0, record.version, record.status, changed and 'applied' or 'stale', id, raw,
  render, reply}
"""
)


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
        constants = lua_constants({
            "RANKS": {status.value: rank for status, rank in STATUS_RANK.items()},
            "STEPS": PENDING_STEP_ORDER,
            "FINALS": {status.value: True for status in FINAL_STATUSES},
            "MAPPING_TTL_MS": int(mapping_ttl * 1000),
            "REQUEST_PREFIX": keys.request(""),
            "INFLIGHT_PREFIX": keys.inflight("", "").removesuffix(":"),
            "SENDING": keys.sending(),
            "DEADLINES": keys.deadlines(),
            "UPDATE_QUEUE": keys.pending_updates(),
            "FINAL_QUEUE": keys.pending_finals(),
            "REPLY_CHANNELS": keys.reply_channels(),
            "REPLIES_QUEUED": keys.replies_queued(),
            "REPLY_QUEUE_PREFIX": keys.reply_queue(""),
            "RENDER_LEASE_MS": leases.render_ms,
            "MESSAGE_GAP_MS": leases.message_gap_ms,
            "REPLY_LEASE_MS": leases.reply_ms,
            "REPLY_INTERVAL_MS": leases.reply_interval_ms,
            "AUDIT_STREAM": "" if audit_vehicle_entries is None else keys.audit(),
            "VEHICLE_AUDIT_PREFIX": keys.vehicle_audit(""),
            "VEHICLE_AUDIT_LENGTH": audit_vehicle_entries or 0,
        })  # fmt: skip
        self._script = redis.register_script(constants + _TRANSITION_BODY)

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
        return [answer if isinstance(answer, Exception) else _transition(answer) for answer in answers]

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
        return _transition(await self._script(keys=keys, args=args))

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

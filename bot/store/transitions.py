"""The atomic, monotonic state transition of one request (a Lua script over the record JSON)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.records import STATUS_RANK, RequestRecord, RequestStatus
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

# Redis 6.2's cjson turns [] into {} and has no array metatable: empty arrays are swapped for a
# sentinel before decoding and restored after encoding. The scan skips JSON strings.
TRANSITION_LUA = r"""
-- KEYS: remote mapping, sending zset, deadlines zset, render queue, final render queue,
--       reply channels zset, replies queued set
-- ARGV: 1 target status, 2 order, 3 final '1'/'0', 4 step, 5 detail, 6 vendor status ('' keeps),
--       7 failure cause, 8 feedback detail, 9 at (s), 10 mapping ttl ms, 11 inflight key prefix,
--       12 rank table JSON, 13 pending step table JSON,
--       14 request id ('' to find it through the remote mapping), 15 request key prefix, 16 now ms,
--       17 reply queue key prefix
-- A redelivered event is recognised by the order check alone: its rank is not above the stored one,
-- and a Pending step of the same rank is the same report when the stored vendor status is its own.
-- Returns {changed, version, status, outcome, request id, record JSON}. An applied transition also
-- queues the message's render, and on a final state clears the deadline and queues the thread reply:
-- all in the same atomic step as the state change, so no crash can lose them.
local SENTINEL = '["__rb_empty_array__"]'
local function protect(s)
  local out, i, n = {}, 1, #s
  while i <= n do
    local j = string.find(s, '[%["]', i)
    if not j then out[#out + 1] = string.sub(s, i); break end
    if string.sub(s, j, j) == '"' then
      local k = j + 1
      while true do
        local q = string.find(s, '["\\]', k)
        if not q then k = n; break end
        if string.sub(s, q, q) == '\\' then k = q + 2 else k = q; break end
      end
      out[#out + 1] = string.sub(s, i, k); i = k + 1
    else
      local e = string.match(s, '^%[%s*%]()', j)
      if e then out[#out + 1] = string.sub(s, i, j - 1) .. SENTINEL; i = e
      else out[#out + 1] = string.sub(s, i, j); i = j + 1 end
    end
  end
  return table.concat(out)
end
local function restore(s)
  return (string.gsub(s, '%["__rb_empty_array__"%]', '[]'))
end

local id = ARGV[14]
if id == '' then
  id = redis.call('GET', KEYS[1])
  if not id then return {0, 0, '', 'unmapped', '', ''} end
end
local key = ARGV[15] .. id
local raw = redis.call('GET', key)
if not raw then return {0, 0, '', 'missing', id, ''} end
-- decode before any write: a script error must leave nothing behind (scripts do not roll back)
local record = cjson.decode(protect(raw))
local ranks = cjson.decode(ARGV[12])
local steps = cjson.decode(ARGV[13])
local stored = (ranks[record.status] or 0) * 10
if record.status == 'pending' and type(record.vendor_status) == 'string' then
  stored = stored + (steps[record.vendor_status] or 0)
end
local order = tonumber(ARGV[2])
local final = ARGV[3] == '1'
if order < stored or (order == stored and (final or stored % 10 == 0 or record.vendor_status == ARGV[6])) then
  return {0, record.version, record.status, 'stale', id, raw}
end
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
local encoded = restore(cjson.encode(record))
redis.call('SET', key, encoded, 'PX', ARGV[10])
redis.call('ZREM', KEYS[2], id)
local now = tonumber(ARGV[16])
if final then
  local slot = record.inflight_slot
  if slot == nil or slot == '' then slot = record.action end
  local inflight = ARGV[11] .. record.vin .. ':' .. slot
  if redis.call('GET', inflight) == id then redis.call('DEL', inflight) end
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[5], now, id)
  local channel = record.message_channel
  if type(channel) == 'string' and type(record.message_ts) == 'string' and record.reply_posted ~= true
      and redis.call('SADD', KEYS[7], id) == 1 then
    redis.call('RPUSH', ARGV[17] .. channel, id)
    redis.call('ZADD', KEYS[6], 'NX', now, channel)
  end
else
  redis.call('ZADD', KEYS[4], now, id)
end
return {1, record.version, record.status, 'applied', id, encoded}
"""

_RANKS_JSON = json.dumps({status.value: rank for status, rank in STATUS_RANK.items()})
_STEPS_JSON = json.dumps(PENDING_STEP_ORDER)


@dataclass(frozen=True)
class Transition:
    """What one event did to a request.

    `outcome` is applied, duplicate, stale, missing (the record is gone) or unmapped (no request has
    this remoteActionId yet); `record` is the stored record after the event, when there is one.
    """

    changed: bool
    outcome: str
    request_id: str
    record: RequestRecord | None


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

    def __init__(self, redis: Redis, keys: Keys, *, mapping_ttl: float) -> None:
        self._redis = redis
        self._keys = keys
        self._mapping_ttl_ms = int(mapping_ttl * 1000)
        self._script = redis.register_script(TRANSITION_LUA)
        self._constant_args = (
            keys.inflight("", "").removesuffix(":"),
            _RANKS_JSON,
            _STEPS_JSON,
        )

    async def apply_event(self, event: VehicleEvent) -> Transition:
        """Apply a vendor event to the request of its remoteActionId, unless it is a duplicate or stale."""
        return await self._call(_event_move(event))

    async def apply_events(self, events: list[VehicleEvent]) -> list[Transition | Exception]:
        """Apply a batch of events in order, in one round trip; a script error fails its event only."""
        if len(events) == 1:
            try:
                return [await self.apply_event(events[0])]
            except ResponseError as error:
                return [error]
        async with self._redis.pipeline(transaction=False) as pipe:
            for event in events:
                keys, args = self._arguments(_event_move(event))
                await self._script(keys=keys, args=args, client=pipe)
            answers = await pipe.execute(raise_on_error=False)
        return [answer if isinstance(answer, Exception) else _transition(answer) for answer in answers]

    async def mark_no_answer(self, request_id: str, remote_action_id: str | None) -> Transition:
        """Mark a request as having no final answer yet (a later Done still completes it)."""
        return await self._call(
            _Move(remote_action_id or request_id, request_id, RequestStatus.NO_ANSWER, step="no_answer")
        )

    async def _call(self, move: _Move) -> Transition:
        keys, args = self._arguments(move)
        return _transition(await self._script(keys=keys, args=args))

    def _arguments(self, move: _Move) -> tuple[list[str], list[Any]]:
        keys = self._keys
        return (
            [
                keys.remote_map(move.remote_action_id), keys.sending(), keys.deadlines(),
                keys.pending_updates(), keys.pending_finals(), keys.reply_channels(), keys.replies_queued(),
            ],
            [
                move.status.value, _order(move.status, move.vendor_status or None),
                "1" if move.status.is_final else "0", move.step, move.detail, move.vendor_status,
                move.failure_cause, move.feedback_detail, f"{time.time():.3f}", self._mapping_ttl_ms,
                *self._constant_args, move.request_id, keys.request(""), now_ms(), keys.reply_queue(""),
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
    changed, _version, _status, outcome, found_id, raw = answer
    record = RequestRecord.model_validate_json(raw) if raw else None
    return Transition(bool(int(changed)), str(outcome), str(found_id), record)

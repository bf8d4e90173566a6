"""The per-channel queues of thread replies: taken under a lease, marked posted, or put back."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.record_lua import RECORD_LUA
from bot.store.records import RequestRecord

# Hands out the next replies: from each channel whose interval has passed, the oldest queued reply
# (several when the interval is 0), each leased; leases that expired (a replica died mid-post) go
# back to the head of their channel's queue first. Replies already posted are dropped from the queue;
# one that a consumer is posting right now (its record holds a reply lease) is looked at again when
# that lease runs out. A reply taken is marked in its record so that no consumer posts it meanwhile.
# KEYS: channels zset, taken zset, queued set
# ARGV: now ms, interval ms, lease ms, max channels, max per channel, queue key prefix, record key prefix
# Returns a flat list: when the next channel is due (ms, -1 when none), then channel, request id,
# record JSON and lease expiry (ms, which identifies this take) for each reply taken.
_TAKE = (
    RECORD_LUA
    + r"""
local now = tonumber(ARGV[1])
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)) do
  local channel, id = string.match(member, '^(%S+) (%S+)$')
  redis.call('ZREM', KEYS[2], member)
  redis.call('LPUSH', ARGV[6] .. channel, id)
  redis.call('ZADD', KEYS[1], 'NX', now, channel)
end
local out = {-1}
local per_channel = tonumber(ARGV[5])
for _, channel in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))) do
  local queue = ARGV[6] .. channel
  local took = 0
  while took < per_channel do
    local id = redis.call('LPOP', queue)
    if not id then break end
    local key = ARGV[7] .. id
    local raw = redis.call('GET', key)
    if raw and not string.find(raw, '"reply_posted":true', 1, true) then
      local record = decode_record(raw)
      local holder, held_until = lease_of(record.reply_lease)
      if holder ~= 'queue' and held_until > now then
        redis.call('ZADD', KEYS[2], held_until, channel .. ' ' .. id)
      else
        local expiry = now + tonumber(ARGV[3])
        record.reply_lease = expiry .. '/queue'
        raw = encode_record(record)
        redis.call('SET', key, raw, 'KEEPTTL')
        redis.call('ZADD', KEYS[2], expiry, channel .. ' ' .. id)
        out[#out + 1] = channel
        out[#out + 1] = id
        out[#out + 1] = raw
        out[#out + 1] = expiry
        took = took + 1
      end
    else
      redis.call('SREM', KEYS[3], id)
    end
  end
  -- the channel stays scheduled after a post, so the next reply there waits for the interval
  if took > 0 then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), channel)
  else
    redis.call('ZREM', KEYS[1], channel)
  end
end
local next_due = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if next_due[2] then out[1] = tonumber(next_due[2]) end
return out
"""
)

# A reply was posted (or can never be): mark the record, and forget the reply unless this take's lease
# ran out and another take holds it now (that one finishes it).
# KEYS: taken zset, queued set, record; ARGV: taken member, request id, '1' to mark it posted, lease expiry
_DONE = (
    RECORD_LUA
    + r"""
local raw = redis.call('GET', KEYS[3])
if raw then
  local record = decode_record(raw)
  local holder, expiry = lease_of(record.reply_lease)
  local ours = holder == 'queue' and expiry == tonumber(ARGV[4])
  if ours then record.reply_lease = '' end
  if ARGV[3] == '1' then record.reply_posted = true end
  if ours or ARGV[3] == '1' then redis.call('SET', KEYS[3], encode_record(record), 'KEEPTTL') end
end
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if held and tonumber(held) == tonumber(ARGV[4]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
"""
)

# A post failed for now: put the reply back at the head of its channel's queue, not before `not_before`,
# unless this take's lease ran out (the reply was queued again already, or another take holds it).
# KEYS: taken zset, channels zset, channel queue
# ARGV: taken member, request id, channel, not-before ms, lease expiry
_RETRY = """
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if held and tonumber(held) == tonumber(ARGV[5]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('LPUSH', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[2], 'GT', ARGV[4], ARGV[3])
end
return 1
"""


@dataclass(frozen=True)
class TakenReply:
    """A reply leased to this replica: where it goes, the request, and the lease's expiry (ms)."""

    channel: str
    record: RequestRecord
    lease_expiry: int

    @property
    def member(self) -> str:
        """Its entry in the taken set."""
        return f"{self.channel} {self.record.id}"


class ReplyStore:
    """Hands out due replies channel by channel, and records how each post ended."""

    def __init__(self, redis: Redis, keys: Keys, *, interval_ms: int, lease_ms: int) -> None:
        self._keys = keys
        self._interval_ms = interval_ms
        self._lease_ms = lease_ms
        self._take = redis.register_script(_TAKE)
        self._done = redis.register_script(_DONE)
        self._retry = redis.register_script(_RETRY)

    async def take(self, limit: int) -> tuple[list[TakenReply], int | None]:
        """The replies due now, leased to this caller; and when the next channel is due (ms, None: none)."""
        keys = self._keys
        flat = await self._take(
            keys=[keys.reply_channels(), keys.replies_taken(), keys.replies_queued()],
            args=[
                now_ms(), self._interval_ms, self._lease_ms, limit, 1 if self._interval_ms else limit,
                keys.reply_queue(""), keys.request(""),
            ],
        )  # fmt: skip
        taken = [
            TakenReply(str(flat[i]), RequestRecord.model_validate_json(flat[i + 2]), int(flat[i + 3]))
            for i in range(1, len(flat), 4)
        ]
        next_due = int(flat[0])
        return taken, None if next_due < 0 else next_due

    async def finish(self, reply: TakenReply, *, posted: bool) -> None:
        """The reply was posted (or never can be): mark the record and forget the reply."""
        keys = self._keys
        await self._done(
            keys=[keys.replies_taken(), keys.replies_queued(), keys.request(reply.record.id)],
            args=[reply.member, reply.record.id, "1" if posted else "0", reply.lease_expiry],
        )

    async def put_back(self, reply: TakenReply, wait_ms: int) -> None:
        """Put the reply back at the head of its channel's queue, not before `wait_ms` from now."""
        keys = self._keys
        await self._retry(
            keys=[keys.replies_taken(), keys.reply_channels(), keys.reply_queue(reply.channel)],
            args=[reply.member, reply.record.id, reply.channel, now_ms() + wait_ms, reply.lease_expiry],
        )

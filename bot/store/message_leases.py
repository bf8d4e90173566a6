"""The render and reply leases a request's record holds, and the script that gives a batch of them back."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.record_lua import RECORD_LUA

MESSAGE_GAP_MS = 1000  # at most one chat.update per message per second
RENDER_LEASE_MS = 10_000

# Ends the renders and replies of a batch of requests in one step. For each request: if its render
# lease is still this holder's, records the version shown and gives the lease back; a render deferred,
# or one whose lease ran out meanwhile (another renderer may have shown a newer version), is queued.
# A request taken from a render queue leaves it unless a transition queued it again meanwhile (its
# score is then no longer the hold score). A reply posted marks the record; one that failed for now
# goes back to its channel's queue, not before its retry time.
# KEYS: final queue, update queue, reply channels zset, replies queued set
# ARGV: 1 now ms, 2 request key prefix, 3 reply queue key prefix, 4 holder token, then 6 per request:
#   id, shown version ('' none), render retry at ms ('' none, 'x' not rendered), hold score ('' none),
#   final '1'/'0', reply ('' none, 'posted', 'dropped', or the retry-at ms)
_FINISH = (
    RECORD_LUA
    + r"""
local now = tonumber(ARGV[1])
local token = ARGV[4]
for i = 5, #ARGV, 6 do
  local id, shown, retry, hold = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local queue = ARGV[i + 4] == '1' and KEYS[1] or KEYS[2]
  local reply = ARGV[i + 5]
  local key = ARGV[2] .. id
  local raw = redis.call('GET', key)
  local record = raw and decode_record(raw)
  local dirty = false
  local ours = false
  if record then
    local holder = lease_of(record.render_lease)
    ours = holder == token
    if ours then
      if shown ~= '' then
        record.shown_version = tonumber(shown)
        record.shown_at = now
      end
      record.render_lease = ''
      dirty = true
    end
  end
  if hold ~= '' then
    for _, taken in ipairs({KEYS[1], KEYS[2]}) do
      if tonumber(redis.call('ZSCORE', taken, id)) == tonumber(hold) then redis.call('ZREM', taken, id) end
    end
  end
  if retry ~= 'x' then
    if retry ~= '' then
      redis.call('ZADD', queue, retry, id)
    elseif not ours then
      redis.call('ZADD', queue, now, id)
    end
  end
  if record and reply ~= '' then
    local holder = lease_of(record.reply_lease)
    if reply == 'posted' then record.reply_posted = true; dirty = true end
    if holder == token then record.reply_lease = ''; dirty = true end
    local channel = record.message_channel
    if reply ~= 'posted' and reply ~= 'dropped' and type(channel) == 'string'
        and redis.call('SADD', KEYS[4], id) == 1 then
      redis.call('LPUSH', ARGV[3] .. channel, id)
      redis.call('ZADD', KEYS[3], 'GT', reply, channel)
    end
  end
  if dirty then redis.call('SET', key, encode_record(record), 'KEEPTTL') end
end
return 1
"""
)


@dataclass(frozen=True)
class MessageLeases:
    """How long a render and a reply are held by their taker, and the paces they keep (ms)."""

    render_ms: int = RENDER_LEASE_MS
    message_gap_ms: int = MESSAGE_GAP_MS
    reply_ms: int = 60_000
    reply_interval_ms: int = 1000  # at most one thread reply per channel per interval


@dataclass(frozen=True)
class Finished:
    """How one request's render and reply ended.

    `retry_in_ms` None with `rendered` True means done; `rendered` False means no render was taken.
    `reply` is '' (none taken), 'posted', 'dropped' or 'retry'; `reply_retry_in_ms` paces a retry.
    """

    request_id: str
    final: bool
    rendered: bool = False
    shown_version: int | None = None
    retry_in_ms: int | None = None
    hold: int | None = None  # the render queue's hold score when it was taken from there
    reply: str = ""
    reply_retry_in_ms: int = 0


class MessageFinisher:
    """Gives back the render and reply leases of a batch of requests, in one script call."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._keys = keys
        self._finish = redis.register_script(_FINISH)

    async def finish(self, token: str, items: list[Finished]) -> None:
        """Record what was shown and posted, queue what was deferred, give the leases back."""
        if not items:
            return
        keys, now = self._keys, now_ms()
        args: list[str | int] = [now, keys.request(""), keys.reply_queue(""), token]
        for item in items:
            if not item.rendered:
                retry = "x"
            else:
                retry = "" if item.retry_in_ms is None else str(now + item.retry_in_ms)
            reply = str(now + item.reply_retry_in_ms) if item.reply == "retry" else item.reply
            args += [
                item.request_id, "" if item.shown_version is None else item.shown_version, retry,
                "" if item.hold is None else item.hold, "1" if item.final else "0", reply,
            ]  # fmt: skip
        queues = [keys.pending_finals(), keys.pending_updates(), keys.reply_channels(), keys.replies_queued()]
        await self._finish(keys=queues, args=args)

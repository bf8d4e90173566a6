"""Thread replies on final states: one queue per channel, at most one reply per channel per interval.

The transition script queues a request's reply in the same atomic step that makes it final (see
bot/transitions.py); this module drains the queues. A reply is taken under a lease and marked posted
only after Slack accepted it, so a replica that dies mid-post leaves the reply to another one: a crash
between Slack's answer and the mark can post it twice, never zero times.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.cancellation import pause, raise_if_cancelling
from bot.runtime.clock import now_ms
from bot.slack.blocks import done_reply
from bot.slack.messenger import client_like, retry_after_seconds
from bot.slack.parts import SlackParts
from bot.store.records import RequestRecord

log = logging.getLogger(__name__)

REPLY_LEASE_MS = 60_000  # longer than a post can take (10 s timeout, no retry inside the client)
RETRY_LATER_MS = 1_000
# Slack errors after which posting the same reply again cannot succeed.
PERMANENT_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "thread_not_found", "msg_too_long",
     "invalid_auth", "account_inactive", "restricted_action"}
)  # fmt: skip

# Hands out the next replies: from each channel whose interval has passed, the oldest queued reply
# (several when the interval is 0), each leased; leases that expired (a replica died mid-post) go
# back to the head of their channel's queue first. Replies already posted are dropped from the queue.
# KEYS: channels zset, taken zset, queued set
# ARGV: now ms, interval ms, lease ms, max channels, max per channel, queue key prefix, record key prefix
# Returns a flat list: when the next channel is due (ms, -1 when none), then channel, request id,
# record JSON and lease expiry (ms, which identifies this take) for each reply taken.
_TAKE = """
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
    local raw = redis.call('GET', ARGV[7] .. id)
    if raw and not string.find(raw, '"reply_posted":true', 1, true) then
      local expiry = now + tonumber(ARGV[3])
      redis.call('ZADD', KEYS[2], expiry, channel .. ' ' .. id)
      out[#out + 1] = channel
      out[#out + 1] = id
      out[#out + 1] = raw
      out[#out + 1] = expiry
      took = took + 1
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

# A reply was posted (or can never be): mark the record, and forget the reply unless this take's lease
# ran out and another take holds it now (that one finishes it).
# KEYS: taken zset, queued set, record; ARGV: taken member, request id, '1' to mark it posted, lease expiry
_DONE = """
if ARGV[3] == '1' then
  local raw = redis.call('GET', KEYS[3])
  if raw then
    local posted = string.gsub(raw, '"reply_posted":false', '"reply_posted":true', 1)
    redis.call('SET', KEYS[3], posted, 'KEEPTTL')
  end
end
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if held and tonumber(held) == tonumber(ARGV[4]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
"""

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


class Replied(StrEnum):
    """What one reply attempt did."""

    POSTED = "posted"
    RETRY = "retry"  # back in its channel's queue
    DROPPED = "dropped"  # Slack can never take it


class ReplyQueue:
    """Posts queued thread replies, channel by channel, under the per-channel interval."""

    def __init__(
        self, services: SlackParts, client: AsyncWebClient | None = None, *, lease_ms: int = REPLY_LEASE_MS
    ) -> None:
        self._keys = services.keys
        self._lease_ms = lease_ms
        # No retry inside the client: every failure puts the reply back in its channel's queue, which
        # paces the retry (a 429 waits out its Retry-After there instead of holding a task asleep).
        self._client = client or client_like(services.messenger.client, [])
        self._interval_ms = int(services.settings.slack_reply_interval_seconds * 1000)
        redis = services.redis
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

    async def post(self, reply: TakenReply) -> Replied:
        """Post one taken reply, then mark it posted; put it back in its queue when Slack fails for now."""
        record = reply.record
        try:
            await self._client.chat_postMessage(
                channel=reply.channel, thread_ts=record.message_ts, text=done_reply(record)
            )
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in PERMANENT_ERRORS:
                log.error("request %s: thread reply cannot be posted (%s); dropped", record.id, code)
                await self._finish(reply, posted=False)
                return Replied.DROPPED
            wait_ms = RETRY_LATER_MS
            if error.response.status_code == 429:
                wait_ms = int(retry_after_seconds(error) * 1000)
            log.warning("request %s: thread reply failed (%s), will retry", record.id, code or "HTTP error")
            return await self._put_back(reply, wait_ms)
        except (TimeoutError, OSError, aiohttp.ClientError) as error:
            # Slack may have posted it: retrying risks a duplicate reply, dropping it loses one.
            log.warning("request %s: thread reply failed (%s), will retry", record.id, type(error).__name__)
            return await self._put_back(reply, RETRY_LATER_MS)
        await self._finish(reply, posted=True)
        return Replied.POSTED

    async def _finish(self, reply: TakenReply, *, posted: bool) -> None:
        keys = self._keys
        await self._done(
            keys=[keys.replies_taken(), keys.replies_queued(), keys.request(reply.record.id)],
            args=[reply.member, reply.record.id, "1" if posted else "0", reply.lease_expiry],
        )

    async def _put_back(self, reply: TakenReply, wait_ms: int) -> Replied:
        keys = self._keys
        await self._retry(
            keys=[keys.replies_taken(), keys.reply_channels(), keys.reply_queue(reply.channel)],
            args=[reply.member, reply.record.id, reply.channel, now_ms() + wait_ms, reply.lease_expiry],
        )
        return Replied.RETRY

    async def run(self, *, poll_seconds: float = 0.2, batch: int = 50, concurrency: int = 16) -> None:
        """Post due replies forever, waking when the next channel is due (or every `poll_seconds`)."""
        limit = asyncio.Semaphore(concurrency)

        async def bounded(reply: TakenReply) -> None:
            async with limit:
                await self.post(reply)

        while True:
            raise_if_cancelling()
            taken, next_due_ms = await self.take(batch)
            if taken:
                await asyncio.gather(*(bounded(reply) for reply in taken))
            if len(taken) < batch:
                wait = poll_seconds if next_due_ms is None else (next_due_ms - now_ms()) / 1000
                await pause(min(max(wait, 0.0), poll_seconds))

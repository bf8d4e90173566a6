"""The queue of request messages to render, and each render's lease and shown-version marker."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from bot.runtime.clock import now_ms
from bot.store.keys import Keys

# Takes the message's render lease and reads what the render needs. The request stays queued, held
# out of reach until the lease ends: if this renderer dies mid-render, another renders it then.
# KEYS: lease, final queue, update queue, Slack pause, record, rendered marker
# ARGV: token, lease ms, request id, hold score (now + lease, ms)
# Returns 0 when another renderer holds the lease, else {pause ms, record JSON or '', marker fields}.
_BEGIN = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], 'XX', ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[3], 'XX', ARGV[4], ARGV[3])
return {redis.call('PTTL', KEYS[4]), redis.call('GET', KEYS[5]) or '', redis.call('HGETALL', KEYS[6])}
"""

# Ends a render in one step: records what was shown, unless the lease ran out meanwhile (another
# renderer may have shown a newer version: the request is queued again instead); dequeues the request
# unless a transition queued it again during the render (its score is then no longer the hold score);
# queues it for a retry when the render was deferred; gives the lease back.
# KEYS: lease, rendered marker, final queue, update queue, retry queue
# ARGV: token, shown version ('' none), now ms, marker ttl ms, retry at ms ('' none), request id, hold score
_FINISH = """
local ours = redis.call('GET', KEYS[1]) == ARGV[1]
if ours then
  if ARGV[2] ~= '' then
    redis.call('HSET', KEYS[2], 'version', ARGV[2], 'at', ARGV[3])
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
  redis.call('DEL', KEYS[1])
end
for _, queue in ipairs({KEYS[3], KEYS[4]}) do
  if tonumber(redis.call('ZSCORE', queue, ARGV[6])) == tonumber(ARGV[7]) then
    redis.call('ZREM', queue, ARGV[6])
  end
end
if ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[6])
elseif not ours then
  redis.call('ZADD', KEYS[5], ARGV[3], ARGV[6])
end
return 1
"""


@dataclass(frozen=True)
class RenderLease:
    """A render in progress: its lease token and hold score, and what it read when it began."""

    request_id: str
    token: str
    hold: int
    paused_ms: int  # the Slack pause (a 429's Retry-After) still to run, 0 when none
    record_json: str  # '' when the record is gone
    shown: dict[str, str]  # the rendered marker: version and when (ms)


class RenderQueue:
    """Two queues of requests whose message needs a render: final states are taken first."""

    def __init__(self, redis: Redis, keys: Keys, *, marker_ttl_seconds: float) -> None:
        self._redis = redis
        self._keys = keys
        self._marker_ttl_ms = int(marker_ttl_seconds * 1000)
        self._begin = redis.register_script(_BEGIN)
        self._finish = redis.register_script(_FINISH)

    def _queue(self, final: bool) -> str:
        return self._keys.pending_finals() if final else self._keys.pending_updates()

    async def mark_dirty(self, request_id: str) -> None:
        """Queue a request's message for rendering (idempotent; the latest state is what gets shown)."""
        await self._redis.zadd(self._queue(final=False), {request_id: now_ms()})

    async def due_items(self, limit: int) -> list[tuple[str, bool]]:
        """Queued requests whose time has come, with whether each is a final state; finals first."""
        now = now_ms()
        async with self._redis.pipeline(transaction=False) as pipe:
            for final in (True, False):
                pipe.zrangebyscore(self._queue(final), "-inf", now, start=0, num=limit)
            finals, updates = await pipe.execute()
        items: dict[str, bool] = {}
        for request_id in finals:
            items.setdefault(str(request_id), True)
        for request_id in updates:
            items.setdefault(str(request_id), False)
        return list(items.items())[:limit]

    async def begin(self, request_id: str, token: str, lease_ms: int) -> RenderLease | None:
        """Take the message's render lease and read the record and marker; None when another holds it."""
        keys = self._keys
        hold = now_ms() + lease_ms
        begun = await self._begin(
            keys=[
                keys.lock(f"render:{request_id}"), keys.pending_finals(), keys.pending_updates(),
                keys.slack_pause(), keys.request(request_id), keys.rendered(request_id),
            ],
            args=[token, lease_ms, request_id, hold],
        )  # fmt: skip
        if not begun:
            return None
        pause_ttl, raw, marker = begun
        shown = dict(zip(marker[::2], marker[1::2], strict=True))
        return RenderLease(request_id, token, hold, max(int(pause_ttl), 0), str(raw), shown)

    async def finish(
        self, lease: RenderLease, *, shown_version: int | None, retry_in_ms: int | None, final: bool
    ) -> None:
        """Record what was shown (if the lease is still ours), dequeue or requeue, give the lease back."""
        keys, now = self._keys, now_ms()
        await self._finish(
            keys=[
                keys.lock(f"render:{lease.request_id}"), keys.rendered(lease.request_id),
                keys.pending_finals(), keys.pending_updates(), self._queue(final),
            ],
            args=[
                lease.token, "" if shown_version is None else shown_version, now, self._marker_ttl_ms,
                "" if retry_in_ms is None else now + retry_in_ms, lease.request_id, lease.hold,
            ],
        )  # fmt: skip

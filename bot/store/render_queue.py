"""The queues of request messages to render later, and the render lease a queued render takes."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.message_finish import Finished, MessageFinisher
from bot.store.scripts import register


@dataclass(frozen=True)
class RenderLease:
    """A render in progress: its lease token and hold score, and what it read when it began."""

    request_id: str
    token: str
    hold: int
    paused_ms: int  # the Slack pause (a 429's Retry-After) still to run, 0 when none
    record_json: str  # '' when the record is gone


def render_queue(keys: Keys, *, final: bool) -> str:
    """The queue a request's render waits in: final states have their own, taken first."""
    return keys.pending_finals() if final else keys.pending_updates()


def enqueue_render(pipe: Pipeline, keys: Keys, request_id: str, *, final: bool) -> None:
    """Queue a request's render inside the caller's transaction (the latest state is what gets shown)."""
    pipe.zadd(render_queue(keys, final=final), {request_id: now_ms()})


@dataclass(frozen=True)
class Schedule:
    """What the render queues hold: the requests due now (id, final), and when the next one is due.

    `next_due` is in ms, None when nothing else is queued; `more` says that a queue held a whole page
    of due requests, so more may be due now than `due` lists.
    """

    due: list[tuple[str, bool]]
    next_due: int | None
    more: bool


class RenderQueue:
    """Two queues of requests whose message needs a render: final states are taken first."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._begin = register(redis, "render_begin")
        self.finisher = MessageFinisher(redis, keys)

    async def mark_dirty(self, request_id: str) -> None:
        """Queue a request's message for rendering (idempotent; the latest state is what gets shown)."""
        await self._redis.zadd(render_queue(self._keys, final=False), {request_id: now_ms()})

    async def due_items(self, limit: int) -> list[tuple[str, bool]]:
        """Queued requests whose time has come, with whether each is a final state; finals first."""
        return (await self.schedule(limit)).due

    async def schedule(self, limit: int) -> Schedule:
        """The queued requests due now (finals first), and when the next one is due: one round trip.

        Each queue's head is read by rank with its scores (a score is the time a render is due), so the
        first request not due yet tells when the job should look again.
        """
        now = now_ms()
        async with self._redis.pipeline(transaction=False) as pipe:
            for final in (True, False):
                pipe.zrange(render_queue(self._keys, final=final), 0, limit - 1, withscores=True)
            pages = await pipe.execute()
        items: dict[str, bool] = {}
        next_due: int | None = None
        more = False
        for final, page in zip((True, False), pages, strict=True):
            for request_id, score in page:
                if score > now:
                    next_due = int(score) if next_due is None else min(next_due, int(score))
                    break
                items.setdefault(str(request_id), final)
            else:
                more = more or len(page) >= limit  # a whole page due: what lies beyond is unknown
        return Schedule(list(items.items())[:limit], next_due, more)

    async def begin(self, request_id: str, token: str, lease_ms: int) -> RenderLease | None:
        """Take the message's render lease and read the record; None when another holds it."""
        keys, now = self._keys, now_ms()
        hold = now + lease_ms
        begun = await self._begin(
            keys=[
                render_queue(keys, final=True), render_queue(keys, final=False), keys.slack_pause(),
                keys.request(request_id),
            ],
            args=[token, lease_ms, request_id, hold, now],
        )  # fmt: skip
        if not begun:
            return None
        pause_ttl, raw = begun
        return RenderLease(request_id, token, hold, max(int(pause_ttl), 0), str(raw))

    async def finish(
        self, lease: RenderLease, *, shown_version: int | None, retry_in_ms: int | None, final: bool
    ) -> None:
        """Record what was shown (if the lease is still ours), dequeue or requeue, give the lease back."""
        done = Finished(
            lease.request_id, final, rendered=True, shown_version=shown_version, retry_in_ms=retry_in_ms,
            hold=lease.hold,
        )  # fmt: skip
        await self.finisher.finish(lease.token, [done])

"""Finishing the renders and replies of a batch of request messages in one script call; the leases' terms."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.scripts import register
from bot.store.wakeups import render_bell, reply_bell

MESSAGE_GAP_MS = 1000  # at most one chat.update per message per second
RENDER_LEASE_MS = 10_000


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
        self._finish = register(redis, "finish_messages")

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
        # A render or a reply queued again here may be due before the jobs' next look.
        if any(item.rendered for item in items):
            render_bell(keys).ring()
        if any(item.reply == "retry" for item in items):
            reply_bell(keys).ring()

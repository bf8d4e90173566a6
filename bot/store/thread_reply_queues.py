"""The per-channel queues of thread replies: taken under a lease, marked posted, or put back."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.records import RequestRecord
from bot.store.scripts import register
from bot.store.wakeups import reply_bell


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


class ThreadReplyQueues:
    """Hands out due replies channel by channel, and records how each post ended."""

    def __init__(self, redis: Redis, keys: Keys, *, interval_ms: int, lease_ms: int) -> None:
        self._keys = keys
        self._interval_ms = interval_ms
        self._lease_ms = lease_ms
        self._take = register(redis, "reply_take")
        self._done = register(redis, "reply_done")
        self._retry = register(redis, "reply_retry")

    async def take(self, limit: int) -> tuple[list[TakenReply], int | None]:
        """The replies due now, leased to this caller; and when the next is due (ms, None: none).

        The next is due when a channel's interval ends or a taken reply's lease runs out.
        """
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
        reply_bell(keys).ring()

"""Batches: one command for many vehicles, its members' requests, and the queue of members to send."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.catalogue.action import Action
from bot.catalogue.command import Command
from bot.runtime.wakeup import Doorbell, doorbell
from bot.store.keys import Keys
from bot.store.records import RequestRecord
from bot.store.scripts import register
from bot.store.wakeups import earliest_score
from bot.store.watched import watched_update

BATCH_ID = re.compile(r"^b[0-9a-f]{8}$")  # `b` and 8 hex digits: told apart from a request id
PARSE_CHUNK = 100  # member records parsed between two yields to the event loop


def new_batch_id() -> str:
    """A short batch id, told apart from request ids by its `b` and its length."""
    return "b" + secrets.token_hex(4)


def is_batch_id(reference: str) -> bool:
    """Whether a `status` reference is shaped like a batch id (when no such batch exists, it is a vehicle)."""
    return BATCH_ID.match(reference) is not None


def member_index(request_id: str) -> int:
    """The index of a batch member in its batch, from its request id (see BatchRecord.member_id)."""
    return int(request_id.rsplit("-", 1)[1])


def batch_send_bell(keys: Keys) -> Doorbell:
    """Rung when members are queued for sending in this process (the sender job waits for it)."""
    return doorbell(keys.batches_sending())


class BatchStatus(StrEnum):
    """Where a batch stands."""

    PREVIEW = "preview"  # shown privately to its requester; nothing stored for the vehicles yet
    AWAITING_APPROVAL = "awaiting_approval"
    SENDING = "sending"  # members are being sent at the shared pace (some may be done already)
    STOPPED = "stopped"  # Stop clicked: members not sent yet are not sent; those in flight finish
    FINISHED = "finished"  # every member is final
    CANCELLED = "cancelled"  # the preview was cancelled
    REJECTED = "rejected"
    EXPIRED = "expired"  # no approval in time

    @property
    def is_closed(self) -> bool:
        """Whether no button of the batch can do anything any more."""
        return self in (
            BatchStatus.FINISHED,
            BatchStatus.CANCELLED,
            BatchStatus.REJECTED,
            BatchStatus.EXPIRED,
        )


class BatchMember(BaseModel):
    """One vehicle of a batch and the id of its request."""

    vin: str
    alias: str | None = None
    request_id: str

    @property
    def name(self) -> str:
        """Alias and VIN tail, or the VIN."""
        return f"{self.alias} (…{self.vin[-6:]})" if self.alias else self.vin


class LeftOut(BaseModel):
    """A vehicle (or a word) of the target that receives nothing, and why."""

    name: str
    reason: str
    vin: str | None = None


class BatchRecord(BaseModel):
    """One command for many vehicles: what, for whom, where it is shown and where it stands."""

    id: str
    action: Action
    command: Command  # the command as parsed; each member sends it with its own vehicle
    summary: str  # what each vehicle will do, in words
    target: str  # the target as typed: "group:paris", "van-12,van-34"
    requester: str
    channel: str
    members: list[BatchMember] = Field(default_factory=list)
    left_out: list[LeftOut] = Field(default_factory=list)
    remote_body: dict[str, object] = Field(default_factory=dict)
    wakeups: int = 0  # the wake-ups it costs (a command that always wakes: one per member)
    needs_approval: bool = False
    approver: str | None = None
    retry_of: str | None = None  # the batch whose failed members this one retries
    status: BatchStatus = BatchStatus.PREVIEW
    stopped_by: str | None = None
    message_channel: str | None = None
    message_ts: str | None = None
    summary_posted: bool = False
    summary_claimed_at: float | None = None  # a replica posting the summary (a lease: see BatchRenderer)
    simulator: bool = False  # sent to the built-in simulator: its messages say so
    created_at: float = Field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        """Whether the sweep must keep an eye on it: sending, stopped, awaiting approval, or finished
        without its summary posted yet."""
        open_statuses = (BatchStatus.SENDING, BatchStatus.AWAITING_APPROVAL, BatchStatus.STOPPED)
        return self.status in open_statuses or (
            self.status is BatchStatus.FINISHED and not self.summary_posted
        )

    def member_id(self, index: int) -> str:
        """The request id of the member at `index` (fixed, so that making it twice makes it once)."""
        return f"{self.id}-{index}"


class BatchChanged(Exception):
    """The batch is not in a state that allows this change (the caller says what it is in)."""

    def __init__(self, record: BatchRecord) -> None:
        super().__init__(record.id)
        self.record = record


class BatchStore:
    """Reads and writes batches, and the sorted set of each batch's members still to send."""

    def __init__(self, redis: Redis, keys: Keys, *, ttl_seconds: float) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl_ms = int(ttl_seconds * 1000)
        self._queue = register(redis, "batch_queue")
        self._take = register(redis, "batch_take")

    async def create(self, record: BatchRecord, *, ttl_seconds: float) -> None:
        """Store a new batch (a preview, which lives `ttl_seconds` unless it is sent)."""
        record.version = 1
        await self._redis.set(
            self._keys.batch(record.id), record.model_dump_json(), px=int(ttl_seconds * 1000)
        )

    async def get(self, batch_id: str) -> BatchRecord | None:
        """The stored batch, or None."""
        raw = await self._redis.get(self._keys.batch(batch_id))
        return None if raw is None else BatchRecord.model_validate_json(raw)

    async def update(self, batch_id: str, mutate: Callable[[BatchRecord], None]) -> BatchRecord:
        """Apply `mutate` atomically (it raises BatchChanged to refuse); KeyError when the batch is gone."""
        key = self._keys.batch(batch_id)

        def write(raw: str | None, pipe: Pipeline) -> BatchRecord:
            if raw is None:
                raise KeyError(batch_id)
            record = BatchRecord.model_validate_json(raw)
            mutate(record)
            record.version += 1
            if record.status in (BatchStatus.PREVIEW, BatchStatus.CANCELLED):  # a preview's TTL
                pipe.set(key, record.model_dump_json(), keepttl=True)
            else:
                pipe.set(key, record.model_dump_json(), px=self._ttl_ms)
            if record.is_open:
                pipe.zadd(self._keys.batches_open(), {record.id: record.created_at}, nx=True)
            else:
                pipe.zrem(self._keys.batches_open(), record.id)
            return record

        return await watched_update(self._redis, key, write)

    async def queue_members(self, batch_id: str, indexes: Sequence[int]) -> bool:
        """Put members on the batch's to-send set (idempotent) and the batch among those sending; False
        (nothing queued) once the batch is stopped."""
        if not indexes:
            return True
        queued = await self._queue(
            keys=[
                self._keys.batch_todo(batch_id),
                self._keys.batches_sending(),
                self._keys.batch_stopped(batch_id),
            ],
            args=[batch_id, time.time(), self._ttl_ms, *indexes],
        )
        if queued:
            batch_send_bell(self._keys).ring()
        return bool(queued)

    async def next_member(self, batch_id: str) -> int | None:
        """Take the next member to send (each is taken once; a crash before it is sent is swept back)."""
        taken = await self._take(
            keys=[self._keys.batch_todo(batch_id), self._keys.batches_sending()], args=[batch_id]
        )
        return None if taken is None else int(str(taken))

    async def mark_stopped(self, batch_id: str) -> None:
        """Nothing of this batch is queued any more (a member rate limited after Stop is not sent again)."""
        await self._redis.set(self._keys.batch_stopped(batch_id), "1", px=self._ttl_ms)

    async def forget_open(self, batch_id: str) -> None:
        """Drop a batch whose record is gone from the open ones."""
        await self._redis.zrem(self._keys.batches_open(), batch_id)

    async def drop_queue(self, batch_id: str) -> None:
        """Nothing more of this batch is sent."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.batch_todo(batch_id))
            pipe.zrem(self._keys.batches_sending(), batch_id)
            await pipe.execute()

    async def queued(self, batch_id: str) -> set[int]:
        """The members still on the to-send list."""
        return {int(str(i)) for i in await self._redis.zrange(self._keys.batch_todo(batch_id), 0, -1)}

    async def sending(self) -> list[str]:
        """The batches with members still to send, oldest first."""
        return [str(b) for b in await self._redis.zrange(self._keys.batches_sending(), 0, -1)]

    async def open_batches(self, limit: int = 200) -> list[str]:
        """The batches not finished yet (sending, stopped with members in flight, awaiting approval)."""
        return [str(b) for b in await self._redis.zrange(self._keys.batches_open(), 0, limit - 1)]

    async def oldest_open(self) -> float | None:
        """When the oldest open batch was created, None when none is open."""
        return await earliest_score(self._redis, self._keys.batches_open())

    async def members(self, record: BatchRecord) -> list[RequestRecord | None]:
        """Every member's request record, in member order (None where it is not stored yet, or gone)."""
        if not record.members:
            return []
        raws = await self._redis.mget([self._keys.request(m.request_id) for m in record.members])
        records: list[RequestRecord | None] = []
        for start in range(0, len(raws), PARSE_CHUNK):  # a thousand records: let the sends go on between
            if start:
                await asyncio.sleep(0)
            chunk = raws[start : start + PARSE_CHUNK]
            records.extend(None if raw is None else RequestRecord.model_validate_json(raw) for raw in chunk)
        return records

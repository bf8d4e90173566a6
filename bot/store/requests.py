"""Request records, the one-in-flight rule and the remoteActionId -> request mapping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.runtime.clock import now_ms
from bot.store.batch_renders import batch_render_bell, touch_batch
from bot.store.keys import Keys
from bot.store.records import SLOT_FREED, RequestRecord, RequestStatus
from bot.store.render_queue import enqueue_render, render_queue
from bot.store.scripts import register, source
from bot.store.wakeups import earliest_score, render_bell, sweep_bell
from bot.store.watched import watched_update

VEHICLE_HISTORY = 200
# Sent as EVAL inside the update's MULTI, as ever: a registered script there makes the pipeline ask
# SCRIPT EXISTS first.
_COMPARE_AND_DELETE = source("compare_and_delete")


class NotSendable(Exception):
    """The request changed meanwhile (decided, expired, already sent): it must not be sent now."""


@dataclass(frozen=True)
class InFlight:
    """Another request for the same vehicle and action has not finished yet."""

    request_id: str


class RequestStore:
    """Reads and writes request records; every write bumps the record's version."""

    def __init__(self, redis: Redis, keys: Keys, *, mapping_ttl: float, inflight_ttl: float) -> None:
        self._redis = redis
        self._keys = keys
        self._mapping_ttl_ms = int(mapping_ttl * 1000)
        self._inflight_ttl_ms = int(inflight_ttl * 1000)
        self._create = register(redis, "request_create", {"SLOT_FREED": dict.fromkeys(SLOT_FREED, True)})

    async def create(self, record: RequestRecord) -> InFlight | None:
        """Store a new request unless one for the same vehicle and action is still in flight."""
        record.version = 1
        record.inflight_slot = record.inflight_slot or record.action
        holder = await self._create(
            keys=[
                self._keys.inflight(record.vin, record.inflight_slot),
                self._keys.request(record.id),
                self._keys.vehicle_requests(record.vin),
                self._keys.sending(),
            ],
            args=[
                record.id,
                record.model_dump_json(),
                record.created_at,
                self._inflight_ttl_ms,
                "1" if record.status is RequestStatus.SENDING else "0",
                self._keys.request(""),
                VEHICLE_HISTORY,
            ],
        )
        if holder:
            return InFlight(str(holder))
        await self._redis.pexpire(self._keys.request(record.id), self._mapping_ttl_ms)
        return None

    async def in_flight(self, vins: list[str], slot: str) -> dict[str, str]:
        """The request holding each vehicle's slot, for the vehicles where one is still in flight."""
        if not vins:
            return {}
        holders = await self._redis.mget([self._keys.inflight(vin, slot) for vin in vins])
        held = {vin: str(holder) for vin, holder in zip(vins, holders, strict=True) if holder}
        if not held:
            return {}
        raws = await self._redis.mget([self._keys.request(holder) for holder in held.values()])
        return {
            vin: holder
            for (vin, holder), raw in zip(held.items(), raws, strict=True)
            if raw is not None and RequestRecord.model_validate_json(raw).status not in SLOT_FREED
        }

    async def get(self, request_id: str) -> RequestRecord | None:
        """The stored record, or None."""
        raw = await self._redis.get(self._keys.request(request_id))
        return None if raw is None else RequestRecord.model_validate_json(raw)

    async def update(
        self, request_id: str, mutate: Callable[[RequestRecord], None], *, queue_render: bool = False
    ) -> RequestRecord:
        """Apply `mutate` to the stored record atomically (optimistic, retried on a concurrent write).

        With `queue_render` the new version's render is queued in the same transaction, as the
        transition script does, so no crash can leave the change unshown. Callers that render at once
        (show_latest) leave it off: a queued render of a step about to be superseded would spend an
        edit of the Slack budget and the message's one-per-second gate. A change to a final state is
        never superseded, so its render is always queued (a replica dying before its show_latest
        leaves it to the render job of another).
        """
        queued = False

        def write(raw: str | None, pipe: Pipeline) -> RequestRecord:
            nonlocal queued
            if raw is None:
                raise KeyError(request_id)
            record = RequestRecord.model_validate_json(raw)
            before = record.status
            mutate(record)
            record.version += 1
            pipe.set(self._keys.request(request_id), record.model_dump_json(), px=self._mapping_ttl_ms)
            queued = queue_render or (record.status.is_final and record.status is not before)
            if record.batch_id is not None:  # its batch's message speaks for it
                touch_batch(pipe, self._keys, record.batch_id)
            elif queued:
                enqueue_render(pipe, self._keys, record.id, final=record.status.is_final)
            if record.status is RequestStatus.SENDING:
                pipe.zadd(self._keys.sending(), {record.id: record.sending_since or record.created_at})
            else:
                pipe.zrem(self._keys.sending(), record.id)
            if not record.blocks_new_requests:
                self._release_inflight(pipe, record)
            return record

        record = await watched_update(self._redis, self._keys.request(request_id), write)
        if record.batch_id is not None:
            batch_render_bell(self._keys).ring()
        elif queued:
            render_bell(self._keys).ring()
        return record

    def _release_inflight(self, pipe: Pipeline, record: RequestRecord) -> None:
        # Only the holder may release: a newer request may already hold the slot.
        key = self._keys.inflight(record.vin, record.inflight_slot or record.action)
        pipe.eval(_COMPARE_AND_DELETE, 1, key, record.id)

    async def map_remote(self, remote_action_id: str, request_id: str) -> None:
        """Remember which request a remoteActionId belongs to (TTL: the mapping TTL)."""
        await self._redis.set(self._keys.remote_map(remote_action_id), request_id, px=self._mapping_ttl_ms)

    async def request_for_remote(self, remote_action_id: str) -> str | None:
        """The request id a remoteActionId maps to, or None."""
        value = await self._redis.get(self._keys.remote_map(remote_action_id))
        return None if value is None else str(value)

    async def recent_for_vehicle(self, vin: str, limit: int = 10) -> list[RequestRecord]:
        """The vehicle's latest requests, newest first."""
        ids = await self._redis.zrevrange(self._keys.vehicle_requests(vin), 0, limit - 1)
        if not ids:
            return []
        raws = await self._redis.mget([self._keys.request(str(request_id)) for request_id in ids])
        return [RequestRecord.model_validate_json(raw) for raw in raws if raw is not None]

    async def set_deadline(self, request_id: str, due: float) -> None:
        """When the request's final answer is due (epoch seconds); the sweep looks at it then."""
        await self._redis.zadd(self._keys.deadlines(), {request_id: due})
        sweep_bell(self._keys).ring()

    async def clear_deadline(self, request_id: str) -> None:
        """Forget a request's deadline (it ended, or the sweep handled it)."""
        await self._redis.zrem(self._keys.deadlines(), request_id)

    async def due_deadlines(self, now: float, limit: int) -> list[str]:
        """Ids of requests whose deadline has passed, oldest first."""
        due = await self._redis.zrangebyscore(self._keys.deadlines(), 0, now, start=0, num=limit)
        return [str(request_id) for request_id in due]

    async def next_deadline(self) -> float | None:
        """The earliest deadline (epoch seconds), None when no request has one."""
        return await earliest_score(self._redis, self._keys.deadlines())

    async def oldest_sending(self) -> float | None:
        """Since when the oldest request still "sending" has been (epoch seconds), None when none is."""
        return await earliest_score(self._redis, self._keys.sending())

    async def stale_sending(self, older_than: float) -> list[str]:
        """Ids of requests left in "sending" since before `older_than` (epoch seconds)."""
        return [str(rid) for rid in await self._redis.zrangebyscore(self._keys.sending(), 0, older_than)]

    async def unfinished(self, limit: int) -> list[RequestRecord]:
        """Requests not final yet: those sending, and those whose answer or approval has a deadline.

        One round trip when there are none (the usual case at rest).
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrange(self._keys.sending(), 0, limit - 1)
            pipe.zrange(self._keys.deadlines(), 0, limit - 1)
            sending, waiting = await pipe.execute()
        ids = list(dict.fromkeys(str(request_id) for request_id in [*sending, *waiting]))[:limit]
        if not ids:
            return []
        raws = await self._redis.mget([self._keys.request(request_id) for request_id in ids])
        return [RequestRecord.model_validate_json(raw) for raw in raws if raw is not None]

    async def queue_renders(self, records: list[RequestRecord]) -> list[str]:
        """Queue the render of each request that is in neither render queue nor being rendered; their ids.

        A request already queued keeps its place and its retry time.
        """
        now = now_ms()
        idle = [record for record in records if _lease_expiry(record.render_lease) <= now]
        if not idle:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for record in idle:
                for final in (True, False):
                    pipe.zscore(render_queue(self._keys, final=final), record.id)
            scores = await pipe.execute()
        missing = [
            record for i, record in enumerate(idle) if scores[2 * i] is None and scores[2 * i + 1] is None
        ]
        if missing:
            async with self._redis.pipeline(transaction=False) as pipe:
                for record in missing:
                    queue = render_queue(self._keys, final=record.status.is_final)
                    pipe.zadd(queue, {record.id: now}, nx=True)
                await pipe.execute()
        return [record.id for record in missing]


def _lease_expiry(lease: str) -> int:
    """When a record's lease ("<expiry ms>/<holder>", '' for none) ends, in ms."""
    expiry, _, _holder = lease.partition("/")
    return int(expiry) if expiry.isdigit() else 0

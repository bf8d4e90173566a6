"""The durable inbox stream: append, consume in a group, reclaim from dead consumers, ack, dead-letter."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, ResponseError

from bot.runtime import fast_json
from bot.runtime.clock import now_ms
from bot.store.keys import Keys
from bot.store.scripts import register

log = logging.getLogger(__name__)

GROUP = "pipeline"
QUARANTINE_MAXLEN = 100_000
ELEMENT_FIELD = "e"
RECEIVED_FIELD = "t"
# The inbox entry's layout, as the scripts that write entries are given it (inbox_append, parked_replay).
ENTRY_FIELDS: Mapping[str, object] = {"ELEMENT_FIELD": ELEMENT_FIELD, "RECEIVED_FIELD": RECEIVED_FIELD}


@dataclass(frozen=True)
class Entry:
    """One inbox entry: its stream id and the notification element (JSON text)."""

    id: str
    element: str
    deliveries: int = 1


def entry_fields(element: str) -> dict[Any, Any]:
    """The stream fields of one notification element."""
    return {ELEMENT_FIELD: element, RECEIVED_FIELD: str(now_ms())}


def _entry(entry_id: Any, fields: Any, deliveries: int = 1) -> Entry | None:
    if not isinstance(fields, dict):  # an entry deleted (trimmed) while pending comes back as None
        return None
    return Entry(str(entry_id), str(fields.get(ELEMENT_FIELD, "")), deliveries)


class Inbox:
    """One consumer of the inbox's consumer group."""

    def __init__(self, redis: Redis, keys: Keys, consumer: str) -> None:
        self._redis = redis
        self._keys = keys
        self.consumer = consumer

    async def ensure_group(self) -> None:
        """Create the consumer group (and the stream) unless it exists; it starts at the stream's start."""
        try:
            await self._redis.xgroup_create(self._keys.inbox(), GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def read(self, count: int, block_ms: int) -> list[Entry]:
        """New entries for this consumer (they stay pending until acked)."""
        answer: Any = await self._redis.xreadgroup(
            GROUP, self.consumer, {self._keys.inbox(): ">"}, count=count, block=block_ms
        )
        entries: list[Entry] = []
        for _stream, items in answer or []:
            for entry_id, fields in items:
                entry = _entry(entry_id, fields)
                if entry is not None:
                    entries.append(entry)
        return entries

    async def claim_idle(self, min_idle_ms: int, count: int) -> list[Entry]:
        """Take over entries idle longer than `min_idle_ms` on any consumer (XAUTOCLAIM, Redis >= 6.2)."""
        answer: Any = await self._redis.xautoclaim(
            self._keys.inbox(), GROUP, self.consumer, min_idle_ms, start_id="0-0", count=count
        )
        items = answer[1] if len(answer) > 1 else []
        claimed: list[Entry] = []
        for entry_id, fields in items:
            if fields is None:  # trimmed away while pending: nothing left to do
                await self._redis.xack(self._keys.inbox(), GROUP, entry_id)
                continue
            claimed.append(
                Entry(str(entry_id), str(fields.get(ELEMENT_FIELD, "")), await self.deliveries(entry_id))
            )
        return claimed

    async def deliveries(self, entry_id: str) -> int:
        """How many times the entry was delivered (0 when no longer pending)."""
        pending = await self._redis.xpending_range(
            self._keys.inbox(), GROUP, min=entry_id, max=entry_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 0

    async def ack(self, *entry_ids: str) -> None:
        """Acknowledge entries whose effects are done and delete them: the inbox keeps unfinished work."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xack(self._keys.inbox(), GROUP, *entry_ids)
            pipe.xdel(self._keys.inbox(), *entry_ids)
            await pipe.execute()

    async def dead_letter(self, entry: Entry, error: str) -> None:
        """Move an entry to the dead-letter stream and acknowledge it, atomically."""
        fields: dict[Any, Any] = {
            ELEMENT_FIELD: entry.element,
            "source_id": entry.id,
            "deliveries": str(entry.deliveries),
            "error": error[:500],
            RECEIVED_FIELD: str(now_ms()),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._keys.dead_letters(), fields)
            pipe.xack(self._keys.inbox(), GROUP, entry.id)
            pipe.xdel(self._keys.inbox(), entry.id)
            await pipe.execute()


def _trim(stream: str, keys: Keys) -> dict[str, Any]:
    # The inbox is never trimmed (entries leave it when acknowledged): trimming could drop a notification
    # already answered 200. Only the quarantine, kept for inspection, is capped.
    return {"maxlen": QUARANTINE_MAXLEN, "approximate": True} if stream == keys.quarantine() else {}


class NotReplicated(RedisError):
    """The entry is on the primary but fewer replicas than asked acknowledged it in time."""


@dataclass(frozen=True)
class ReplicaAck:
    """How many replicas must hold an appended entry (0: none asked), and how long to wait for them."""

    replicas: int = 0
    wait_ms: int = 0


class InboxWriter:
    """The callback's side of the inbox: append a body's elements (and its quarantined ones) at once."""

    def __init__(self, redis: Redis, keys: Keys, ack: ReplicaAck | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._ack = ack or ReplicaAck()
        self._append = register(redis, "inbox_append", ENTRY_FIELDS)

    async def append(self, elements: list[str], quarantined: list[str]) -> None:
        """Store accepted elements in the inbox and rejected ones in quarantine, all or nothing.

        With replicas asked for, raise NotReplicated unless that many hold them: replication is
        asynchronous, and an entry answered 200 and lost with a failed primary would never be redelivered.
        """
        ack = self._ack
        if not ack.replicas:  # no pipeline: it costs the single-event callback about a fifth of its rate
            await self._store(self._redis, elements, quarantined)
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            await self._store(pipe, elements, quarantined)
            pipe.wait(ack.replicas, ack.wait_ms)
            answers = await pipe.execute()
        if int(answers[-1]) < ack.replicas:
            raise NotReplicated(
                f"{answers[-1]} of {ack.replicas} replica(s) acknowledged within {ack.wait_ms} ms"
            )

    async def _store(self, client: Redis | Pipeline, elements: list[str], quarantined: list[str]) -> None:
        keys = self._keys
        if len(elements) + len(quarantined) == 1:
            # One XADD is atomic on its own and the cheapest round trip.
            stream = keys.inbox() if elements else keys.quarantine()
            await client.xadd(stream, entry_fields([*elements, *quarantined][0]), **_trim(stream, keys))
        else:
            args: list[str | int] = [len(elements), QUARANTINE_MAXLEN, now_ms(), *elements, *quarantined]
            await self._append(keys=[keys.inbox(), keys.quarantine()], args=args, client=client)


def redact(element: dict[str, Any], attribute: str) -> str:
    """The element as JSON with the value of a secret body attribute removed."""
    attributes = element.get("attributes")
    if isinstance(attributes, list):
        element = {
            **element,
            "attributes": [
                item for item in attributes if not (isinstance(item, dict) and item.get("key") == attribute)
            ],
        }
    return fast_json.dumps(element)


@dataclass(frozen=True)
class InboxDepth:
    """How full the inbox is: entries stored, not yet read by the group, read but not acknowledged."""

    length: int
    lag: int
    pending: int


async def inbox_depth(redis: Redis, keys: Keys) -> InboxDepth:
    """The inbox's length and its consumer group's lag and pending count (two commands, one round trip)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xlen(keys.inbox())
        pipe.xinfo_groups(keys.inbox())
        length, groups = await pipe.execute(raise_on_error=False)
    group: dict[str, Any] = (
        next((g for g in groups if g.get("name") == GROUP), {}) if isinstance(groups, list) else {}
    )
    return InboxDepth(int(length or 0), int(group.get("lag") or 0), int(group.get("pending") or 0))

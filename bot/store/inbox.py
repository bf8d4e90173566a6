"""The durable inbox stream: append, consume in a group, reclaim from dead consumers, ack, dead-letter."""

from __future__ import annotations

import logging
import math
import time
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
# How long the count of online replicas is trusted before the next append asks the primary again
# (INFO replication in the append's own round trip): one extra command a second on a busy callback.
REPLICA_CHECK_SECONDS = 1.0
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
    """How many replicas must hold an appended entry (0: none asked), and how long to wait for them.

    With fewer replicas online than asked, the entry needs only those online (none: the primary alone),
    unless `insist`: then it is refused until enough are back (REDIS_REPLICAS_INSIST).
    """

    replicas: int = 0
    wait_ms: int = 0
    insist: bool = False


@dataclass(frozen=True)
class Replication:
    """The replicas the primary reported online at the last check, against those asked for."""

    online: int
    wanted: int

    @property
    def short(self) -> bool:
        """Fewer replicas online than asked for."""
        return self.online < self.wanted


def _online(info: Any) -> int:
    """Replicas in INFO replication whose link is up (one in its first sync cannot acknowledge yet)."""
    if not isinstance(info, dict) or info.get("role") != "master":
        return 0
    return sum(
        1
        for name, value in info.items()
        if str(name).startswith("slave") and isinstance(value, dict) and value.get("state") == "online"
    )


class InboxWriter:
    """The callback's side of the inbox: append a body's elements (and its quarantined ones) at once."""

    def __init__(self, redis: Redis, keys: Keys, ack: ReplicaAck | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._ack = ack or ReplicaAck()
        self._append = register(redis, "inbox_append", ENTRY_FIELDS)
        self.replication: Replication | None = None  # known once replicas are asked for and checked
        self._checked_at = -math.inf

    async def append(self, elements: list[str], quarantined: list[str]) -> None:
        """Store accepted elements in the inbox and rejected ones in quarantine, all or nothing.

        With replicas asked for, raise NotReplicated unless those online (up to the number asked) hold
        them: replication is asynchronous, and an entry answered 200 and lost with a failed primary would
        never be redelivered. A primary with fewer replicas online than asked is not waited on for the
        missing ones (a failover leaves the new primary alone until a replica is rebuilt), unless insist.
        """
        ack = self._ack
        if not ack.replicas:  # no pipeline: it costs the single-event callback about a fifth of its rate
            await self._store(self._redis, elements, quarantined)
            return
        known = self.replication
        check = known is None or time.monotonic() - self._checked_at >= REPLICA_CHECK_SECONDS
        need = ack.replicas if ack.insist or known is None else min(ack.replicas, known.online)
        async with self._redis.pipeline(transaction=False) as pipe:
            await self._store(pipe, elements, quarantined)
            if check:
                pipe.info("replication")
            if need:
                pipe.wait(need, ack.wait_ms)
            answers = await pipe.execute()
        acked = int(answers[-1]) if need else 0
        if check:
            self._note(_online(answers[-2] if need else answers[-1]))
        elif acked < self._bar(need):  # a replica counted a moment ago may have left since: ask again
            await self.check_replicas()
        if acked < self._bar(need):
            raise NotReplicated(f"{acked} of {need} replica(s) acknowledged within {ack.wait_ms} ms")

    def _bar(self, need: int) -> int:
        """Acknowledgements an entry needs: `need`, or the replicas online when fewer (unless insist)."""
        if self._ack.insist or self.replication is None:
            return need
        return min(need, self.replication.online)

    async def check_replicas(self) -> Replication | None:
        """Ask the primary how many replicas are online now (None when no replica is asked for)."""
        if not self._ack.replicas:
            return None
        self._note(_online(await self._redis.info("replication")))
        return self.replication

    def _note(self, online: int) -> None:
        """Keep the count, and log once each time the primary goes short of replicas or gets them back."""
        self._checked_at = time.monotonic()
        before, now = self.replication, Replication(online, self._ack.replicas)
        self.replication = now
        if now.short and (before is None or not before.short):
            effect = (
                "notifications are answered 500 until one is back (REDIS_REPLICAS_INSIST)"
                if self._ack.insist
                else "notifications are answered 200 once stored on the primary and the replicas online"
            )
            log.warning(
                "inbox: the Redis primary has %d of %d replica(s) online: %s", online, now.wanted, effect
            )
        elif before is not None and before.short and not now.short:
            log.info("inbox: %d replica(s) online again: notifications wait for %d", online, now.wanted)

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

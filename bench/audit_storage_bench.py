"""Storage cost of the audit trail: records requests the way the bot does, then reads MEMORY USAGE.

A plain request writes two entries (requested, outcome); one that needs confirmation and approval
writes four (requested, confirmed, approved, outcome). Each entry goes to the global stream and to its
vehicle's stream, so both are measured. Runs on an embedded Redis of its own (or REDIS_URL, under a
prefix of its own that it deletes afterwards). Prints figures, asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import uuid

from redis.asyncio import Redis

from bot.runtime.embedded_redis import EmbeddedRedis
from bot.store.audit import AuditLog
from bot.store.keys import Keys

REQUESTS = 10_000
VEHICLES = 200
DETAILS = {
    "requested": "Lock the doors of van-12",
    "confirmed": "",
    "approved": "",
    "outcome": "success",
}


async def _bytes(redis: Redis, keys: list[str]) -> int:
    total = 0
    for key in keys:
        total += int(await redis.memory_usage(key, samples=0) or 0)
    return total


async def measure(redis: Redis, events: tuple[str, ...]) -> tuple[int, int, int]:
    """Record REQUESTS requests of these events; (global stream bytes, vehicle streams bytes, entries)."""
    keys = Keys(f"bench-audit-{uuid.uuid4().hex[:8]}:")
    audit = AuditLog(redis, keys, retention=10 * REQUESTS, per_vehicle=10 * REQUESTS)  # nothing trimmed
    vins = [f"VR3UHZKXZLT{index:06d}" for index in range(VEHICLES)]
    try:
        for number in range(REQUESTS):
            vin, request_id = vins[number % VEHICLES], uuid.uuid4().hex[:10]
            for event in events:
                await audit.record(
                    event, user="U0OPERATOR12", action="lock", vin=vin, request_id=request_id,
                    detail=DETAILS[event],
                )  # fmt: skip
        global_bytes = await _bytes(redis, [keys.audit()])
        vehicle_bytes = await _bytes(redis, [keys.vehicle_audit(vin) for vin in vins])
        return global_bytes, vehicle_bytes, int(await redis.xlen(keys.audit()))
    finally:
        await redis.delete(keys.audit(), *(keys.vehicle_audit(vin) for vin in vins))


async def main() -> None:
    """Print the bytes per thousand requests for a plain and for a four-eyes request."""
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis().start()
    url = os.environ.get("REDIS_URL") or (embedded.url if embedded else "")
    redis = Redis.from_url(url, decode_responses=True)
    try:
        print(f"{REQUESTS} requests over {VEHICLES} vehicles; MEMORY USAGE ... SAMPLES 0 of each stream")
        for name, events in (
            ("plain request (2 entries)", ("requested", "outcome")),
            ("confirmed and approved (4 entries)", ("requested", "confirmed", "approved", "outcome")),
        ):
            global_bytes, vehicle_bytes, entries = await measure(redis, events)
            per_thousand = (global_bytes + vehicle_bytes) * 1000 / REQUESTS
            print(
                f"{name}: global {global_bytes / entries:.0f} B/entry, vehicle streams "
                f"{vehicle_bytes / entries:.0f} B/entry; {per_thousand / 1024:.0f} KiB per 1,000 requests "
                f"({global_bytes * 1000 / REQUESTS / 1024:.0f} KiB of it in the global stream)"
            )
    finally:
        await redis.aclose()
        if embedded is not None:
            embedded.close()


if __name__ == "__main__":
    asyncio.run(main())

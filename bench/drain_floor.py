"""The drain's floor: about the least code that does the product's work for each vendor notification.

pipeline_bench runs it in a child process (`floor_drain_process` in bench.pipeline_processes) on
the same seeded requests as the product, so both drains are timed and counted the same way. Each
consumer task repeats, for a batch of up to 50 inbox entries:

1. XREADGROUP on the inbox stream (the consumer group is created at start);
2. one pipeline with one transition script per entry: remoteActionId -> request id, the record read,
   decoded, given its new status, vendor status, timeline step and version, and written back with
   its TTL; on a final status the in-flight key is deleted if it still names the request and the
   request leaves the deadlines;
3. one token-bucket script taking the batch's chat.update calls from the Slack budget;
4. per changed request, chat.update of its message and, on a final status, one thread reply
   (chat.postMessage), as plain JSON POSTs with the bot token;
5. one pipeline: a shown-version marker per shown request, then XACK and XDEL of the batch.

Left out on purpose: reclaiming entries of dead consumers, dead letters, parking events that come
before their mapping, the order of Pending steps, outcomes, audit, alerts, metrics, retries. An
entry whose Slack calls fail is not acknowledged (the run then stays incomplete). A record holding
an empty list other than its timeline would be written back with {} (Redis 6.2's cjson); the
seeded records hold none.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.store.inbox import ELEMENT_FIELD, GROUP
from bot.store.keys import Keys

# KEYS: remote mapping, deadlines
# ARGV: request key prefix, in-flight key prefix, status, vendor status, '1' when final, ttl ms, at (s)
# Returns the new record JSON, or false when there is nothing to do (unmapped, gone, already there).
TRANSITION = """
local id = redis.call('GET', KEYS[1])
if not id then return false end
local key = ARGV[1] .. id
local raw = redis.call('GET', key)
if not raw then return false end
local record = cjson.decode(raw)
local settled = {success=1, already_done=1, failed=1, refused=1, rejected=1, expired=1, cancelled=1}
if settled[record.status] or (record.status == ARGV[3] and record.vendor_status == ARGV[4]) then
  return false
end
record.status, record.vendor_status = ARGV[3], ARGV[4]
record.version = record.version + 1
if type(record.timeline) ~= 'table' then record.timeline = {} end
table.insert(record.timeline, {at = tonumber(ARGV[7]), step = ARGV[4], detail = cjson.null})
local encoded = cjson.encode(record)
redis.call('SET', key, encoded, 'PX', ARGV[6])
if ARGV[5] == '1' then
  local slot = record.inflight_slot
  if type(slot) ~= 'string' or slot == '' then slot = record.action end
  local inflight = ARGV[2] .. record.vin .. ':' .. slot
  if redis.call('GET', inflight) == id then redis.call('DEL', inflight) end
  redis.call('ZREM', KEYS[2], id)
end
return encoded
"""

# KEYS: bucket hash; ARGV: capacity, refill per ms, now ms, tokens wanted, ttl ms.
# Returns 0 when the tokens were taken, else the ms to wait for them.
TAKE = """
local capacity, refill, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
tokens = math.min(capacity, tokens + math.max(0, now - (tonumber(state[2]) or now)) * refill)
local want = tonumber(ARGV[4])
if tokens < want then return math.ceil((want - tokens) / refill) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - want), 'at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 0
"""

DONE_STATUSES = {"Success": "success", "AlreadyDone": "already_done"}  # any other Done: failed
WORDS = {"success": ":white_check_mark: *Done*", "already_done": ":white_check_mark: *Already done*"}


@dataclass(frozen=True)
class FloorOptions:
    """Where the floor drains from and posts to, and how (picklable: it crosses to the child)."""

    redis_url: str
    prefix: str
    slack_api_url: str  # ends with a slash: the method name is appended
    bot_token: str
    rate_per_minute: int  # the chat.update budget
    ttl_ms: int  # records and shown-version markers
    consumers: int = 2  # as the bot's inbox consumers
    batch: int = 50
    concurrency: int = 32  # Slack calls in flight per process: the bot allows 16 per consumer


def read_event(element: str) -> tuple[str, str, str]:
    """(remoteActionId, the record status asked for, the vendor status) of one data-treatment Message."""
    remote = json.loads(element)["remoteEvent"]
    kind, vendor_status = remote["eventStatus"]["type"], remote["eventStatus"]["status"]
    status = "pending" if kind == "Pending" else "failed"
    if kind == "Done":
        status = DONE_STATUSES.get(vendor_status, "failed")
    return remote["remoteActionId"], status, vendor_status


def status_words(record: dict[str, Any]) -> str:
    """Where the request stands, in bold."""
    status = record["status"]
    if status == "pending":
        return f":hourglass_flowing_sand: *{record['vendor_status']}…*"
    return WORDS.get(status, f":x: *{status.replace('_', ' ').capitalize()}*")


def vehicle(record: dict[str, Any]) -> str:
    """The vehicle's alias and VIN tail, or its VIN."""
    return f"{record['alias']} (…{record['vin'][-6:]})" if record.get("alias") else str(record["vin"])


def message(record: dict[str, Any]) -> dict[str, Any]:
    """The request message's chat.update arguments: text and blocks, rendered from the record."""
    head = f"*{record['action']}* · {vehicle(record)}: {record['summary']}"
    status = status_words(record)
    steps = "\n".join(
        f"{time.strftime('%H:%M:%S', time.gmtime(step['at']))} {step['step']}"
        for step in record["timeline"][-12:]
    )
    who = f"Requested by <@{record['requester']}> · request `{record['id']}`"
    blocks = [
        *({"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in (head, status)),
        *({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]} for text in (steps, who)),
    ]
    return {
        "channel": record["message_channel"],
        "ts": record["message_ts"],
        "text": f"{record['action']} {vehicle(record)}: {status}",
        "blocks": blocks,
    }


def reply(record: dict[str, Any]) -> dict[str, Any]:
    """The thread reply's chat.postMessage arguments."""
    text = f"<@{record['requester']}> {record['action']} {vehicle(record)}: {status_words(record)}"
    return {"channel": record["message_channel"], "thread_ts": record["message_ts"], "text": text}


class FloorDrain:
    """The inbox consumers of one process, sharing a Redis client and an HTTP session."""

    def __init__(self, redis: Redis, session: aiohttp.ClientSession, options: FloorOptions) -> None:
        self.redis = redis
        self.session = session
        self.options = options
        self.keys = Keys(options.prefix)
        self.capacity = max(options.batch, options.rate_per_minute // 10)  # a batch's calls always fit
        self.refill_per_ms = options.rate_per_minute / 60_000
        self.headers = {"Authorization": f"Bearer {options.bot_token}"}
        self.failures = 0  # requests whose Slack calls failed (their entries stay unacknowledged)
        self.transition_sha = ""
        self.take_sha = ""

    async def prepare(self) -> None:
        """Create the consumer group (unless it exists) and load both scripts."""
        try:
            await self.redis.xgroup_create(self.keys.inbox(), GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self.transition_sha = await self.redis.script_load(TRANSITION)
        self.take_sha = await self.redis.script_load(TAKE)

    async def consume(self, name: str) -> None:
        """Read and process batches forever as consumer `name`."""
        while True:
            answer: Any = await self.redis.xreadgroup(
                GROUP, name, {self.keys.inbox(): ">"}, count=self.options.batch, block=1000
            )
            for _stream, items in answer or []:
                await self.process([(entry_id, fields[ELEMENT_FIELD]) for entry_id, fields in items])

    async def process(self, entries: list[tuple[str, str]]) -> None:
        """Transition, show and acknowledge one batch of (entry id, element JSON)."""
        keys, options, at = self.keys, self.options, f"{time.time():.3f}"
        async with self.redis.pipeline(transaction=False) as pipe:
            for _entry_id, element in entries:
                remote, status, vendor_status = read_event(element)
                pipe.evalsha(
                    self.transition_sha, 2, keys.remote_map(remote), keys.deadlines(),
                    keys.request(""), keys.inflight("", "").removesuffix(":"), status, vendor_status,
                    "0" if status == "pending" else "1", options.ttl_ms, at,
                )  # fmt: skip
            records = [json.loads(answer) if answer else None for answer in await pipe.execute()]
        # A later event of the same request in the batch saw the earlier one's change: the last counts.
        latest = {record["id"]: record for record in records if record is not None}
        failed = set()
        if latest:
            await self.take_budget(len(latest))
            shown = await asyncio.gather(*(self.show(record) for record in latest.values()))
            failed = {request_id for request_id, ok in zip(latest, shown, strict=True) if not ok}
        done = [
            entry_id for (entry_id, _), record in zip(entries, records, strict=True)
            if record is None or record["id"] not in failed
        ]  # fmt: skip
        async with self.redis.pipeline(transaction=False) as pipe:
            for request_id, record in latest.items():
                if request_id not in failed:
                    pipe.set(f"{keys.prefix}shown:{request_id}", record["version"], px=options.ttl_ms)
            if done:
                pipe.xack(keys.inbox(), GROUP, *done)
                pipe.xdel(keys.inbox(), *done)
            await pipe.execute()

    async def take_budget(self, calls: int) -> None:
        """Take `calls` chat.update tokens from the shared budget, waiting as long as it says."""
        while True:
            wait = await self.redis.evalsha(
                self.take_sha, 1, self.keys.slack_budget(), self.capacity, repr(self.refill_per_ms),
                int(time.time() * 1000), calls, 120_000,
            )  # fmt: skip
            if not wait:
                return
            await asyncio.sleep(int(wait) / 1000)

    async def show(self, record: dict[str, Any]) -> bool:
        """Update the request's message and, on a final status, post its thread reply; False on failure."""
        try:
            await self.call("chat.update", message(record))
            if record["status"] != "pending":
                await self.call("chat.postMessage", reply(record))
        except (aiohttp.ClientError, RuntimeError) as error:
            if not self.failures:  # the first says why; the run will be INCOMPLETE anyway
                print(f"drain floor: request {record['id']}: {error}", file=sys.stderr, flush=True)
            self.failures += 1
            return False
        return True

    async def call(self, method: str, arguments: dict[str, Any]) -> None:
        """One Slack Web API call; RuntimeError unless Slack answers ok."""
        url = self.options.slack_api_url + method
        async with self.session.post(url, json=arguments, headers=self.headers) as response:
            answer = await response.json()
        if not answer.get("ok"):
            raise RuntimeError(f"{method}: {answer.get('error')}")


async def drain(options: FloorOptions, ready: Callable[[], None], stop: Awaitable[object]) -> None:
    """Run `options.consumers` consumers from when the group exists (then `ready()`) until `stop`."""
    redis = Redis.from_url(options.redis_url, decode_responses=True)
    connector = aiohttp.TCPConnector(limit=options.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        floor = FloorDrain(redis, session, options)
        await floor.prepare()
        ready()
        tasks = [
            asyncio.create_task(floor.consume(f"floor-{os.getpid()}-{n}")) for n in range(options.consumers)
        ]
        await stop
        for task in tasks:
            task.cancel()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if not isinstance(result, asyncio.CancelledError):
                print(f"drain floor: a consumer stopped early: {result!r}", file=sys.stderr, flush=True)
    await redis.aclose()

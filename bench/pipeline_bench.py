"""Notification pipeline figures: acceptance and backlog drains, each beside a floor; end-to-end latency.

Run: `.venv/bin/python -m bench.pipeline_bench` (about ten minutes with the default drains, most of it
the product's 100,000-event drain; `--phases accept,drain,latency,rss` picks parts, rss being a 60 s run
at 500 events/s that runs only when asked; `--drain-sizes 1000,10000` picks the backlogs of Done events,
`--drain-rounds N` the interleaved rounds of each backlog up to 10,000 (the median counts),
`--pending-size N` the backlog of Pending events (0: none); `--profile DIR` writes a cProfile of each bot
process). The bot (create_web_app with its pipeline jobs) runs alone in one process; the floor servers
(single bodies: append the raw body; batches: parse, then one script appends each element), the floor
drain (bench.drain_floor) and the closed-loop load generator run in their own processes; this process
runs the Slack emulator, seeds the requests (ten to a vehicle) and sends the open-loop traffic.
Each drain seeds the same requests on a fresh key prefix, appends one event per request at once and
times the product, then the floor, until every message shows it; the drainer's CPU and Redis's
commands (INFO commandstats, scripts' inner commands included) are counted per event.
Redis is REDIS_URL when set (keys under a unique prefix, deleted afterwards), else an embedded server.
It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bench.drain_floor import FloorOptions
from bench.pipeline_processes import (
    DONE,
    STEPS,
    TOKEN,
    Child,
    batch_requests,
    bot_process,
    event,
    floor_batch_process,
    floor_drain_process,
    floor_process,
    pin,
    run_load,
    single_requests,
    unpin,
)
from bot.catalogue.action import Action
from bot.config import Settings
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.slack_emulator import DEFAULT_BOT_TOKEN, CallRecord, Message, SlackState, start_slack_emulator
from bot.store.inbox import entry_fields
from bot.store.keys import Keys
from bot.store.records import RequestRecord, RequestStatus
from bot.store.requests import RequestStore
from bot.web.names import CALLBACK_PATH

CHANNEL = "C0FLEETOPS"
REQUESTER = "U0OPERATOR"
LIFTED_RATE = 10_000_000  # chat.update budget per minute when lifted
ACCEPT_REQUESTS = 2500  # seeded per acceptance run: 10,000 distinct events, more than the worker reaches
RECORD_TTL_MS = int(Settings.model_fields["mapping_ttl_seconds"].default * 1000)  # the bot's default
LATENCY_TARGETS_MS = {100: 250, 500: 100}  # end-to-end p99 targets by events/s
PENDING = STEPS[0]  # ("Pending", "Accepted"): the first step, which every seeded (accepted) request takes


class BenchSlack(SlackState):
    """The emulator's state with messages indexed by ts, and when each message first showed Done."""

    def __init__(self) -> None:
        super().__init__()
        self._index: dict[str, Message] = {}
        self.done_at: dict[str, float] = {}  # message ts -> first chat.update showing Done (monotonic)
        self.updated_at: dict[str, float] = {}  # message ts -> first chat.update of any kind (monotonic)
        self.replied_at: dict[str, float] = {}  # message ts -> first thread reply (monotonic)

    def add_message(self, message: Message) -> Message:
        """Store and index a message (the base class finds messages by a linear scan)."""
        self._index[message.ts] = message
        return super().add_message(message)

    def message(self, channel: str, ts: str) -> Message | None:
        """The message with this ts in this channel, if any."""
        found = self._index.get(ts)
        return found if found is not None and found.channel == channel else None

    def record_call(self, record: CallRecord) -> None:
        """Note Done updates and thread replies; no call log is kept (it would only grow)."""
        if not record.ok:
            return
        if record.method == "chat.update":
            self.updated_at.setdefault(str(record.params["ts"]), record.at)
            if "*Done*" in str(record.params.get("text", "")):
                self.done_at.setdefault(str(record.params["ts"]), record.at)
        elif record.method == "chat.postMessage" and record.params.get("thread_ts"):
            self.replied_at.setdefault(str(record.params["thread_ts"]), record.at)


# Seeded requests go ten to a vehicle, one per action (each its own in-flight slot), as a fleet's
# backlog would: with one vehicle per request, each request would also pay for a whole audit stream.
SEED_ACTIONS = (
    Action.LOCK, Action.UNLOCK, Action.HORN, Action.LIGHTS, Action.CHARGE, Action.PRECONDITION,
    Action.WAKEUP, Action.NAVIGATE, Action.IMMOBILIZE, Action.STOLEN,
)  # fmt: skip


async def seed(redis: Redis, prefix: str, slack: BenchSlack, count: int) -> list[tuple[str, str]]:
    """`count` accepted requests, each with a posted message and its remoteActionId mapped: (remote, ts)."""
    store = RequestStore(redis, Keys(prefix), mapping_ttl=3600, inflight_ttl=3600)
    limit = asyncio.Semaphore(64)

    async def one(index: int) -> tuple[str, str]:
        ts = slack.next_ts()
        slack.add_message(Message(CHANNEL, ts, "requested", None, slack.bot_user_id, slack.bot_id))
        remote = uuid.uuid4().hex
        vehicle, action = divmod(index, len(SEED_ACTIONS))
        record = RequestRecord(
            id=f"b{index:07d}", action=SEED_ACTIONS[action], summary="act on the vehicle",
            vin=f"VR3BENCH{vehicle:09d}", alias=f"van-{vehicle}", requester=REQUESTER, channel=CHANNEL,
            status=RequestStatus.ACCEPTED, message_channel=CHANNEL, message_ts=ts, remote_action_id=remote,
        )  # fmt: skip
        record.add_step("requested", detail=REQUESTER)
        async with limit:
            await store.create(record)
            await store.map_remote(remote, record.id)
        return remote, ts

    return list(await asyncio.gather(*(one(index) for index in range(count))))


async def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll `condition` every 20 ms until it holds (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def all_in(keys: list[str], *maps: dict[str, float]) -> Callable[[], bool]:
    """A condition: every key is in every map (keys found stay found, so each poll resumes where it was)."""
    found = 0

    def condition() -> bool:
        nonlocal found
        while found < len(keys) and all(keys[found] in seen for seen in maps):
            found += 1
        return found == len(keys)

    return condition


async def settled_memory(redis: Redis) -> int:
    """Redis's used_memory once nothing deleted is still waiting to be freed in the background."""
    while True:
        memory = await redis.info("memory")
        if not int(memory.get("lazyfree_pending_objects", 0)):
            return int(memory["used_memory"])
        await asyncio.sleep(0.05)


def cpu_seconds(pid: int | None) -> float:
    """User plus system CPU seconds used so far by a process (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int | None) -> int:
    """A process's resident set size in KiB (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank); NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


@dataclass
class DrainRun:
    """One drain of a seeded backlog by the product or the floor, and what it cost per event."""

    who: str  # "product" or "floor"
    count: int
    kind: str  # "Done" or "Pending"
    seconds: float  # from the first append to the last effect shown (NaN when incomplete)
    replied: float  # from the first append to the last thread reply (Done; NaN when incomplete)
    finished: int  # requests whose effects all showed
    timeout: float
    cpu_ms: float  # the drainer process's CPU per event
    redis_cpu_ms: float  # Redis's CPU per event (INFO cpu), the bench's appends included
    slack_cpu_ms: float  # this process's CPU per event: the Slack emulator, the appends, the polling
    calls: dict[str, float]  # Redis commands per event by command, scripts' inner commands included
    kept: float  # Redis memory kept per request, bytes

    @property
    def rate(self) -> float:
        """Events drained per second (NaN when incomplete)."""
        return self.count / self.seconds

    @property
    def commands(self) -> float:
        """Redis commands per event."""
        return sum(self.calls.values())

    def line(self) -> str:
        """The run as one printed line."""
        replied = f" (all replied at {self.replied:.2f} s)" if self.kind == "Done" else ""
        done = (
            f"{self.seconds:.2f} s{replied}, {self.rate:.0f} events/s"
            if not math.isnan(self.seconds)
            else f"INCOMPLETE after {self.timeout:.0f} s ({self.finished} of {self.count} shown"
            f"{', inbox not empty' if self.finished == self.count else ''})"
        )
        top = ", ".join(
            f"{name} {n:.2f}" for name, n in sorted(self.calls.items(), key=lambda i: -i[1]) if n >= 0.005
        )
        return (
            f"drain {self.count} {self.kind}, {self.who:>7}: {done}; CPU per event {self.cpu_ms:.2f} ms "
            f"(Redis {self.redis_cpu_ms:.2f} ms, Slack emulator and bench {self.slack_cpu_ms:.2f} ms); "
            f"Redis commands per event {self.commands:.2f} ({top}); "
            f"Redis memory kept per request {self.kept:.0f} B"
        )


def met(ok: bool) -> str:
    """The table's "met" cell."""
    return "yes" if ok else "NO"


@dataclass
class Bench:
    """One benchmark run: Redis, the Slack emulator, a key prefix per bot, the figures gathered."""

    redis: Redis
    redis_url: str
    slack: BenchSlack
    slack_api_url: str
    run: str
    logs: str
    profile_dir: str | None
    seconds: float
    rounds: int
    pinned: bool = False  # whether bots run alone on the server CPU (acceptance)
    drain_rounds: int = 3
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    bots: int = 0

    async def start_bot(self, label: str, *, lifted: bool, pipeline: bool = True) -> tuple[Child, str]:
        """The bot in its own process on a fresh key prefix; the chat.update budget lifted or default."""
        self.bots += 1
        prefix = f"{self.run}{self.bots}:"
        overrides: dict[str, Any] = {
            "slack_bot_token": DEFAULT_BOT_TOKEN, "slack_signing_secret": "bench-signing-secret",
            "slack_api_url": self.slack_api_url, "stellantis_api_url": "http://127.0.0.1:9/api",
            "stellantis_token_url": "http://127.0.0.1:9/token", "stellantis_client_id": "bench",
            "stellantis_scope": "remote", "stellantis_channel_id": "bench-channel",
            "callback_public_url": "http://127.0.0.1:9", "callback_tokens": TOKEN,
            "redis_url": self.redis_url, "redis_key_prefix": prefix,
        }  # fmt: skip
        if lifted:
            overrides["slack_update_rate_per_minute"] = LIFTED_RATE
            overrides["slack_reply_interval_seconds"] = 0
        log_file = os.path.join(self.logs, f"{label}.log")
        profile = os.path.join(self.profile_dir, f"{label}.prof") if self.profile_dir else None
        child = await asyncio.to_thread(
            Child, bot_process, overrides, pipeline, log_file, profile, self.pinned
        )
        return child, prefix

    async def acceptance(self, floor: Child, kind: str, per_post: int) -> None:
        """Accepted events per second: the floor, the endpoint alone, the bot with its worker running.

        The three share two cores with Redis and the load generator, so one run of each swings by
        tens of percent: they run in `self.rounds` interleaved rounds and the median ratios count.
        """
        make = single_requests if per_post == 1 else batch_requests
        bodies = make([uuid.uuid4().hex for _ in range(ACCEPT_REQUESTS)])
        ratios: dict[bool, list[float]] = {False: [], True: []}
        rates: list[float] = []  # with the worker
        for round_number in range(1, self.rounds + 1):
            ok, failed = await run_load(floor.port, bodies, seconds=self.seconds)
            floor_rate = ok * per_post / self.seconds
            line = f"accept {kind}, round {round_number}: floor {floor_rate:.0f}/s ({failed} not 200)"
            for pipeline in (False, True):
                rate, backlog = await self._accept_once(kind, per_post, pipeline)
                ratios[pipeline].append(rate / floor_rate)
                if pipeline:
                    rates.append(rate)
                line += f"; {'with worker' if pipeline else 'endpoint alone'} {rate:.0f}/s"
                if pipeline:
                    line += f" ({backlog} events left in the inbox for the worker)"
            print(line, flush=True)
        alone, ratio = statistics.median(ratios[False]), statistics.median(ratios[True])
        spread = f"{min(ratios[True]):.2f}-{max(ratios[True]):.2f}"
        rate = statistics.median(rates)
        if per_post == 1:
            target, met = ">= 0.70x floor", ratio >= 0.7
        else:  # the floor appends each element with one script per body
            target, met = ">= 0.80x floor, >= 50,000/s", ratio >= 0.8 and rate >= 50_000
        self.rows.append((
            f"accepted events/s, {kind}",
            f"median {rate:.0f}/s, {ratio:.2f}x floor with worker ({spread}), {alone:.2f}x endpoint alone",
            target, "yes" if met else "NO",
        ))  # fmt: skip

    async def _accept_once(self, kind: str, per_post: int, pipeline: bool) -> tuple[float, int]:
        """One closed-loop run against a fresh bot: (accepted events/s, inbox entries not yet applied)."""
        make = single_requests if per_post == 1 else batch_requests
        label = f"accept-{kind.replace(' ', '')}-{'worker' if pipeline else 'alone'}"
        bot, prefix = await self.start_bot(label, lifted=False, pipeline=pipeline)
        remotes = [remote for remote, _ in await seed(self.redis, prefix, self.slack, ACCEPT_REQUESTS)]
        ok, _failed = await run_load(bot.port, make(remotes), seconds=self.seconds)
        await asyncio.to_thread(bot.stop)
        return ok * per_post / self.seconds, int(await self.redis.xlen(Keys(prefix).inbox()))

    async def command_calls(self) -> dict[str, int]:
        """Calls per Redis command so far (INFO commandstats; Lua scripts' inner commands count too)."""
        stats = await self.redis.info("commandstats")
        return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}

    async def redis_cpu(self) -> float:
        """CPU seconds Redis has used so far (INFO cpu, user plus system)."""
        stats = await self.redis.info("cpu")
        return float(stats["used_cpu_user"]) + float(stats["used_cpu_sys"])

    async def start_floor(self) -> tuple[Child, str]:
        """The drain's floor (bench.drain_floor) in its own process on a fresh key prefix."""
        self.bots += 1
        prefix = f"{self.run}{self.bots}:"
        options = FloorOptions(
            self.redis_url, prefix, self.slack_api_url, DEFAULT_BOT_TOKEN, LIFTED_RATE, RECORD_TTL_MS
        )
        child = await asyncio.to_thread(Child, floor_drain_process, options, self.pinned)
        return child, prefix

    async def drain_once(self, who: str, count: int, kind: tuple[str, str]) -> DrainRun:
        """`count` seeded requests, one event of `kind` each appended at once; the product or the floor
        drains them. The run ends when every message shows the event (a Done also wants its reply) and
        the inbox is empty: both drainers XDEL an entry with its XACK, so no entry is left unacknowledged.
        """
        final = kind != PENDING
        if who == "product":
            drainer, prefix = await self.start_bot(f"drain-{count}-{kind[0]}", lifted=True)
        else:
            drainer, prefix = await self.start_floor()
        inbox = Keys(prefix).inbox()
        memory_before = await settled_memory(self.redis)
        remotes = await seed(self.redis, prefix, self.slack, count)
        tss = [ts for _, ts in remotes]
        # The emulator here holds every message so far: frozen, they are never scanned by the garbage
        # collector again, whose full passes would otherwise stall the emulator longer in each run.
        gc.collect()
        gc.freeze()
        before, cpu = await self.command_calls(), cpu_seconds(drainer.process.pid)
        redis_cpu, own_cpu = await self.redis_cpu(), cpu_seconds(os.getpid())
        start = time.monotonic()
        async with self.redis.pipeline(transaction=False) as pipe:
            for remote, _ in remotes:
                element = json.dumps(event(remote, kind, with_token=False), separators=(",", ":"))
                pipe.xadd(inbox, entry_fields(element))
            await pipe.execute()
        # Done: the chat.update showing Done and the thread reply; Pending: the message's first update.
        shown = [self.slack.done_at, self.slack.replied_at] if final else [self.slack.updated_at]
        timeout = count / 100 + 60
        done = await wait_for(all_in(tss, *shown), timeout=timeout)
        polls = 0  # the bench's own XLENs, taken out of the figures below
        while done:
            polls += 1
            if not await self.redis.xlen(inbox):
                break
            done = time.monotonic() - start < timeout
            await asyncio.sleep(0.02)
        after, cpu = await self.command_calls(), cpu_seconds(drainer.process.pid) - cpu
        redis_cpu, own_cpu = await self.redis_cpu() - redis_cpu, cpu_seconds(os.getpid()) - own_cpu
        await asyncio.to_thread(drainer.stop)
        kept = (await settled_memory(self.redis) - memory_before) / count
        calls = {name: n - before.get(name, 0) for name, n in after.items()}
        for name, own in (("xadd", count), ("xlen", polls), ("info", 2)):  # the bench's own commands
            calls[name] = calls.get(name, 0) - own
        finished = sum(all(ts in seen for seen in shown) for ts in tss)
        last = [max((seen[ts] - start for ts in tss if ts in seen), default=0.0) for seen in shown]
        await cleanup(self.redis, prefix)
        return DrainRun(
            who, count, kind[0], max(last) if done else float("nan"), last[-1] if done else float("nan"),
            finished, timeout,
            cpu * 1000 / count, redis_cpu * 1000 / count, own_cpu * 1000 / count,
            {name: n / count for name, n in calls.items() if n > 0}, kept,
        )  # fmt: skip

    async def drain(self, sizes: list[int]) -> None:
        """Each backlog of Done events drained by the product, then by the floor, on the same seeding."""
        seconds: dict[str, dict[int, float]] = {"product": {}, "floor": {}}
        for count in sizes:
            # One pair of runs swings by tens of percent on two busy cores: backlogs up to 10,000 run
            # in interleaved rounds and the round with the median ratio counts.
            pairs: list[tuple[DrainRun, DrainRun]] = []
            for _ in range(self.drain_rounds if count <= 10_000 else 1):
                runs = {}
                for who in ("product", "floor"):
                    runs[who] = run = await self.drain_once(who, count, DONE)
                    print(run.line(), flush=True)
                pairs.append((runs["product"], runs["floor"]))
                print(
                    f"drain {count} Done: product/floor events/s {pairs[-1][0].rate / pairs[-1][1].rate:.2f}"
                )
            ratios = sorted(product.rate / floor.rate for product, floor in pairs)
            pairs.sort(key=lambda pair: pair[0].rate / pair[1].rate)
            product, floor = pairs[len(pairs) // 2]
            for who, index in (("product", 0), ("floor", 1)):
                seconds[who][count] = statistics.median(pair[index].seconds for pair in pairs)
            ratio = product.rate / floor.rate
            rate = f"{product.rate:.0f}/s, {ratio:.2f}x floor ({floor.rate:.0f}/s)"
            if len(pairs) > 1:
                rate += f", median of {len(pairs)} rounds ({ratios[0]:.2f}-{ratios[-1]:.2f})"
            target = ">= 0.70x floor, >= 1000/s"
            self.rows.append(
                (f"drain {count:,} Done events", rate, target, met(ratio >= 0.7 and product.rate >= 1000))
            )
            self.cost_rows(product, floor, max_commands=12)
        for count in sizes:  # how the time grows with the backlog: the target is 10,000 -> 100,000
            if count * 10 in sizes:
                big = count * 10
                growth = {who: times[big] / times[count] for who, times in seconds.items()}
                figure = f"{growth['product']:.1f}x (floor {growth['floor']:.1f}x)"
                target, ok = ("<= 11x", met(growth["product"] <= 11)) if big == 100_000 else ("-", "-")
                self.rows.append((f"drain time {big:,} / {count:,}", figure, target, ok))

    async def pending_drain(self, count: int) -> None:
        """A backlog of one Pending event per request, drained by the product, then by the floor."""
        product = await self.drain_once("product", count, PENDING)
        print(product.line(), flush=True)
        floor = await self.drain_once("floor", count, PENDING)
        print(floor.line(), flush=True)
        ratio = product.rate / floor.rate
        print(f"drain {count} Pending: product/floor events/s {ratio:.2f}", flush=True)
        self.cost_rows(product, floor, max_commands=7, memory=False)

    def cost_rows(
        self, product: DrainRun, floor: DrainRun, *, max_commands: int, memory: bool = True
    ) -> None:
        """Table rows of a drain's Redis commands and CPU per event (and memory per request), floor beside."""

        def beside(figure: Callable[[DrainRun], str]) -> str:
            return f"{figure(product)} (floor {figure(floor)})"

        per = f"{product.kind} event, {product.count:,}"
        self.rows += [
            (f"Redis commands per {per}", beside(lambda run: f"{run.commands:.1f}"), f"<= {max_commands}",
             met(product.commands <= max_commands)),
            (f"bot CPU per {per}", beside(lambda run: f"{run.cpu_ms:.2f} ms"), "<= 0.8 ms",
             met(product.cpu_ms <= 0.8)),
        ]  # fmt: skip
        if memory:
            figure = beside(lambda run: f"{run.kept:.0f} B")
            self.rows.append((f"Redis memory kept per request, {product.count:,}", figure, "-", "-"))

    async def latency(self, rates: tuple[int, ...] = (100, 500, 1000), seconds: float = 10.0) -> None:
        """End-to-end latency, POST to the chat.update showing Done, open loop at each rate."""
        bot, prefix = await self.start_bot("latency", lifted=True)
        remotes = await seed(self.redis, prefix, self.slack, int(sum(rates) * seconds))
        url = f"http://127.0.0.1:{bot.port}{CALLBACK_PATH}"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            for rate in rates:
                batch, remotes = remotes[: int(rate * seconds)], remotes[int(rate * seconds) :]
                waits, answered = await self._open_loop(session, url, rate, batch)
                p50, p99 = percentile(waits, 0.50), percentile(waits, 0.99)
                print(
                    f"end to end at {rate}/s: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(waits):.0f} ms "
                    f"({len(waits)} of {len(batch)} shown, {answered} answered 200)",
                    flush=True,
                )
                complete = len(waits) == len(batch)
                limit = LATENCY_TARGETS_MS.get(rate)
                target = f"p99 < {limit} ms" if limit else "-"
                self.rows.append((
                    f"end to end at {rate}/s", f"p50 {p50:.0f} ms, p99 {p99:.0f} ms", target,
                    met(p99 < limit and complete) if limit else "-",
                ))  # fmt: skip
        await asyncio.to_thread(bot.stop)

    async def rss(self, rate: int = 500, seconds: float = 60.0, warm_up: float = 10.0) -> None:
        """The bot's resident memory while it takes `rate` Done events per second for `seconds`."""
        bot, prefix = await self.start_bot("rss", lifted=True)
        remotes = await seed(self.redis, prefix, self.slack, int(rate * seconds))
        url = f"http://127.0.0.1:{bot.port}{CALLBACK_PATH}"
        samples: list[tuple[float, int]] = []

        async def sample() -> None:
            start = time.monotonic()
            while True:
                samples.append((time.monotonic() - start, rss_kib(bot.process.pid)))
                await asyncio.sleep(1.0)

        sampler = asyncio.create_task(sample())
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await self._open_loop(session, url, rate, remotes)
        sampler.cancel()
        await asyncio.to_thread(bot.stop)
        warm = [kib for at, kib in samples if at >= warm_up] or [0]
        drift = (max(warm) - min(warm)) / max(min(warm), 1) * 100
        low, high, first = min(warm) / 1024, max(warm) / 1024, samples[0][1] / 1024
        print(
            f"bot RSS at {rate}/s for {seconds:.0f} s: after {warm_up:.0f} s warm-up {low:.1f} to "
            f"{high:.1f} MiB ({drift:.1f} % apart; first sample {first:.1f} MiB)",
            flush=True,
        )
        self.rows.append((f"bot RSS at {rate}/s, {seconds:.0f} s", f"{drift:.1f} % apart after warm-up",
                          "within 10 %", "yes" if drift <= 10 else "NO"))  # fmt: skip

    async def _open_loop(
        self, session: aiohttp.ClientSession, url: str, rate: int, remotes: list[tuple[str, str]]
    ) -> tuple[list[float], int]:
        """POST one Done per request at fixed instants; the ms from each instant to its message's update."""
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        answers: list[int] = []

        async def send(body: bytes) -> None:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                answers.append(response.status)

        planned: dict[str, float] = {}
        tasks = []
        start = time.monotonic()
        for n, (remote, ts) in enumerate(remotes):
            planned[ts] = start + n / rate  # measured from the planned instant: no coordinated omission
            await asyncio.sleep(max(0.0, planned[ts] - time.monotonic()))
            body = json.dumps(event(remote, DONE, with_token=False)).encode()
            tasks.append(asyncio.create_task(send(body)))
        await asyncio.gather(*tasks)
        # A rate above what the bot drains leaves a backlog: it gets time to clear it (at >= 100/s).
        await wait_for(all_in(list(planned), self.slack.done_at), timeout=60 + len(planned) / 100)
        waits = [
            (self.slack.done_at[ts] - at) * 1000 for ts, at in planned.items() if ts in self.slack.done_at
        ]
        return waits, answers.count(200)

    def table(self) -> str:
        """The figures as a plain-text table."""
        header = ("measure", "figure", "target", "met")
        rows = [header, *self.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows
        ]
        lines.insert(1, "-+-".join("-" * width for width in widths))
        return "\n".join(line.rstrip() for line in lines)


async def cleanup(redis: Redis, run: str) -> None:
    """Delete every key of this run."""
    batch: list[Any] = []
    async for key in redis.scan_iter(match=f"{run}*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            await redis.unlink(*batch)
            batch = []
    if batch:
        await redis.unlink(*batch)


async def main(
    phases: set[str],
    seconds: float,
    rounds: int,
    profile_dir: str | None,
    drain_sizes: list[int],
    pending_size: int,
    drain_rounds: int = 3,
) -> None:
    """Run the chosen phases and print the table."""
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis().start()
    redis_url = os.environ["REDIS_URL"] if embedded is None else embedded.url
    redis = Redis.from_url(redis_url, decode_responses=True)
    slack = BenchSlack()
    slack.add_channel(CHANNEL, "fleet-ops")
    slack.add_user(REQUESTER, "operator")
    running = await start_slack_emulator(slack)
    run = f"bench:{uuid.uuid4().hex[:8]}:"
    logs = tempfile.mkdtemp(prefix="pipeline-bench-logs-")
    bench = Bench(redis, redis_url, slack, running.api_url, run, logs, profile_dir, seconds, rounds)
    bench.drain_rounds = drain_rounds
    where = "REDIS_URL" if embedded is None else "embedded"
    print(
        f"pipeline bench: {os.cpu_count()} CPUs, Redis {where}, keys {run}*, bot logs in {logs}", flush=True
    )
    try:
        if "accept" in phases:
            # This process (so the load generators it starts) and Redis leave the server a CPU of its own.
            others = [os.getpid(), *([embedded.pid] if embedded is not None and embedded.pid else [])]
            pinned = ""
            for pid in others:
                pinned = pin(pid, server=False)
            print(f"acceptance: {pinned or 'processes not pinned (one CPU)'}", flush=True)
            floor = await asyncio.to_thread(Child, floor_process, redis_url, f"{run}floor")
            batch_floor = await asyncio.to_thread(Child, floor_batch_process, redis_url, f"{run}floor")
            bench.pinned = bool(pinned)
            try:
                await bench.acceptance(floor, "single", 1)
                await bench.acceptance(batch_floor, "batch 100", 100)
            finally:
                await asyncio.to_thread(floor.stop)
                await asyncio.to_thread(batch_floor.stop)
                bench.pinned = False
                for pid in others:
                    unpin(pid)
        if "drain" in phases:
            await bench.drain(drain_sizes)
            if pending_size:
                await bench.pending_drain(pending_size)
        if "latency" in phases:
            await bench.latency()
        if "rss" in phases:
            await bench.rss()
    finally:
        await cleanup(redis, run)
        await redis.aclose()
        await running.close()
        if embedded is not None:
            embedded.close()
    print()
    print(bench.table())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phases", default="accept,drain,latency", help="comma-separated subset to run")
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds of each acceptance run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved acceptance rounds (median)")
    parser.add_argument("--profile", metavar="DIR", help="write a cProfile of each bot process into DIR")
    parser.add_argument(
        "--drain-sizes", default="1000,10000,100000", help="comma-separated backlogs of Done events to drain"
    )
    parser.add_argument(
        "--drain-rounds", type=int, default=3, help="interleaved rounds of each drain up to 10,000 (median)"
    )
    parser.add_argument(
        "--pending-size", type=int, default=10_000, help="backlog of Pending events to drain (0: none)"
    )
    arguments = parser.parse_args()
    if arguments.profile:
        os.makedirs(arguments.profile, exist_ok=True)
    asyncio.run(
        main(
            set(arguments.phases.split(",")),
            arguments.seconds,
            arguments.rounds,
            arguments.profile,
            [int(size) for size in arguments.drain_sizes.split(",")],
            arguments.pending_size,
            arguments.drain_rounds,
        )
    )

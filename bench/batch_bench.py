"""One command for a thousand vehicles: time from Send to every vehicle final, beside its floor.

Run: `.venv/bin/python -m bench.batch_bench` (about a minute; `--vehicles 200` for a quick check,
`--pace 50` the vendor pace VENDOR_SENDS_PER_SECOND, `--delay-scale 0.2` the simulator's delay scale,
`--slack-rate 50` the bot's SLACK_UPDATE_RATE_PER_MINUTE, `--profile FILE` a cProfile of the bot process,
`--keep DIR` keeps the fleet, policy and bot log there). The figures are printed by bench.batch_figures.

A fleet file of N vehicles in group `bench` (valid VINs, aliases, every vehicle awake, online, unlocked
and with its doors shut, so every lock succeeds), three more vehicles outside the group, and a policy
granting the bench user `lock` and `status` on every vehicle are written to a temporary folder. The bot
runs alone in its own process (`remote-bot serve`: the pipeline and output jobs, the batch sender and
sweep), against an embedded Redis (or REDIS_URL, keys under a unique prefix) and the vehicle-cloud
simulator and Slack emulator, which run in this process.

First the floor's vehicle time: `lock` on each of the three vehicles outside the group, one after the
other, each timed from the bot's "sending" step to its final state (the timeline of its record): the
median counts. Floor = N / pace + that time. Then `lock group:bench` is typed through the signed Slack
driver, and once the preview shows, Send is clicked; the run ends with the batch's thread summary. It
prints:

- elapsed: from the click to the last member's final state (its record's timeline), beside the floor,
  and their ratio (goal: at most 1.1); where the time went: click to first send, the sends' span and
  achieved pace, the gaps between sends (those over 1.5 intervals are the sender's event loop busy
  elsewhere: how much they add, how many end at an edit of the batch message, the most sends in any 1 s),
  last send to last final, last final to the summary reply; the simulator's longest queue of
  undelivered notifications. The machine's load average is printed first: other processes on the same
  CPUs lengthen the gaps;
- chat.update calls on the batch message (the emulator's record of them, and the bot's
  remote_bot_batch_message_edits metric) beside the Slack budget over the elapsed time;
- Redis commands per vehicle (INFO commandstats, scripts' inner commands included, from the click to
  the summary; the preview's apart) and Redis memory kept per vehicle (used_memory once the batch is
  finished, against before the command);
- bot CPU per vehicle (the bot process's user plus system time, /proc);
- lost (members not final, or whose vehicle never received a remote POST) and doubled (vehicles that
  received more than one), both 0 when all is well.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from redis.asyncio import Redis

from bench.batch_figures import Figures, Member
from bench.idle_cost_bench import calls
from bench.pipeline_bench import cpu_seconds, settled_memory
from bench.processes import bot_env, free_port, python, spawn, stop, wait_http
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.simulator.engine import Delays
from bot.simulator.fleet import load_fleet
from bot.simulator.server import RunningSimulator, start_simulator
from bot.slack_emulator import (
    DEFAULT_BOT_TOKEN,
    CallRecord,
    Ephemeral,
    Message,
    SlackDriver,
    SlackState,
    find_action,
    start_slack_emulator,
)
from bot.store.batches import BatchRecord
from bot.store.keys import Keys
from bot.store.records import RequestRecord

CHANNEL, USER = "C0FLEETOPS", "U0BENCHOPS"
SECRET = "bench-signing-secret"
CLIENT_ID = "bench-client"
GROUP = "bench"
SOLOS = 3  # vehicles outside the group, each locked alone for the floor's vehicle time
OWN_COMMANDS = ("info",)  # what this bench itself asks Redis while counting, left out
BOT_STEPS = {"requested", "sending", "accepted_by_api"}  # timeline steps that are the bot's own


def vin(kind: str, index: int) -> str:
    """A valid 17-character VIN (no I, O or Q): a 3-letter maker code, 4 letters, 10 digits."""
    return f"VR3{kind}{index:010d}"


def write_fleet(path: Path, vehicles: int) -> list[str]:
    """The fleet file (the bot's and the simulator's): `vehicles` in group `bench`, SOLOS outside it.
    Returns the group's VINs."""
    awake = {"asleep": False, "online": True, "locked": False, "doors_open": False, "battery": 80}
    entries: dict[str, Any] = {}
    for index in range(1, vehicles + 1):
        entries[f"bench-{index:04d}"] = {"vin": vin("BNCH", index), "groups": [GROUP], "simulator": awake}
    for index in range(1, SOLOS + 1):
        entries[f"solo-{index}"] = {"vin": vin("SNGL", index), "groups": ["solo"], "simulator": awake}
    path.write_text(yaml.safe_dump({"vehicles": entries}, sort_keys=False), encoding="utf-8")
    return [vin("BNCH", index) for index in range(1, vehicles + 1)]


def write_policy(path: Path) -> None:
    """The policy: the bench user may lock (and ask the status of) every vehicle."""
    policy = {
        "roles": {"bencher": {"actions": ["lock", "status"]}},
        "grants": [{"subjects": [USER], "roles": ["bencher"]}],
    }
    path.write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")


class BenchSlack(SlackState):
    """The emulator's state, noting (wall clock) each chat.update by message and each thread reply."""

    def __init__(self) -> None:
        super().__init__(clock=time.time)
        self.updates: dict[str, list[float]] = collections.defaultdict(list)  # ts -> chat.update times
        self.replied: dict[str, float] = {}  # thread ts -> first reply time

    def record_call(self, record: CallRecord) -> None:
        """Note chat.update calls (ok or not) by message and thread replies, then log the call."""
        if record.method == "chat.update":
            self.updates[str(record.params.get("ts"))].append(record.at)
        elif record.method == "chat.postMessage" and record.ok and record.params.get("thread_ts"):
            self.replied.setdefault(str(record.params["thread_ts"]), record.at)
        super().record_call(record)

    def roots(self) -> list[Message]:
        """The channel's top-level messages."""
        return [m for m in self.messages(CHANNEL) if m.thread_ts is None]


def step_times(record: RequestRecord) -> tuple[float | None, float | None]:
    """(the "sending" step's time, the final step's time) of a request record (None: not there)."""
    sent = next((entry.at for entry in record.timeline if entry.step == "sending"), None)
    if not record.status.is_final:
        return sent, None
    vendor = [entry.at for entry in record.timeline if entry.step not in BOT_STEPS]
    return sent, (vendor[-1] if vendor else record.timeline[-1].at)


async def read_records(redis: Redis, keys: Keys, ids: list[str]) -> list[RequestRecord | None]:
    """Request records by id, in chunks."""
    found: list[RequestRecord | None] = []
    for start in range(0, len(ids), 500):
        raws = await redis.mget([keys.request(i) for i in ids[start : start + 500]])
        found.extend(None if raw is None else RequestRecord.model_validate_json(raw) for raw in raws)
    return found


async def scrape(port: int, name: str) -> float | None:
    """One sample's value from the bot's /metrics (the first line naming it), None when absent."""
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as answer:
        text = await answer.text()
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            return float(line.rsplit(" ", 1)[1])
    return None


@dataclass
class Bench:
    """The run's parts: Redis, the emulator and its driver, the simulator, the bot's process."""

    redis: Redis
    keys: Keys
    slack: BenchSlack
    driver: SlackDriver
    simulator: RunningSimulator
    bot: subprocess.Popen[bytes]
    metrics_port: int
    max_pending: int = 0
    samples: list[int] = field(default_factory=list)

    async def ask(self, text: str) -> None:
        """Type `/vehicle <text>` as the bench user."""
        response = await self.driver.slash_command("/vehicle", text, USER, CHANNEL)
        if response.status != 200:
            raise RuntimeError(f"/vehicle {text}: HTTP {response.status}")

    async def single_lock(self, name: str, vehicle_vin: str) -> float:
        """Lock one vehicle alone; the seconds from its send to its final state."""
        before = len(self.slack.roots())
        await self.ask(f"lock {name}")
        root = (await self.slack.wait_for(lambda: self.slack.roots()[before:], timeout=30))[0]
        await self.slack.wait_for(lambda: root.ts in self.slack.replied, timeout=60)
        ids = await self.redis.zrevrange(self.keys.vehicle_requests(vehicle_vin), 0, 0)
        (record,) = await read_records(self.redis, self.keys, [str(i) for i in ids])
        assert record is not None
        sent, final = step_times(record)
        assert sent is not None and final is not None
        return final - sent

    async def watch_deliveries(self) -> None:
        """Sample the simulator's undelivered notifications every 50 ms (the longest queue counts)."""
        deliverer = self.simulator.simulator.deliverer
        while True:
            self.max_pending = max(self.max_pending, deliverer.pending)
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def bot_process(
    redis_url: str, prefix: str, slack_port: int, simulator: RunningSimulator, folder: Path, pace: float,
    profile: str | None, slack_rate: int,
) -> AsyncIterator[tuple[subprocess.Popen[bytes], int, int]]:  # fmt: skip
    """`remote-bot serve` in its own process, ready: (the process, its port, its metrics port)."""
    bot_port, metrics_port = free_port(), free_port()
    sim_port = int(simulator.base_url.rsplit(":", 1)[1])
    env = bot_env(
        secret=SECRET, bot_token=DEFAULT_BOT_TOKEN, slack_port=slack_port, sim_port=sim_port,
        bot_port=bot_port, redis_url=redis_url, prefix=prefix,
    )  # fmt: skip
    env.update(
        STELLANTIS_CLIENT_ID=CLIENT_ID, POLICY_FILE=str(folder / "policy.yaml"),
        FLEET_FILE=str(folder / "fleet.yaml"), VENDOR_SENDS_PER_SECOND=f"{pace:g}",
        METRICS_PORT=str(metrics_port), SLACK_UPDATE_RATE_PER_MINUTE=str(slack_rate),
    )  # fmt: skip
    command = python("bot.cli", "serve")
    if profile:
        command = python("cProfile", "-o", profile, "-m", "bot.cli", "serve")
    child = spawn(command, env, log=folder / "bot.log")
    try:
        await wait_http(f"http://127.0.0.1:{bot_port}/readyz", timeout=60, status=200)
        yield child, bot_port, metrics_port
    finally:
        stop(child)


async def run(args: argparse.Namespace, folder: Path) -> Figures:
    """Start everything, time the solos and the batch, gather the figures."""
    group = write_fleet(folder / "fleet.yaml", args.vehicles)
    write_policy(folder / "policy.yaml")
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis().start()
    redis_url = os.environ["REDIS_URL"] if embedded is None else embedded.url
    redis = Redis.from_url(redis_url, decode_responses=True)
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    slack = BenchSlack()
    slack.add_channel(CHANNEL, "fleet-ops")
    slack.add_user(USER, "bench-operator")
    emulator = await start_slack_emulator(slack)
    simulator = await start_simulator(
        vehicles=load_fleet(folder / "fleet.yaml"), client_id=CLIENT_ID, delay_scale=args.delay_scale
    )
    slack_port = int(emulator.api_url.split(":")[2].split("/")[0])
    try:
        async with (
            bot_process(
                redis_url, prefix, slack_port, simulator, folder, args.pace, args.profile, args.slack_rate
            ) as (
                bot, bot_port, metrics_port,
            ),
            aiohttp.ClientSession() as session,
        ):  # fmt: skip
            driver = SlackDriver(f"http://127.0.0.1:{bot_port}", SECRET, slack, session)
            bench = Bench(redis, Keys(prefix), slack, driver, simulator, bot, metrics_port)
            where = "REDIS_URL" if embedded is None else "embedded"
            load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
            print(
                f"batch bench: {os.cpu_count()} CPUs (load {load}), Redis {where}, bot pid {bot.pid}, "
                f"files and bot log in {folder}",
                flush=True,
            )
            return await measure(args, bench, group)
    finally:
        await simulator.close()
        await emulator.close()
        await cleanup(redis, prefix)
        await redis.aclose()
        if embedded is not None:
            embedded.close()


async def measure(args: argparse.Namespace, bench: Bench, group: list[str]) -> Figures:
    """The solos, then the batch: the figures."""
    redis, slack = bench.redis, bench.slack
    solo_times = [await bench.single_lock(f"solo-{i}", vin("SNGL", i)) for i in range(1, SOLOS + 1)]
    delays = Delays()
    nominal = (delays.accept + delays.send + delays.vehicle) * args.delay_scale
    print(
        f"solo locks: {', '.join(f'{t:.3f} s' for t in solo_times)} (simulated steps {nominal:.3f} s)",
        flush=True,
    )
    watcher = asyncio.create_task(bench.watch_deliveries())
    memory = await settled_memory(redis)
    calls0, cpu0 = await calls(redis), cpu_seconds(bench.bot.pid)
    asked = time.time()
    before = len(slack.ephemerals(user=USER))
    await bench.ask(f"lock group:{GROUP}")
    preview: Ephemeral = (await slack.wait_for(lambda: slack.ephemerals(user=USER)[before:], timeout=300))[0]
    preview_seconds = time.time() - asked
    found = find_action(preview.blocks, "rb_batch_send")
    if found is None:
        raise RuntimeError(f"the preview has no Send button: {preview.text}")
    batch_id = str(found[1].get("value"))
    calls1, cpu1 = await calls(redis), cpu_seconds(bench.bot.pid)
    redis_cpu0 = await redis_cpu(redis)
    roots = len(slack.roots())
    bench.max_pending = 0
    click_at, own1 = time.time(), time.process_time()
    await bench.driver.click_button("rb_batch_send", USER, message=preview)
    timeout = 3 * (args.vehicles / args.pace + 10) + 60
    timed_out = False
    try:
        root = (await slack.wait_for(lambda: slack.roots()[roots:], timeout=60))[0]
        await slack.wait_for(lambda: root.ts in slack.replied, timeout=timeout)
    except TimeoutError:
        timed_out = True
    calls2, cpu2, own2 = await calls(redis), cpu_seconds(bench.bot.pid), time.process_time()
    redis_cpu2 = await redis_cpu(redis)
    watcher.cancel()
    raw = await redis.get(bench.keys.batch(batch_id))
    batch = BatchRecord.model_validate_json(raw) if raw else None
    member_ids = [m.request_id for m in batch.members] if batch else []
    records = await read_records(redis, bench.keys, member_ids)
    members = []
    for record in records:
        if record is not None:
            sent, final = step_times(record)
            members.append(Member(record.vin, record.status.value, sent, final))
    kept = await settled_memory(redis) - memory
    ts = batch.message_ts if batch and batch.message_ts else ""
    return Figures(
        vehicles=args.vehicles, pace=args.pace, vehicle_seconds=statistics.median(solo_times),
        solo_times=solo_times, click_at=click_at, members=members, summary_at=slack.replied.get(ts),
        preview_seconds=preview_seconds, edit_times=slack.updates.get(ts, []),
        edits_metric=await scrape(bench.metrics_port, "remote_bot_batch_message_edits"),
        all_updates=sum(1 for times in slack.updates.values() for at in times if at >= click_at),
        rate=args.slack_rate, window=60.0, send_calls=delta(calls1, calls2),
        preview_calls=delta(calls0, calls1),
        memory=kept, bot_cpu=cpu2 - cpu1, preview_cpu=cpu1 - cpu0, bench_cpu=own2 - own1,
        redis_cpu=redis_cpu2 - redis_cpu0,
        posts=collections.Counter(post.vin for post in bench.simulator.simulator.remote_posts),
        group=group, max_pending=bench.max_pending, timed_out=timed_out,
    )  # fmt: skip


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Commands counted between two INFO commandstats readings, the bench's own reads left out."""
    return {
        name: count - before.get(name, 0)
        for name, count in after.items()
        if count > before.get(name, 0) and name not in OWN_COMMANDS
    }


async def redis_cpu(redis: Redis) -> float:
    """CPU seconds Redis has used so far (INFO cpu, user plus system)."""
    stats = await redis.info("cpu")
    return float(stats["used_cpu_user"]) + float(stats["used_cpu_sys"])


async def cleanup(redis: Redis, prefix: str) -> None:
    """Delete every key of this run."""
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
    for start in range(0, len(keys), 1000):
        await redis.unlink(*keys[start : start + 1000])


def main() -> None:
    """Parse the options, run, print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vehicles", type=int, default=1000, help="vehicles in the batch (default 1000)")
    parser.add_argument("--pace", type=float, default=50.0, help="VENDOR_SENDS_PER_SECOND (default 50)")
    parser.add_argument("--delay-scale", type=float, default=0.2, help="simulator delay scale (default 0.2)")
    parser.add_argument("--slack-rate", type=int, default=50, help="the bot's SLACK_UPDATE_RATE_PER_MINUTE")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the bot process to FILE")
    parser.add_argument(
        "--keep", metavar="DIR", help="write the fleet, policy and bot log in DIR and keep it"
    )
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="batch-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        figures = asyncio.run(run(args, folder))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    figures.report()


if __name__ == "__main__":
    main()

"""Two `remote-bot serve` processes on one Redis, with the simulator delivering to both through a proxy."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bench.processes import bot_env, free_port, python, spawn, stop, wait_http
from bot.simulator.app import Simulator
from bot.simulator.fleet_api import DEFAULT_LOGIN, DEFAULT_PASSWORD
from bot.simulator.server import start_simulator
from bot.slack_emulator import DEFAULT_BOT_TOKEN, SlackDriver, SlackState, start_slack_emulator
from bot.store.inbox import GROUP
from bot.store.keys import Keys
from bot.store.records import RequestRecord

SIGNING_SECRET = "replica-signing-secret"
CHANNEL, USER = "C0FLEETOPS", "U0SECURITY"  # the sample policy lets this user do anything there
HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def port_of(url: str) -> int:
    """The port of an http://host:port/... URL."""
    return int(url.split(":")[2].split("/")[0])


class RoundRobinProxy:
    """A load balancer: each request goes to the next upstream, or the one after when it cannot connect."""

    def __init__(self, upstreams: list[str], session: aiohttp.ClientSession) -> None:
        self._next = itertools.cycle(upstreams)
        self._count = len(upstreams)
        self._session = session
        self.forwarded: dict[str, int] = dict.fromkeys(upstreams, 0)

    async def handle(self, request: web.Request) -> web.Response:
        """Forward one request and answer with the upstream's status and body."""
        body = await request.read()
        headers = {name: value for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP}
        for _ in range(self._count):
            upstream = next(self._next)
            try:
                async with self._session.request(
                    request.method, upstream + request.path_qs, data=body, headers=headers
                ) as answer:
                    content = await answer.read()
            except aiohttp.ClientConnectionError:
                continue  # that replica is gone (or went while answering): the vendor's retry lands elsewhere
            self.forwarded[upstream] += 1
            return web.Response(status=answer.status, body=content, content_type=answer.content_type)
        return web.Response(status=502, text="no upstream answered")


@dataclass
class Replica:
    """One `remote-bot serve` child and a driver signing Slack requests to it."""

    process: subprocess.Popen[bytes]
    url: str
    driver: SlackDriver
    env: Mapping[str, str]
    log: Path

    @property
    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    @property
    def consumer_prefix(self) -> str:
        """How the names of this process's inbox consumers begin (see bot.notifications.consumer)."""
        return f"{socket.gethostname()}-{self.process.pid}-"


@dataclass
class Cluster:
    """The replicas, the Slack emulator's state, the simulator, and the shared Redis with its keys."""

    replicas: list[Replica]
    slack: SlackState
    simulator: Simulator
    redis: Redis
    keys: Keys
    proxy: RoundRobinProxy


@asynccontextmanager
async def cluster(
    redis_url: str,
    prefix: str,
    logs: Path,
    settings: Mapping[str, str],
    count: int = 2,
    api: str = "connected-car-v1",
) -> AsyncIterator[Cluster]:
    """`count` serve processes on one Redis, speaking `api`; the simulator's notifications reach them
    round-robin."""
    async with AsyncExitStack() as stack:
        state = SlackState()
        state.add_channel(CHANNEL, "fleet-ops")
        state.add_user(USER, "replica-security")
        slack = await start_slack_emulator(state)
        stack.push_async_callback(slack.close)
        simulator = await start_simulator(client_id="bench-client", delay_scale=0.01, redelivery_seconds=1)
        stack.push_async_callback(simulator.close)
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )
        ports = [free_port() for _ in range(count)]
        proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports], session)
        proxy_app = web.Application()
        proxy_app.router.add_route("*", "/{tail:.*}", proxy.handle)
        runner = web.AppRunner(proxy_app, access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        proxy_port = runner.addresses[0][1]
        replicas: list[Replica] = []

        def stop_replicas() -> None:
            for replica in replicas:
                stop(replica.process)

        stack.callback(stop_replicas)
        for number, port in enumerate(ports):
            env = bot_env(
                secret=SIGNING_SECRET, bot_token=DEFAULT_BOT_TOKEN, slack_port=port_of(slack.api_url),
                sim_port=port_of(simulator.base_url), bot_port=port, redis_url=redis_url, prefix=prefix,
            )  # fmt: skip
            env.update({"CALLBACK_PUBLIC_URL": f"http://127.0.0.1:{proxy_port}", **settings})
            if api == "fleet-v3":
                env.update(
                    {
                        "STELLANTIS_API": api,
                        "STELLANTIS_API_URL": simulator.fleet_api_url,
                        "STELLANTIS_LOGIN": DEFAULT_LOGIN,
                        "STELLANTIS_PASSWORD": DEFAULT_PASSWORD,
                    }
                )
            log = logs / f"replica-{number}.log"
            process = spawn(python("bot.cli", "serve"), env, log=log)
            url = f"http://127.0.0.1:{port}"
            replicas.append(Replica(process, url, SlackDriver(url, SIGNING_SECRET, state, session), env, log))
            # One at a time: the first start creates the vendor notification channel, the next finds it.
            await wait_http(f"{url}/readyz", status=200)
        redis = Redis.from_url(redis_url, decode_responses=True)
        stack.push_async_callback(redis.aclose)
        yield Cluster(replicas, state, simulator.simulator, redis, Keys(prefix), proxy)


async def restart(group: Cluster, number: int, settings: Mapping[str, str]) -> Replica:
    """Start replica `number` again, once it has exited, with its environment updated by `settings`."""
    dead = group.replicas[number]
    assert dead.process.wait(timeout=10) is not None
    env = {**dead.env, **settings}
    process = spawn(python("bot.cli", "serve"), env, log=dead.log)
    replica = Replica(process, dead.url, dead.driver, env, dead.log)
    group.replicas[number] = replica
    await wait_http(f"{replica.url}/readyz", status=200)
    return replica


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float) -> None:
    """Wait until `condition()` holds, re-checking it every 50 ms; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


def _stopped(pid: int) -> bool:
    """Whether the process is stopped by a signal (state T in /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] in ("T", "t")


@dataclass(frozen=True)
class Kill:
    """What the killed replica held when it died: inbox entries (id -> element) and reply leases."""

    entries: dict[str, str]
    reply_leases: frozenset[str]  # request ids whose reply some replica was posting


async def kill_while_holding_entries(cluster: Cluster, victim: Replica, timeout: float) -> Kill:
    """SIGKILL `victim` at a moment its consumers hold inbox entries they read and did not acknowledge.

    When the inbox shows entries pending on the victim, the process is frozen (SIGSTOP), the inbox is read
    again (the victim can no longer acknowledge anything), and it is killed only if it still holds some;
    otherwise it resumes and the watch goes on.
    """
    redis, inbox = cluster.redis, cluster.keys.inbox()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await _pending_on(cluster, victim) == 0:
            await asyncio.sleep(0.002)
            continue
        os.kill(victim.process.pid, signal.SIGSTOP)
        # A signal is delivered when the target is next scheduled; no event tells when it happened.
        while not _stopped(victim.process.pid):  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        await redis.ping()  # one server round after the freeze: whatever the victim had sent is applied
        pending: list[dict[str, Any]] = await redis.xpending_range(inbox, GROUP, "-", "+", 10_000)
        held = [item["message_id"] for item in pending if item["consumer"].startswith(victim.consumer_prefix)]
        if held:
            # A reply being posted: by the reply queue (its taken set) or by a consumer (its record's lease).
            taken: list[Any] = await redis.zrange(cluster.keys.replies_taken(), 0, -1)
            held_by_consumers = {record.id for record in await requests(cluster) if record.reply_lease}
            leases = frozenset(str(member).split(" ", 1)[1] for member in taken) | held_by_consumers
            elements = {entry_id: fields["e"] for entry_id, fields in await _entries(redis, inbox, held)}
            victim.process.kill()
            victim.process.wait()
            return Kill(elements, leases)
        os.kill(victim.process.pid, signal.SIGCONT)
    raise AssertionError(f"the victim never held an inbox entry within {timeout} s")


async def _pending_on(cluster: Cluster, replica: Replica) -> int:
    summary: dict[str, Any] = await cluster.redis.xpending(cluster.keys.inbox(), GROUP)
    return sum(
        int(consumer["pending"])
        for consumer in summary.get("consumers") or []
        if str(consumer["name"]).startswith(replica.consumer_prefix)
    )


async def _entries(redis: Redis, stream: str, ids: list[str]) -> list[tuple[str, dict[str, str]]]:
    found = []
    for entry_id in ids:
        items: Any = await redis.xrange(stream, entry_id, entry_id)
        for item_id, fields in items:
            found.append((str(item_id), dict(fields)))
    return found


async def requests(cluster: Cluster) -> list[RequestRecord]:
    """Every request record of the run."""
    return [
        RequestRecord.model_validate_json(raw)
        async for key in cluster.redis.scan_iter(match=cluster.keys.request("*"), count=500)
        if (raw := await cluster.redis.get(key)) is not None
    ]


async def pending_count(cluster: Cluster) -> int:
    """Inbox entries read by some consumer and not acknowledged."""
    summary: dict[str, Any] = await cluster.redis.xpending(cluster.keys.inbox(), GROUP)
    return int(summary["pending"])

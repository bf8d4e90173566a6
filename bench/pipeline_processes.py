"""Child processes of the pipeline benchmark: the bot, the floors (server and drain), a load generator."""

from __future__ import annotations

import asyncio
import cProfile
import json
import logging
import multiprocessing
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from aiohttp import web
from redis.asyncio import Redis

from bench.drain_floor import FloorOptions, drain
from bot.app import AppOptions, create_web_app
from bot.config import Settings
from bot.runtime import fast_json
from bot.runtime.event_loop import run
from bot.vehicle.channels import CALLBACK_TOKEN_ATTRIBUTE
from bot.web.names import CALLBACK_PATH

TOKEN = "bench-callback-token"
STEPS = (("Pending", "Accepted"), ("Pending", "WakingUpVehicle"), ("Pending", "SentToVehicle"))
DONE = ("Done", "Success")
SPAWN = multiprocessing.get_context("spawn")


# --- payloads ------------------------------------------------------------------------------------


def event(remote: str, kind: tuple[str, str], *, with_token: bool) -> dict[str, Any]:
    """A data-treatment Message about one remote action, with the cbtoken body attribute when asked."""
    message: dict[str, Any] = {
        "channelId": "bench-channel",
        "type": "Remote",
        "date": "2026-01-01T00:00:00Z",
        "remoteEvent": {
            "remoteActionId": remote,
            "remoteType": "Doors",
            "eventStatus": {"type": kind[0], "status": kind[1]},
        },
    }
    if with_token:
        message["attributes"] = [{"key": CALLBACK_TOKEN_ATTRIBUTE, "value": TOKEN}]
    return message


def http_post(body: bytes, *, bearer: bool) -> bytes:
    """A raw HTTP/1.1 keep-alive POST of `body` to the callback path."""
    head = f"POST {CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    if bearer:
        head += f"Authorization: Bearer {TOKEN}\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def single_requests(remotes: list[str]) -> list[bytes]:
    """Every step of every remote, one event per POST authenticated by header, remotes interleaved."""
    return [
        http_post(json.dumps(event(remote, kind, with_token=False)).encode(), bearer=True)
        for kind in (*STEPS, DONE)
        for remote in remotes
    ]


def batch_requests(remotes: list[str], size: int = 100) -> list[bytes]:
    """Every step of every remote in header-less JSON arrays of `size`, each element with its cbtoken."""
    events = [event(remote, kind, with_token=True) for kind in (*STEPS, DONE) for remote in remotes]
    return [
        http_post(json.dumps(events[start : start + size]).encode(), bearer=False)
        for start in range(0, len(events), size)
    ]


# --- CPUs --------------------------------------------------------------------------------------------

SERVER_CPU = 0  # the server under test (bot or floor) runs alone on this CPU when there are two or more


def pin(pid: int, *, server: bool) -> str:
    """Pin a process to the server's CPU, or to the others; returns a description ('' when not pinned).

    The server under test, the load generator and Redis share this machine; pinned, the server has
    one core to itself in every run, so the floor and the bot are compared on the same footing.
    """
    cpus = set(range(os.cpu_count() or 1)) if hasattr(os, "sched_setaffinity") else set()
    if len(cpus) < 2 or SERVER_CPU not in cpus:
        return ""
    os.sched_setaffinity(pid, {SERVER_CPU} if server else cpus - {SERVER_CPU})
    return f"server under test on CPU {SERVER_CPU}, load and Redis on CPUs {sorted(cpus - {SERVER_CPU})}"


def unpin(pid: int) -> None:
    """Let a process run on every CPU again."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(pid, range(os.cpu_count() or 1))


# --- servers -------------------------------------------------------------------------------------


async def _serve_until_told(app: web.Application, conn: Connection) -> None:
    runner = web.AppRunner(app)
    try:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
    except Exception as error:
        conn.send(f"{type(error).__name__}: {error}")  # the parent raises it
        raise
    conn.send(runner.addresses[0][1])
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    await runner.cleanup()


def bot_process(
    overrides: dict[str, Any],
    pipeline: bool,
    log_file: str,
    profile: str | None,
    pinned: bool,
    conn: Connection,
) -> None:
    """Child: serve the bot (create_web_app, with its pipeline jobs or not) until the parent says stop."""
    if pinned:
        pin(0, server=True)
    logging.basicConfig(filename=log_file, level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    app = create_web_app(Settings(**{"metrics_port": None, **overrides}), AppOptions(pipeline=pipeline))
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    run(_serve_until_told(app, conn))
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)


def floor_process(redis_url: str, stream: str, conn: Connection) -> None:
    """Child: a bare aiohttp handler that appends the raw body to a Redis stream and answers 200."""
    pin(0, server=True)

    async def main() -> None:
        redis = Redis.from_url(redis_url)

        async def append(request: web.Request) -> web.Response:
            await redis.xadd(stream, {"e": await request.read()})
            return web.Response(text="ok")

        await _serve_callback(append, conn)
        await redis.aclose()

    run(main())


async def _serve_callback(handler: Callable[[web.Request], Any], conn: Connection) -> None:
    """Serve `handler` on the callback path until the parent says stop."""
    app = web.Application(client_max_size=1024 * 1024 + 1)
    app.router.add_post(CALLBACK_PATH, handler)
    await _serve_until_told(app, conn)


# One script per body appends every element as its own entry (what the product's batch append does).
_APPEND_EACH = "for i = 1, #ARGV do redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end return #ARGV"


def floor_batch_process(redis_url: str, stream: str, conn: Connection) -> None:
    """Child: the one-script floor of batch bodies: parse the JSON array, then one script appends each
    element (written back as compact JSON, as the product stores it) as its own stream entry."""
    pin(0, server=True)

    async def main() -> None:
        redis = Redis.from_url(redis_url)
        append_each = redis.register_script(_APPEND_EACH)

        async def append(request: web.Request) -> web.Response:
            elements = json.loads(await request.read())
            await append_each(keys=[stream], args=[fast_json.dumps(element) for element in elements])
            return web.Response(text="ok")

        await _serve_callback(append, conn)
        await redis.aclose()

    run(main())


def floor_drain_process(options: FloorOptions, pinned: bool, conn: Connection) -> None:
    """Child: the drain's floor (bench.drain_floor) consumes the inbox until the parent says stop.

    It answers port 0 once its consumer group exists, so that Child can start it like a server.
    """
    if pinned:
        pin(0, server=True)

    async def main() -> None:
        stop = asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await drain(options, lambda: conn.send(0), stop)

    run(main())


class Child:
    """A spawned child process serving on a port until told to stop (blocking: call it in a thread)."""

    def __init__(self, target: Callable[..., None], *args: Any) -> None:
        self._conn, child_end = SPAWN.Pipe()
        self.process = SPAWN.Process(target=target, args=(*args, child_end), daemon=True)
        self.process.start()
        child_end.close()  # so that a child dying makes recv() fail instead of waiting forever
        answer = self._conn.recv()
        if not isinstance(answer, int):
            self.process.join(timeout=20)
            raise RuntimeError(f"child process failed to start: {answer}")
        self.port = answer

    def stop(self) -> None:
        """Ask the child to stop; terminate it (by its pid) when it does not in time."""
        if not self.process.is_alive():
            return
        self._conn.send("stop")
        self.process.join(timeout=20)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


# --- closed-loop load ----------------------------------------------------------------------------


async def _closed_loop(
    port: int, requests: list[bytes], concurrency: int, warmup: float, seconds: float
) -> tuple[int, int]:
    loop = asyncio.get_running_loop()
    start = loop.time() + warmup
    end = start + seconds
    counts = {"ok": 0, "failed": 0}
    position = iter(range(10**12))

    async def client() -> None:
        # Raw HTTP/1.1 on a kept-alive connection: the generator must cost far less than the server.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (now := loop.time()) < end:
            writer.write(requests[next(position) % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0]))
            if now >= start:
                counts["ok" if head[9:12] == b"200" else "failed"] += 1
        writer.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return counts["ok"], counts["failed"]


def load_process(
    port: int, requests: list[bytes], concurrency: int, warmup: float, seconds: float, conn: Connection
) -> None:
    """Child: `concurrency` connections POST back to back for `seconds` after `warmup` (not counted)."""
    conn.send(run(_closed_loop(port, requests, concurrency, warmup, seconds)))


async def run_load(
    port: int, requests: list[bytes], *, concurrency: int = 32, warmup: float = 0.5, seconds: float = 4.0
) -> tuple[int, int]:
    """Closed-loop load from its own process; returns (answers 200, other answers) in `seconds`."""
    receiver, sender = SPAWN.Pipe(duplex=False)
    process = SPAWN.Process(target=load_process, args=(port, requests, concurrency, warmup, seconds, sender))
    process.start()
    sender.close()
    ok, failed = await asyncio.to_thread(receiver.recv)
    await asyncio.to_thread(process.join)
    return int(ok), int(failed)

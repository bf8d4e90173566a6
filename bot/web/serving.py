"""`serve`'s process: the port answers from the first moment, saying what the start waits for."""

from __future__ import annotations

import asyncio
import signal
import socket
from dataclasses import dataclass

from aiohttp import web

# A load balancer polls /readyz: while the bot waits for Redis (replicas often start before it) or for
# Slack and the vehicle cloud, a stand-in app answers on the same listening socket, so the port is open
# and /readyz names the stage instead of the connection being refused.
STAND_IN_RETRY_AFTER_SECONDS = 5


@dataclass
class StartStage:
    """What the start is doing now, as /readyz reports it until the bot is ready."""

    doing: str = "starting"


STAGE_KEY = web.AppKey("start_stage", StartStage)


def stand_in_app(stage: StartStage) -> web.Application:
    """An app that answers health (alive), readiness (503, the stage) and anything else 503 Retry-After."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"}, headers={"Connection": "close"})

    async def not_yet(_request: web.Request) -> web.Response:
        # Connection: close, so that no client keeps a connection to the stand-in past the handover.
        return web.json_response(
            {"status": "starting", "waiting_for": stage.doing},
            status=503,
            headers={"Retry-After": str(STAND_IN_RETRY_AFTER_SECONDS), "Connection": "close"},
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_route("*", "/{tail:.*}", not_yet)
    return app


def listen(host: str | None, port: int) -> socket.socket:
    """The listening socket (a port in use fails here, before anything starts); no host: every address."""
    if host is None and socket.has_dualstack_ipv6():
        return socket.create_server(("::", port), family=socket.AF_INET6, dualstack_ipv6=True, backlog=1024)
    return socket.create_server((host or "", port), backlog=1024)


async def serve_until_signalled(app: web.Application, host: str | None, port: int) -> None:
    """Serve `app` on host:port until SIGINT or SIGTERM; a failed start raises after the stand-in stops."""
    sock = listen(host, port)
    stand_in = web.AppRunner(stand_in_app(app[STAGE_KEY]), access_log=None, shutdown_timeout=1)
    await stand_in.setup()
    # The stand-in serves a duplicate descriptor of the same socket: closing it later leaves the socket,
    # and any connection waiting in its backlog, to the app.
    await web.SockSite(stand_in, sock.dup()).start()
    runner = web.AppRunner(app)
    try:
        await runner.setup()
        await web.SockSite(runner, sock).start()
    except BaseException:
        sock.close()
        await runner.cleanup()
        raise
    finally:
        await stand_in.cleanup()
    stop = asyncio.Event()
    stop_on_signals(stop)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def stop_on_signals(stop: asyncio.Event) -> None:
    """Set `stop` on SIGINT or SIGTERM, so that a process stops cleanly and exits 0 on either."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

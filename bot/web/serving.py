"""`serve`'s process: the port answers from the first moment, saying what the start waits for."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.runtime.logs import escape

# A load balancer polls /readyz: while the bot waits for Redis (replicas often start before it) or for
# Slack and the vehicle cloud, a stand-in app answers on the same listening socket, so the port is open
# and /readyz names the stage instead of the connection being refused.
STAND_IN_RETRY_AFTER_SECONDS = 5


@dataclass
class StartStage:
    """What the start is doing now, as /readyz reports it until the bot is ready."""

    doing: str = "starting"


STAGE_KEY = web.AppKey("start_stage", StartStage)


@dataclass(frozen=True)
class HttpLimits:
    """How long a connection may take to send a request head (HTTP_IDLE_TIMEOUT_SECONDS)."""

    idle_seconds: float = 75.0


HTTP_LIMITS_KEY = web.AppKey("http_limits", HttpLimits)


class _ServerLog(logging.Logger):
    """aiohttp's server log, where malformed HTTP (answered 400 by aiohttp) is one INFO line.

    aiohttp logs each request it cannot parse (a control byte in a header, a line over 8 KiB) with
    `logger.exception`: any sender could fill the log with tracebacks. A failure of the bot's own
    handlers is still an ERROR with its traceback.
    """

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        """One line for a client's malformed request, the usual ERROR with traceback otherwise."""
        if isinstance(exc_info, HttpProcessingError) and 400 <= exc_info.code < 500:
            first_line = (str(exc_info.message).strip().splitlines() or [""])[0]
            self.info("malformed HTTP answered %d: %s", exc_info.code, escape(first_line[:200]))
            return
        super().exception(msg, *args, exc_info=exc_info, **kwargs)


SERVER_LOG = _ServerLog("bot.http")
SERVER_LOG.parent = logging.getLogger("bot")


def app_runner(app: web.Application, **options: Any) -> web.AppRunner:
    """The runner of the bot's app (serve, demo, tests): bounded idle connections, quiet malformed HTTP.

    aiohttp closes a connection whose handler waits for a request head longer than `keepalive_timeout`,
    counted from the connection's opening and from each answer: one that sends nothing, or trickles its
    head a byte at a time, is closed after HTTP_IDLE_TIMEOUT_SECONDS. A body that trickles is bounded by
    the routes themselves (HTTP_BODY_TIMEOUT_SECONDS, 408). `handler_cancellation` stays off: a handler
    that started storing a notification or acknowledging Slack finishes even if its client left.
    """
    limits = app.get(HTTP_LIMITS_KEY, HttpLimits())
    return web.AppRunner(app, keepalive_timeout=limits.idle_seconds, logger=SERVER_LOG, **options)


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


class PortInUse(OSError):
    """A port the bot was told to listen on is taken; names the setting that chose it (PORT, METRICS_PORT)."""

    def __init__(self, setting: str, port: int) -> None:
        super().__init__(errno.EADDRINUSE, f"{setting}={port} is in use")
        self.setting = setting
        self.port = port


@contextmanager
def binding(setting: str, port: int) -> Iterator[None]:
    """Inside, a failure to bind because the port is taken raises PortInUse naming `setting`."""
    try:
        yield
    except OSError as error:
        if error.errno != errno.EADDRINUSE or isinstance(error, PortInUse):
            raise
        raise PortInUse(setting, port) from error


def listen(host: str | None, port: int) -> socket.socket:
    """The listening socket on PORT (taken: PortInUse, before anything starts); no host: every address."""
    with binding("PORT", port):
        if host is None and socket.has_dualstack_ipv6():
            return socket.create_server(
                ("::", port), family=socket.AF_INET6, dualstack_ipv6=True, backlog=1024
            )
        return socket.create_server((host or "", port), backlog=1024)


async def serve_until_signalled(app: web.Application, host: str | None, port: int) -> None:
    """Serve `app` on host:port until SIGINT or SIGTERM; a failed start raises after the stand-in stops."""
    sock = listen(host, port)
    stand_in_web = stand_in_app(app[STAGE_KEY])
    stand_in_web[HTTP_LIMITS_KEY] = app.get(HTTP_LIMITS_KEY, HttpLimits())
    stand_in = app_runner(stand_in_web, access_log=None, shutdown_timeout=1)
    await stand_in.setup()
    # The stand-in serves a duplicate descriptor of the same socket: closing it later leaves the socket,
    # and any connection waiting in its backlog, to the app.
    await web.SockSite(stand_in, sock.dup()).start()
    runner = app_runner(app)
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

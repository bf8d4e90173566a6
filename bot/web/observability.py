"""The operator's view of a running bot: /metrics on a port of its own, and the inbox gauges it samples."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.runtime.loops import keep_running
from bot.runtime.metrics import Metrics
from bot.services import Services
from bot.store.inbox import inbox_depth
from bot.web.serving import binding

log = logging.getLogger(__name__)
INBOX_SAMPLE_SECONDS = 15.0


def metrics_app(metrics: Metrics) -> web.Application:
    """An app serving the registry in Prometheus' text format at /metrics."""

    async def scrape(_request: web.Request) -> web.Response:
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    return app


@asynccontextmanager
async def metrics_server(metrics: Metrics, host: str, port: int) -> AsyncIterator[int]:
    """Serve /metrics on host:port while the block runs; yields the bound port (port 0 picks one)."""
    runner = web.AppRunner(metrics_app(metrics), access_log=None, shutdown_timeout=1)
    await runner.setup()
    try:
        with binding("METRICS_PORT", port):
            await web.TCPSite(runner, host, port).start()
        bound = int(runner.addresses[0][1])
        log.info("metrics on http://%s:%d/metrics", host, bound)
        yield bound
    finally:
        await runner.cleanup()


async def sample_inbox_forever(services: Services) -> None:
    """Keep the inbox gauges current: two Redis commands every INBOX_SAMPLE_SECONDS."""

    async def sample() -> None:
        depth = await inbox_depth(services.redis, services.keys)
        services.metrics.inbox_length.set(depth.length)
        services.metrics.inbox_lag.set(depth.lag)
        services.metrics.inbox_pending.set(depth.pending)

    await keep_running("inbox sampling", sample, every=INBOX_SAMPLE_SECONDS)

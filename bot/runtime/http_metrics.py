"""Counting and timing the bot's calls to Slack's Web API and the vehicle cloud, through aiohttp's tracing."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import aiohttp
from yarl import URL

from bot.runtime.metrics import Metrics

# A path segment with a digit and at least 8 characters is an id (VIN, remote action, channel):
# replaced so that a label names the call, never one vehicle.
_ID_SEGMENT = re.compile(r"^(?=.*\d).{8,}$")


def http_tracer(metrics: Metrics, peers: dict[str, str]) -> aiohttp.TraceConfig:
    """An aiohttp tracer counting and timing each call whose URL starts with a key of `peers`.

    `peers` maps a base URL to the peer's label: Slack's Web API, the vendor's API, its token URL.
    """
    tracer = aiohttp.TraceConfig()

    async def started(_session: object, context: SimpleNamespace, _params: object) -> None:
        context.started = time.perf_counter()

    async def ended(
        _session: object, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        _observe(metrics, peers, params.url, str(params.response.status), context.started)

    async def failed(
        _session: object, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        _observe(metrics, peers, params.url, "error", context.started)

    tracer.on_request_start.append(started)
    tracer.on_request_end.append(ended)
    tracer.on_request_exception.append(failed)
    return tracer


def _observe(metrics: Metrics, peers: dict[str, str], url: URL, result: str, started: float) -> None:
    text = str(url.with_query(None))
    for base, peer in peers.items():
        if text.startswith(base):
            rest = text[len(base) :].strip("/")
            call = "/".join("{id}" if _ID_SEGMENT.match(part) else part for part in rest.split("/"))
            metrics.http_calls.labels(peer, call, result).inc()
            metrics.http_call_seconds.labels(peer, call).observe(time.perf_counter() - started)
            return

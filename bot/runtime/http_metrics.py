"""Counting and timing the bot's calls to Slack's Web API and the vehicle cloud, through aiohttp's tracing."""

from __future__ import annotations

import functools
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
    bases = tuple(peers.items())

    async def started(_session: object, context: SimpleNamespace, _params: object) -> None:
        context.started = time.perf_counter()

    async def ended(
        _session: object, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        _observe(metrics, bases, params.url, str(params.response.status), context.started)

    async def failed(
        _session: object, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        _observe(metrics, bases, params.url, "error", context.started)

    tracer.on_request_start.append(started)
    tracer.on_request_end.append(ended)
    tracer.on_request_exception.append(failed)
    return tracer


def _observe(
    metrics: Metrics, peers: tuple[tuple[str, str], ...], url: URL, result: str, started: float
) -> None:
    label = _label(str(url).partition("?")[0], peers)
    if label is not None:
        peer, call = label
        metrics.http_calls.labels(peer, call, result).inc()
        metrics.http_call_seconds.labels(peer, call).observe(time.perf_counter() - started)


@functools.lru_cache(maxsize=4096)  # the pipeline calls the same two Slack URLs over and over
def _label(text: str, peers: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    """The peer and the call (ids replaced) of a URL without its query; None for an unknown peer."""
    for base, peer in peers:
        if text.startswith(base):
            rest = text[len(base) :].strip("/")
            return peer, "/".join("{id}" if _ID_SEGMENT.match(part) else part for part in rest.split("/"))
    return None

"""Reading a request's body at the edge: a sender that stops short or trickles gets a 4xx, not a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.web_protocol import RequestPayloadError


class BodyUnread(Exception):
    """The body never arrived whole: the status to answer (400 or 408) and a short public reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@asynccontextmanager
async def body_deadline(seconds: float) -> AsyncIterator[None]:
    """Read a body inside this block: over `seconds`, 408; the sender closing or cutting it short, 400.

    aiohttp raises ConnectionResetError when the client half-closes before Content-Length bytes came,
    and RequestPayloadError on a broken chunked or compressed body.
    """
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise BodyUnread(408, "body not received in time") from None
    except (ConnectionError, RequestPayloadError):
        raise BodyUnread(400, "body cut short") from None

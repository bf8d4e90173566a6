"""The vendor callback route: authenticate, cap and store each notification in the inbox, then answer."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from redis.exceptions import RedisError

from bot.notifications.context import NotificationContext
from bot.runtime.http_body import BodyUnread, body_deadline
from bot.store.inbox import NotReplicated, Replication, redact
from bot.usecases.ports import PipelineNotice
from bot.vehicle.channels import CALLBACK_TOKEN_ATTRIBUTE
from bot.vehicle.notifications import NotificationError, body_attributes, check_element, split_payload
from bot.web.names import CALLBACK_PATH, SERVICES_KEY

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


def token_valid(candidate: str | None, tokens: tuple[SecretStr, ...]) -> bool:
    """Whether `candidate` equals one of the configured tokens (constant time, every token compared)."""
    if not candidate:
        return False
    given = candidate.encode()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given, token.get_secret_value().encode())
    return matched


def _bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def _count(services: NotificationContext, name: str, amount: int = 1) -> None:
    services.metrics.count_notifications(name, amount)


async def _read_body(request: web.Request) -> bytes | None:
    """The raw body, or None when it is over MAX_BODY_BYTES."""
    if request.content_length is not None:
        return None if request.content_length > MAX_BODY_BYTES else await request.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _elements(body: bytes) -> tuple[Any, list[dict[str, Any]]]:
    """The body's payload and its notification elements (ValueError, RecursionError, NotificationError).

    Nesting is bounded by Python's own recursion limit: what json cannot read or write back is refused
    here (RecursionError), without walking every body to measure its depth.
    """
    payload: Any = json.loads(body)
    return payload, split_payload(payload)


async def _too_large(services: NotificationContext) -> web.Response:
    _count(services, "oversized")
    log.warning("callback: body over %d bytes refused", MAX_BODY_BYTES)
    services.alerts.notify(PipelineNotice.OVERSIZED)
    return web.Response(status=413, text="too large")


def _mentions_a_token(body: bytes, tokens: tuple[SecretStr, ...]) -> bool:
    """Whether a header-less body could carry a valid `cbtoken` at all (a byte search, no parsing)."""
    return any(token.get_secret_value().encode() in body for token in tokens)


def _plain_utf8(body: bytes) -> str | None:
    """The body as text when it is plain UTF-8 JSON (no BOM, not UTF-16), so it can be stored as sent."""
    if body[:1] != b"{" or b"\x00" in body:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


async def _quarantine_raw(services: NotificationContext, body: bytes, reason: str) -> web.Response:
    text = body.decode("utf-8", errors="replace")
    try:
        await services.inbox_writer.append([], [text])
    except RedisError:
        return web.Response(status=500, text="not stored")
    _count(services, "quarantined")
    log.warning("callback: authenticated body quarantined (%s, %d bytes)", reason, len(body))
    services.alerts.notify(PipelineNotice.QUARANTINED, detail=reason)
    return web.Response(status=200, text="quarantined")


def _sort_elements(
    elements: list[dict[str, Any]], header_ok: bool, tokens: tuple[SecretStr, ...], as_sent: str | None
) -> tuple[list[str], list[str], int]:
    """Accepted elements (JSON, secret removed), rejected ones, and how many of those were unreadable."""
    accepted: list[str] = []
    rejected: list[str] = []
    unreadable = 0
    for element in elements:
        body_token = body_attributes(element).get(CALLBACK_TOKEN_ATTRIBUTE)
        if not (header_ok or token_valid(body_token, tokens)):
            rejected.append(redact(element, CALLBACK_TOKEN_ATTRIBUTE))
            continue
        try:
            check_element(element)
        except NotificationError as error:
            unreadable += 1
            log.warning("callback: element quarantined: %s", error)
            rejected.append(redact(element, CALLBACK_TOKEN_ATTRIBUTE))
            continue
        if body_token is None and as_sent is not None:
            accepted.append(as_sent)  # the body is that one element, with no secret to remove
        else:
            accepted.append(redact(element, CALLBACK_TOKEN_ATTRIBUTE))
    return accepted, rejected, unreadable


class _Refusal(Exception):
    """The callback's answer is decided before anything is stored."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


async def _unauthenticated(services: NotificationContext) -> _Refusal:
    _count(services, "unauthenticated")
    return _Refusal(web.Response(status=401, text="unauthorized"))


async def _sorted_body(
    services: NotificationContext, body: bytes, header_ok: bool
) -> tuple[list[str], list[str], int]:
    """Accepted and rejected elements of an authenticated-looking body; raise _Refusal with the answer."""
    tokens = services.settings.callback_tokens
    try:
        payload, elements = _elements(body)
        if not elements and header_ok:
            raise _Refusal(web.Response(status=200, text="nothing to store"))  # nothing to redeliver
        if len(elements) > services.settings.callback_max_elements:
            log.warning("callback: %d elements in one body refused (413)", len(elements))
            raise _Refusal(web.Response(status=413, text="too many elements"))
        as_sent = _plain_utf8(body) if isinstance(payload, dict) and len(elements) == 1 else None
        accepted, rejected, unreadable = _sort_elements(elements, header_ok, tokens, as_sent)
    except (ValueError, RecursionError, NotificationError) as error:
        if not header_ok:
            raise await _unauthenticated(services) from None
        reason = f"not a notification: {error}" if isinstance(error, NotificationError) else "not JSON"
        raise _Refusal(await _quarantine_raw(services, body, reason)) from None
    if not accepted and unreadable == 0:
        raise await _unauthenticated(services)
    return accepted, rejected, unreadable


async def handle_notification(request: web.Request) -> web.Response:
    """The vendor callback: 401 without a valid token, 413 when too big, 500 when not stored, else 200."""
    services = request.app[SERVICES_KEY]
    try:
        async with body_deadline(services.settings.http_body_timeout_seconds):
            body = await _read_body(request)
    except BodyUnread as unread:
        # Nothing was stored, so the vendor sends it again; no traceback for a sender that went away.
        log.info("callback: %s (%d)", unread.reason, unread.status)
        return web.Response(status=unread.status, text=unread.reason)
    if body is None:
        return await _too_large(services)
    tokens = services.settings.callback_tokens
    header_ok = token_valid(_bearer(request.headers.get("Authorization")), tokens)
    try:
        if not (header_ok or _mentions_a_token(body, tokens)):
            raise await _unauthenticated(services)  # before any parsing: junk costs next to nothing
        accepted, rejected, _unreadable = await _sorted_body(services, body, header_ok)
    except _Refusal as refusal:
        return refusal.response
    before = services.inbox_writer.replication
    try:
        await services.inbox_writer.append(accepted, rejected)
    except NotReplicated as error:
        log.error("callback: stored but not replicated (%s): answering 500 so the vendor redelivers", error)
        return web.Response(status=500, text="not stored")
    except RedisError as error:
        log.error(
            "callback: inbox unavailable (%s): answering 500 so the vendor redelivers", type(error).__name__
        )
        return web.Response(status=500, text="not stored")
    # Only stored notifications count (junk must not slow the worker down), each element of a batch.
    services.ingest.arrived(len(accepted) + len(rejected))
    _note_replication(services, before, len(accepted) + len(rejected))
    _count(services, "accepted", len(accepted))
    if rejected:
        _count(services, "quarantined", len(rejected))
        log.warning("callback: %d of %d elements quarantined", len(rejected), len(accepted) + len(rejected))
        services.alerts.notify(PipelineNotice.QUARANTINED, count=len(rejected))
    return web.Response(status=200, text="ok")


def _note_replication(services: NotificationContext, before: Replication | None, stored: int) -> None:
    """Count what was stored with fewer replicas than asked; alert once when the primary goes short."""
    now = services.inbox_writer.replication
    if now is None or not now.short:
        return
    _count(services, "unreplicated", stored)
    if before is None or not before.short:
        services.alerts.notify(PipelineNotice.REPLICAS_SHORT, detail=f"{now.online} of {now.wanted}")


def add_callback_route(app: web.Application) -> None:
    """Register the vendor callback route on the bot's web app."""
    app.router.add_post(CALLBACK_PATH, handle_notification)

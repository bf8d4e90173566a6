"""Alerts to ALERT_CHANNEL about requests and about the notification pipeline itself."""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from bot.catalogue.table import row_of
from bot.slack.blocks import plain
from bot.slack.parts import SlackParts
from bot.slack.words import explain_failure
from bot.store.audit import AuditLog
from bot.store.records import RequestRecord, RequestStatus
from bot.usecases.ports import PipelineNotice

log = logging.getLogger(__name__)

_background: set[asyncio.Task[None]] = set()


async def alert_request(services: SlackParts, record: RequestRecord, headline: str) -> None:
    """An alert naming vehicle, action, cause, requester and the request message."""
    link = await services.messenger.permalink(record)
    cause = ""
    if record.status is RequestStatus.FAILED:
        words = explain_failure(record.failure_cause)
        cause = f" Cause: {record.failure_cause or 'none given'}: {words.text} {words.advice}".rstrip()
    text = (
        f"{headline}: *{row_of(record.action).title}* on *{record.vehicle_name}* "
        f"(request `{record.id}`, requested by <@{record.requester}>).{cause}"
    )
    if link:
        text += f" <{link}|Request message>"
    await services.messenger.alert(plain(text))


async def alert_once(services: SlackParts, record: RequestRecord, effect: str, headline: str) -> None:
    """Alert about a request at most once per `effect` (redeliveries do not alert again)."""
    key = services.keys.effect_done(record.id, effect)
    if await services.redis.set(key, "1", nx=True, px=int(services.settings.mapping_ttl_seconds * 1000)):
        await alert_request(services, record, headline)


async def _throttled(services: SlackParts, kind: str, text: str, window_ms: int) -> None:
    try:
        if not await services.redis.set(services.keys.lock(f"alert:{kind}"), "1", nx=True, px=window_ms):
            return
    except RedisError:
        pass  # Redis is down: alert anyway, an operator needs to know
    await services.messenger.alert(plain(text))


AUDIT_LAG_ALERT_EVERY_MS = 3_600_000


async def alert_audit_lag(services: SlackParts, audit: AuditLog) -> int:
    """Alert (at most hourly) while the audit stream keeps entries beyond its retention for export."""
    lag = await audit.export_lag()
    if lag:
        text = (
            f":warning: The audit trail holds {lag} entries beyond AUDIT_RETENTION_ENTRIES "
            f"({audit.retention}) that were never exported: they are kept, and Redis grows, until "
            "`remote-bot audit export` runs."
        )
        await _throttled(services, "audit-lag", text, AUDIT_LAG_ALERT_EVERY_MS)
    return lag


def alert_in_background(services: SlackParts, kind: str, text: str, window_ms: int = 60_000) -> None:
    """Alert without delaying the caller, at most once per `window_ms` per kind (no alert floods)."""
    task = asyncio.create_task(_throttled(services, kind, text, window_ms))
    _background.add(task)
    task.add_done_callback(_log_and_forget)


class SlackOperatorAlerts:
    """The pipeline's OperatorAlerts, worded for ALERT_CHANNEL."""

    def __init__(self, parts: SlackParts) -> None:
        self._parts = parts

    def notify(self, notice: PipelineNotice, *, count: int = 1, detail: str = "", entry_id: str = "") -> None:
        """Alert in the background, throttled per kind (a dead letter: per entry; a vendor refusal that
        breaks every request: once an hour per cause, shared by every replica)."""
        kind, text = notice.value, _notice_words(notice, count=count, detail=detail, entry_id=entry_id)
        window_ms = VENDOR_REFUSAL_ALERT_EVERY_MS if notice in VENDOR_REFUSALS else 60_000
        alert_in_background(self._parts, f"{kind}:{entry_id}" if entry_id else kind, text, window_ms)


VENDOR_REFUSAL_ALERT_EVERY_MS = 3_600_000
VENDOR_REFUSALS = frozenset(
    {PipelineNotice.VENDOR_CREDENTIALS, PipelineNotice.VENDOR_CONTRACT, PipelineNotice.VENDOR_RATE_LIMITED}
)


def _notice_words(notice: PipelineNotice, *, count: int, detail: str, entry_id: str) -> str:
    if notice is PipelineNotice.OVERSIZED:
        return ":warning: A vendor notification over 1 MiB was refused (413)."
    if notice is PipelineNotice.REPLICAS_SHORT:
        return (
            f":warning: The Redis primary has {detail} replica(s) online: vendor notifications are "
            "acknowledged once the primary (and any replica online) holds them, so a failure of the primary "
            "now could lose the latest ones. Rebuild a replica."
        )
    if notice is PipelineNotice.VENDOR_CREDENTIALS:
        return (
            ":rotating_light: The vehicle cloud refused the bot's credentials (401): every remote action "
            "fails until they are fixed. Check STELLANTIS_CLIENT_ID and STELLANTIS_CLIENT_SECRET, the client "
            "certificate (STELLANTIS_CERT_FILE, STELLANTIS_KEY_FILE: not expired, the one registered) and "
            "the token endpoint (STELLANTIS_TOKEN_URL, STELLANTIS_SCOPE)."
        )
    if notice is PipelineNotice.VENDOR_CONTRACT:
        return (
            f":rotating_light: The vehicle cloud refused `{detail}` (403): the account's contract does not "
            "allow it. Check the contract's services and the vehicles enrolled in it with the fleet admin, "
            "and the channel's remote types (STELLANTIS_CHANNEL_ID)."
        )
    if notice is PipelineNotice.VENDOR_RATE_LIMITED:
        return (
            f":warning: The vehicle cloud rate limits the bot for {detail} s (429): remote actions are "
            "refused until then. Check what else uses the account's subscription (another bot, a script, "
            "a batch) and its daily quota."
        )
    if notice is PipelineNotice.DEAD_LETTERED:
        return (
            f":rotating_light: A vendor notification failed {count} times and went to the dead-letter "
            f"stream (entry `{entry_id}`, {detail}). See `remote-bot dlq list`."
        )
    if detail:
        return f":warning: A vendor notification was quarantined: {detail}."
    return (
        f":warning: {count} vendor notification element(s) quarantined "
        "(no valid token or not a remote notification)."
    )


def _log_and_forget(task: asyncio.Task[None]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("alert failed: %s", type(task.exception()).__name__)

"""Operator commands: `remote-bot dlq list|replay`, `remote-bot parked list` and `remote-bot audit export`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, TextIO, cast

from redis.asyncio import Redis

from bot.cli.audit_export import ExportFilter, ExportResult, export
from bot.config import ConfigError, Settings
from bot.store.audit import AuditLog
from bot.store.connect import connect
from bot.store.inbox import ELEMENT_FIELD, entry_fields
from bot.store.keys import Keys
from bot.usecases.fleet import Fleet, VehicleNotFound
from bot.usecases.lookup import resolve_among
from bot.vehicle.notifications import NotificationError, read_element


@asynccontextmanager
async def _connect(settings: Settings) -> AsyncIterator[tuple[Redis, Keys]]:
    if not settings.redis_url:
        raise ConfigError("REDIS_URL: not set")
    redis = connect(settings)
    try:
        yield redis, Keys(settings.redis_key_prefix)
    finally:
        await redis.aclose()


def _describe(element: str) -> str:
    try:
        event = read_element(element)
    except NotificationError as error:
        return f"unreadable element ({error})"
    return f"remote {event.remote_action_id} {event.event_type}/{event.status}"


async def dlq_list(settings: Settings) -> list[str]:
    """One line per dead letter: entry id, deliveries, error and what the notification was."""
    async with _connect(settings) as (redis, keys):
        entries: list[Any] = cast(list[Any], await redis.xrange(keys.dead_letters()) or [])
    return [
        f"{entry_id} deliveries={fields.get('deliveries')} error={fields.get('error')} "
        f"{_describe(fields.get(ELEMENT_FIELD, ''))}"
        for entry_id, fields in entries
    ]


async def dlq_replay(settings: Settings, entry_id: str | None = None) -> int:
    """Put dead letters (all, or one by id) back into the inbox; returns how many were moved."""
    async with _connect(settings) as (redis, keys):
        entries: list[Any]
        if entry_id is None:
            entries = cast(list[Any], await redis.xrange(keys.dead_letters()) or [])
        else:
            entries = cast(
                list[Any], await redis.xrange(keys.dead_letters(), min=entry_id, max=entry_id) or []
            )
        for found_id, fields in entries:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.xadd(keys.inbox(), dict(entry_fields(fields.get(ELEMENT_FIELD, ""))))
                pipe.xdel(keys.dead_letters(), found_id)
                await pipe.execute()
        return len(entries)


async def parked_list(settings: Settings) -> list[str]:
    """One line per parked remoteActionId: how many events wait and for how long."""
    async with _connect(settings) as (redis, keys):
        parked: list[Any] = await redis.zrange(keys.parked_index(), 0, -1, withscores=True)
        lines = []
        for remote_action_id, since in parked:
            count = await redis.llen(keys.parked(remote_action_id))
            lines.append(f"{remote_action_id} events={count} waiting={time.time() - float(since):.0f}s")
        return lines


async def audit_export(settings: Settings, wanted: ExportFilter, out: TextIO) -> ExportResult:
    """Export the audit trail as JSON lines to `out` (see bot.cli.audit_export).

    `--vehicle` is resolved as everywhere else (alias, VIN, VIN suffix: bot.usecases.lookup), a suffix
    being matched, without a fleet file, among the VINs the audit trail names. A word that names no
    vehicle, or several, is a ConfigError (one line, exit 2) before anything is written.
    """
    async with _connect(settings) as (redis, keys):
        audit = AuditLog(redis, keys, settings.audit_retention_entries, settings.audit_vehicle_entries)
        vehicle = None
        if wanted.vehicle is not None:
            try:
                vehicle = await resolve_among(Fleet.load(settings.fleet_file), wanted.vehicle, audit.vins)
            except VehicleNotFound as error:
                raise ConfigError(f"--vehicle: {error}") from None
            wanted = replace(wanted, vehicle=vehicle.vin)
        result = await export(audit, wanted, out)
        return replace(result, vehicle=None if vehicle is None else vehicle.name)

"""`remote-bot callback show|pause|resume`: the vendor's notification set-up the bot ensures at start."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import aiohttp

from bot.clouds import connected_car_client, fleet_owner_client
from bot.config import Settings
from bot.vehicle.fleet_owner import discover_fleet

SECRET_KEYS = ("authorization", "cbtoken")


def _attributes(attributes: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per attribute, the secrets masked."""
    return [
        f"attribute {a['type']} {a['key']}: {'********' if a['key'].lower() in SECRET_KEYS else a['value']}"
        for a in attributes
    ]


def _status(action: str) -> Literal["Running", "Paused"]:
    return "Paused" if action == "pause" else "Running"


async def callback_command(settings: Settings, action: str) -> list[str]:
    """Show, pause or resume the callback (fleet-v3) or channel (connected-car-v1) labelled as configured."""
    async with aiohttp.ClientSession() as session:
        if settings.stellantis_api == "fleet-v3":
            return await _fleet_callback(settings, session, action)
        return await _v1_channel(settings, session, action)


async def _fleet_callback(settings: Settings, session: aiohttp.ClientSession, action: str) -> list[str]:
    label = settings.stellantis_channel_label
    client = fleet_owner_client(settings, session)
    fleet_id = await discover_fleet(client, settings.stellantis_fleet_id)
    found = next((c for c in await client.list_callbacks(fleet_id) if c.label == label), None)
    if found is None:
        return [f"no remote callback labelled {label!r} in fleet {fleet_id}: `remote-bot serve` creates it"]
    if action != "show":
        await client.set_callback_status(fleet_id, found.id, _status(action))
        found = await client.get_callback(fleet_id, found.id)
    wire = found.subscribe.to_wire() if found.subscribe is not None else {}
    webhook = wire.get("callback", {}).get("webhook", {})
    return [
        f"remote callback {found.id} of fleet {fleet_id}: {found.status}",
        f"label: {label}",
        f"target: {webhook.get('target', '')}",
        f"retry policy: {wire.get('retryPolicy', 'the vendor default')}",
        f"batch sending: {wire.get('batchNotify', 'off (one event per POST)')}",
        f"remote types: {', '.join(wire.get('remoteTypes', ()))}",
        *_attributes(webhook.get("attributes", ())),
    ]


async def _v1_channel(settings: Settings, session: aiohttp.ClientSession, action: str) -> list[str]:
    label = settings.stellantis_channel_label
    client = connected_car_client(settings, session)
    channel = next((c for c in await client.list_channels() if c.label == label), None)
    if channel is None:
        return [f"no notification channel labelled {label!r}: `remote-bot serve` creates it"]
    if action != "show":
        await client.set_channel_status(channel.id, _status(action))
        channel = await client.get_channel(channel.id)
    webhook = channel.webhook
    return [
        f"notification channel {channel.id}: {channel.status}",
        f"label: {label}",
        f"target: {webhook.target if webhook else ''}",
        "retry policy and batch sending: fixed by the Connected Car v1 API",
        *_attributes(a.model_dump() for a in (webhook.attributes if webhook else ())),
    ]

"""The bot's one Fleet Owner v3 remote callback: created, reused or replaced so it says what the bot wants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.vehicle.channels import CALLBACK_TOKEN_ATTRIBUTE
from bot.vehicle.fleet_client import FleetOwnerClient
from bot.vehicle.fleet_wire import (
    BatchNotify,
    CallbackAttribute,
    CallbackTarget,
    CallbackWebhook,
    RemoteCallback,
    RemoteCallbackSubscribe,
    RetryPolicy,
)


@dataclass(frozen=True)
class CallbackWanted:
    """Everything the bot asks of its callback: where, how it authenticates, retries, batches, which types."""

    label: str
    webhook_url: str
    token: str
    retry: RetryPolicy
    batch: BatchNotify | None
    remote_types: tuple[str, ...]

    def __repr__(self) -> str:
        return f"CallbackWanted(label={self.label!r}, webhook_url={self.webhook_url!r}, token=***)"

    def subscribe(self) -> RemoteCallbackSubscribe:
        """The callback body: the bearer token as a header, and as a Body attribute batches keep."""
        attributes = (
            CallbackAttribute(type="Header", key="Authorization", value=f"Bearer {self.token}"),
            CallbackAttribute(type="Body", key=CALLBACK_TOKEN_ATTRIBUTE, value=self.token),
        )
        return RemoteCallbackSubscribe(
            label=self.label,
            retry_policy=self.retry,
            batch_notify=self.batch,
            callback=CallbackTarget(
                webhook=CallbackWebhook(target=self.webhook_url, name=self.label, attributes=attributes)
            ),
            remote_types=tuple(sorted(self.remote_types)),
        )


def _comparable(subscribe: RemoteCallbackSubscribe | None) -> Any:
    """A callback's settings with order-free lists as sets, so only a real difference counts."""
    if subscribe is None:
        return None
    wire = subscribe.to_wire()
    webhook = wire.get("callback", {}).get("webhook", {})
    attributes = frozenset((a["type"], a["key"].lower(), a["value"]) for a in webhook.get("attributes", ()))
    return (
        wire.get("retryPolicy"),
        wire.get("batchNotify"),
        webhook.get("target"),
        attributes,
        frozenset(wire.get("remoteTypes", ())),
    )


def differs(callback: RemoteCallback, wanted: CallbackWanted) -> bool:
    """Whether the callback's settings differ from what the bot wants (then it is replaced)."""
    return bool(_comparable(callback.subscribe) != _comparable(wanted.subscribe()))


async def ensure_callback(client: FleetOwnerClient, fleet_id: str, wanted: CallbackWanted) -> str:
    """The id of the Running remote callback labelled `wanted.label`, created or replaced as needed."""
    callbacks = await client.list_callbacks(fleet_id)
    existing = next((callback for callback in callbacks if callback.label == wanted.label), None)
    if existing is None:
        ref = await client.create_callback(fleet_id, wanted.subscribe())
        callback_id, status = ref.callback_id, ref.status
    else:
        callback_id, status = existing.id, existing.status
        if differs(existing, wanted):
            status = (await client.replace_callback(fleet_id, callback_id, wanted.subscribe())).status
    if status != "Running":
        await client.set_callback_status(fleet_id, callback_id, "Running")
    return callback_id

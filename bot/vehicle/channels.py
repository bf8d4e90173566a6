"""The bot's one notification channel: created, reused or updated so it points at our webhook."""

from __future__ import annotations

from bot.vehicle.client import StellantisClient
from bot.vehicle.errors import MAX_CHANNELS, ChannelLimitError
from bot.vehicle.wire import Channel, ChannelSpec, ChannelSubscribe, Webhook, WebhookAttribute

CALLBACK_TOKEN_ATTRIBUTE = "cbtoken"
VIN_HEADER = "x-vehicle-vin"


def callback_body_attributes(token: str) -> dict[str, str]:
    """The Body attributes every remote POST carries, echoed in each notification (batches included)."""
    return {CALLBACK_TOKEN_ATTRIBUTE: token}


def channel_subscribe(*, label: str, target_url: str, token: str) -> ChannelSubscribe:
    """The channel settings the bot wants: its webhook, a bearer token header and the VIN header."""
    return ChannelSubscribe(
        label=label,
        type=("Remote",),
        channel=ChannelSpec(
            webhook=Webhook(
                target=target_url,
                name=label,
                attributes=(
                    WebhookAttribute(type="Header", key="Authorization", value=f"Bearer {token}"),
                    WebhookAttribute(type="Header", key=VIN_HEADER, value="$Vin"),
                ),
            )
        ),
    )


def _matches(channel: Channel, wanted: ChannelSubscribe) -> bool:
    webhook, target = channel.webhook, wanted.channel.webhook
    if webhook is None or target is None:
        return False
    have = {(a.type, a.key.lower(), a.value) for a in webhook.attributes}
    want = {(a.type, a.key.lower(), a.value) for a in target.attributes}
    return webhook.target == target.target and have == want


async def ensure_channel(client: StellantisClient, *, label: str, target_url: str, token: str) -> str:
    """The id of the Running Remote channel labelled `label` that posts to `target_url` with `token`."""
    wanted = channel_subscribe(label=label, target_url=target_url, token=token)
    channels = await client.list_channels()
    existing = next((channel for channel in channels if channel.label == label), None)
    if existing is None:
        if len(channels) >= MAX_CHANNELS:
            labels = ", ".join(repr(channel.label or channel.id) for channel in channels)
            raise ChannelLimitError(
                f"The Stellantis account already has {len(channels)} notification channels, the maximum, "
                f"and none is labelled {label!r} ({labels}). Delete a channel that is no longer used, "
                "or configure the bot to use one of these labels."
            )
        ref = await client.create_channel(wanted)
        channel_id, status = ref.channel_id, ref.status
    else:
        channel_id, status = existing.id, existing.status
        if not _matches(existing, wanted):
            status = (await client.update_channel(channel_id, wanted)).status
    if status != "Running":
        await client.set_channel_status(channel_id, "Running")
    return channel_id

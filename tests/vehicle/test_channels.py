"""ensure_channel keeps exactly one Running webhook channel for the bot, against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.simulator.server import RunningSimulator
from bot.vehicle.channels import callback_body_attributes, channel_subscribe, ensure_channel
from bot.vehicle.client import StellantisClient
from bot.vehicle.errors import ChannelLimitError
from tests.simulator_support import make_client, running_simulator

LABEL = "slack-remote-bot"
TARGET = "https://bot.example.com/stellantis/notifications"
TOKEN = "webhook-token-aaa"


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    """A simulator over the demo fleet."""
    async with running_simulator() as running:
        yield running


@pytest.fixture
async def client(sim: RunningSimulator) -> AsyncIterator[StellantisClient]:
    """A client configured for the simulator."""
    async with aiohttp.ClientSession() as session:
        yield make_client(session, sim)


def _writes(sim: RunningSimulator) -> list[tuple[str, str]]:
    return [entry for entry in sim.simulator.request_log if entry[0] in ("POST", "PUT", "DELETE")]


async def test_creates_the_channel_with_auth_and_vin_headers(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """On an empty account a Running Remote channel is created with the bearer token and the VIN header."""
    channel_id = await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN)
    channel = await client.get_channel(channel_id)
    assert channel.status == "Running"
    assert channel.label == LABEL
    assert channel.webhook is not None
    assert channel.webhook.target == TARGET
    attributes = {(a.type, a.key, a.value) for a in channel.webhook.attributes}
    assert attributes == {
        ("Header", "Authorization", f"Bearer {TOKEN}"),
        ("Header", "x-vehicle-vin", "$Vin"),
    }
    assert channel.subscribe is not None
    assert channel.subscribe.type == ("Remote",)
    assert TOKEN not in repr(channel)


async def test_reuses_an_identical_channel_without_writing(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """A second call with the same settings returns the same id and changes nothing."""
    first = await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN)
    writes_before = len(_writes(sim))
    second = await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN)
    assert second == first
    assert len(_writes(sim)) == writes_before
    assert len(await client.list_channels()) == 1


@pytest.mark.parametrize(
    ("target", "token"),
    [("https://new.example.com/stellantis/notifications", TOKEN), (TARGET, "rotated-token-bbb")],
)
async def test_updates_the_channel_when_target_or_token_changes(
    sim: RunningSimulator, client: StellantisClient, target: str, token: str
) -> None:
    """A changed webhook URL or token is PUT onto the existing channel instead of creating another."""
    first = await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN)
    second = await ensure_channel(client, label=LABEL, target_url=target, token=token)
    assert second == first
    assert ("PUT", f"/connectedcar/v1/accounts/channels/{first}") in sim.simulator.request_log
    channel = await client.get_channel(first)
    assert channel.webhook is not None
    assert channel.webhook.target == target
    assert ("Header", "Authorization", f"Bearer {token}") in {
        (a.type, a.key, a.value) for a in channel.webhook.attributes
    }
    assert len(await client.list_channels()) == 1


async def test_a_paused_channel_is_set_running(sim: RunningSimulator, client: StellantisClient) -> None:
    """An existing channel found Paused is switched back to Running."""
    channel_id = await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN)
    await client.set_channel_status(channel_id, "Paused")
    assert await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN) == channel_id
    assert (await client.get_channel(channel_id)).status == "Running"


async def test_a_full_account_is_refused_with_a_clear_message(
    sim: RunningSimulator, client: StellantisClient
) -> None:
    """With five other channels, ensure_channel raises ChannelLimitError naming the limit and the labels."""
    for index in range(5):
        await client.create_channel(channel_subscribe(label=f"other-{index}", target_url=TARGET, token="x"))
    with pytest.raises(ChannelLimitError) as caught:
        await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN)
    message = str(caught.value)
    assert "5 notification channels" in message
    assert LABEL in message
    assert "other-0" in message
    assert TOKEN not in message
    with pytest.raises(ChannelLimitError):  # the vendor's own 400 maps to the same error
        await client.create_channel(channel_subscribe(label=LABEL, target_url=TARGET, token=TOKEN))


async def test_an_existing_channel_is_reused_on_a_full_account(client: StellantisClient) -> None:
    """When the bot's channel is one of the five, the account being full does not matter."""
    for index in range(4):
        await client.create_channel(channel_subscribe(label=f"other-{index}", target_url=TARGET, token="x"))
    channel_id = await ensure_channel(client, label=LABEL, target_url=TARGET, token=TOKEN)
    assert await ensure_channel(client, label=LABEL, target_url=TARGET, token="new-token") == channel_id


def test_callback_body_attributes_carry_the_token() -> None:
    """Every remote carries the webhook token as the `cbtoken` Body attribute."""
    assert callback_body_attributes("abc") == {"cbtoken": "abc"}

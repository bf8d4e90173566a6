"""`remote-bot callback show|pause|resume` against the simulator: the status endpoint, secrets masked."""

from __future__ import annotations

import aiohttp

from bot.cli.callback import callback_command
from bot.config import Settings
from bot.vehicle.channels import ensure_channel
from tests.simulator_support import CLIENT_ID, CLIENT_SECRET, make_client, running_simulator

LABEL = "slack-remote-bot"
TOKEN = "cb-token-for-the-cli-test"


async def test_pause_and_resume_use_the_status_endpoint_and_show_masks_the_token() -> None:
    """Pause makes the bot's channel Paused, resume Running again; no line shows the callback token."""
    async with running_simulator() as sim, aiohttp.ClientSession() as session:
        channel_id = await ensure_channel(
            make_client(session, sim), label=LABEL, target_url="https://bot.example.com/hook", token=TOKEN
        )
        settings = Settings(
            stellantis_api_url=sim.api_url,
            stellantis_token_url=sim.token_url,
            stellantis_client_id=CLIENT_ID,
            stellantis_client_secret=CLIENT_SECRET,
            stellantis_scope="remote channel",
            stellantis_channel_label=LABEL,
        )
        paused = await callback_command(settings, "pause")
        assert paused[0] == f"notification channel {channel_id}: Paused"
        assert sim.simulator.channels[channel_id].status == "Paused"
        resumed = await callback_command(settings, "resume")
        assert resumed[0] == f"notification channel {channel_id}: Running"
        shown = await callback_command(settings, "show")
        assert "target: https://bot.example.com/hook" in shown
        assert all(TOKEN not in line for line in paused + resumed + shown)

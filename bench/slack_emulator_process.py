"""Serve the Slack Web API emulator alone (for benchmarks): `python -m bench.slack_emulator_process PORT`."""

from __future__ import annotations

import asyncio
import sys

from bot.slack_emulator import SlackState, start_slack_emulator

CHANNEL = "C0FLEETOPS"
USER = "U0SECURITY"


async def serve(port: int) -> None:
    """Seed a channel and a user, then serve until killed."""
    state = SlackState()
    state.add_channel(CHANNEL, "fleet-ops")
    state.add_user(USER, "bench-security")
    state.add_usergroup("S0NIGHTSHIFT", "night-shift", [])
    running = await start_slack_emulator(state, port=port)
    try:
        await asyncio.Event().wait()
    finally:
        await running.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))

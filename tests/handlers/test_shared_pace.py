"""A one-vehicle command shares the vendor send pace with every batch and every replica."""

from __future__ import annotations

import time

from tests.app_support import BotUnderTest, wait_until


async def test_a_429_to_a_typed_command_pauses_every_send(bot: BotUnderTest) -> None:
    """The vehicle cloud rate limits a typed lock for 30 s: the command is refused, and the shared pace
    holds every send (batches, other replicas) for that long."""
    bot.simulator.fail_next("remote", 429, headers={"Retry-After": "30"}, method="POST")
    await bot.command("lock van-12")
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: "rate limiting us (429)" in str(message.blocks))
    assert await bot.services.send_pace.pause_left() > 20


async def test_a_typed_command_waits_for_a_pause_of_the_shared_pace(bot: BotUnderTest) -> None:
    """While the shared pace is paused (another replica's 429), a typed command is sent once it ends."""
    until = time.time() + 1.0
    await bot.services.send_pace.pause_until(until)
    await bot.command("lock van-12")

    async def sent() -> bool:
        return len(bot.simulator.remote_posts) == 1

    await wait_until(sent, timeout=10)
    request = (await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012"))[0]
    sending = next(step for step in request.timeline if step.step == "sending")
    assert sending.at >= until

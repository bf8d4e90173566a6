"""Typed remote commands through the served app: what the operator sees in Slack."""

from __future__ import annotations

from tests.app_support import CHANNEL, OPERATOR, STRANGER, BotUnderTest


async def test_lock_posts_one_request_message_with_the_vendor_answer(bot: BotUnderTest) -> None:
    """`/vehicle lock van-12` acknowledges at once and posts one message that shows the request accepted."""
    response = await bot.command("lock van-12")
    assert response.status == 200
    message = await bot.wait_for_request_message()
    assert "van-12" in message.text and "Lock" in message.text
    await bot.slack.wait_for(lambda: message.edits and "Accepted" in str(message.edits[-1].blocks))
    assert len(bot.simulator.remote_posts) == 1
    assert "SIMULATOR" in message.text


async def test_denied_user_is_told_which_permission_and_their_id(bot: BotUnderTest) -> None:
    """A user without a grant gets a private denial naming the action and their user id; nothing is sent."""
    await bot.command("lock van-12", user=STRANGER)
    answer = await bot.last_private_answer(STRANGER)
    assert "`lock`" in answer and STRANGER in answer
    assert bot.simulator.remote_posts == []
    assert bot.slack.messages(CHANNEL) == []


async def test_parse_error_answers_with_the_usage_line(bot: BotUnderTest) -> None:
    """A typo gets an ephemeral answer saying what was wrong and how to write it."""
    response = await bot.command("charge van-12 sometime")
    body = await response.json()
    assert "unknown charge option `sometime`" in body["text"]
    assert "charge <vehicle> start|stop" in body["text"]
    assert body["response_type"] == "ephemeral"


async def test_operator_outside_their_vehicle_group_is_denied(bot: BotUnderTest) -> None:
    """The sample policy limits operators to the paris group: a lyon vehicle is refused."""
    await bot.command("horn car-33", user=OPERATOR)
    answer = await bot.last_private_answer()
    assert "not allowed" in answer and "car-33" in answer

"""Typed remote commands through the served app: what the operator sees in Slack."""

from __future__ import annotations

import pytest

from tests.app_support import CALLBACK_TOKEN, CHANNEL, OPERATOR, SECURITY, STRANGER, BotUnderTest


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


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("unlock van-12", {"locking": {"state": "Unlocked"}}),
        ("precondition van-12 at 07:30 mon,tue 21C slot 2", "preconditioning"),
        ("wakeup van-12", {"wakeup": {"action": "Wakeup"}}),
        ("state van-12", {"wakeup": {"action": "Wakeup"}}),
        ("locate van-12", {"vehicleFinder": {"action": "GetPresentLocation"}}),
        ("navigate van-12 48.8584,2.2945", "navigation"),
        ("charge van-12 rate low", {"charging": {"charge": {"settings": {"chargePreferenceRate": "Low"}}}}),
        ("tan van-12 deny", {"tan": {"confirm": {"state": False}}}),
    ],
)
async def test_each_remote_subcommand_reaches_the_vehicle_cloud(
    bot: BotUnderTest, text: str, action: dict[str, object] | str
) -> None:
    """Each remote subcommand typed by an allowed user posts one request message and sends its action."""
    await bot.command(text, user=SECURITY)
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits)  # the first edit follows the vendor's answer
    (post,) = bot.simulator.remote_posts
    if isinstance(action, str):
        assert list(post.body["action"]) == [action]
    else:
        assert post.body["action"] == action
    assert {"type": "Body", "key": "cbtoken", "value": CALLBACK_TOKEN} in post.body["attributes"]

"""Typed remote commands through the served app: what the operator sees in Slack."""

from __future__ import annotations

import pytest

from bot.catalogue.command import parse
from bot.vehicle.features.vehicle_finder import VehicleFinder
from tests.app_support import CALLBACK_TOKEN, CHANNEL, OPERATOR, SECURITY, STRANGER, V1, BotUnderTest


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
    "text",
    [
        "unlock van-12",
        "precondition van-12 at 07:30 mon,tue slot 2",
        "wakeup van-12",
        "state van-12",
        "navigate van-12 48.8584,2.2945",
        "charge van-12 rate low",
        "tan van-12 deny",
    ],
)
async def test_each_remote_subcommand_reaches_the_vehicle_cloud(bot: BotUnderTest, text: str) -> None:
    """Each remote subcommand its API offers posts one request message and sends exactly what was typed;
    one the API lacks is answered so, and nothing is sent."""
    command = parse(text)
    await bot.command(text, user=SECURITY)
    if not bot.offers(command.row):
        assert "not offered by this fleet's vehicle API" in await bot.last_private_answer(SECURITY)
        assert bot.simulator.remote_posts == [] and bot.slack.messages(CHANNEL) == []
        return
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits)  # the first edit follows the vendor's answer
    assert bot.sent_features() == [command.plan().feature]
    if bot.api == V1:  # v1 carries the callback token on each remote; v3 on its callback
        (post,) = bot.simulator.remote_posts
        assert {"type": "Body", "key": "cbtoken", "value": CALLBACK_TOKEN} in post.body["attributes"]


async def test_locate_shows_a_fresh_fix_or_the_last_known_position_with_its_age(bot: BotUnderTest) -> None:
    """Where the API has no fresh fix (v3), locate answers the last known position and its age."""
    await bot.command("locate van-12", user=SECURITY)
    if bot.services.vehicles.offers(VehicleFinder):
        message = await bot.wait_for_request_message()
        await bot.slack.wait_for(lambda: message.edits)
        assert bot.sent_features() == [VehicleFinder()]
        return
    answer = await bot.last_private_answer(SECURITY)
    assert "Position:" in answer and ", reported " in answer and " UTC)" in answer
    assert bot.simulator.remote_posts == []


async def test_a_form_the_api_has_no_words_for_is_refused_with_the_reason(bot: BotUnderTest) -> None:
    """A preconditioning program with a temperature is sent under v1; v3 has no such field: it says so."""
    text = "precondition van-12 at 07:30 mon,tue 21C slot 2"
    await bot.command(text, user=SECURITY)
    if bot.api == V1:
        await bot.wait_for_remote_posts(1)
        assert bot.sent_features() == [parse(text).plan().feature]
        return
    answer = await bot.last_private_answer(SECURITY)
    assert "no temperature per preconditioning program" in answer and "Usage:" in answer
    assert bot.simulator.remote_posts == [] and bot.slack.messages(CHANNEL) == []

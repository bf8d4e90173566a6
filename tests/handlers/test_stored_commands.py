"""What the bot stores and puts on buttons is read back as data, never parsed again from text."""

from __future__ import annotations

import json

from bot.catalogue.action import Action
from bot.store.records import RequestRecord
from bot.vehicle.features.lights import Lights
from tests.app_support import CHANNEL, OPERATOR, SECURITY, SECURITY2, BotUnderTest


async def test_retry_runs_the_stored_command_as_the_clicker(bot: BotUnderTest) -> None:
    """Retry sends the same action again from the record's stored command (not from its text)."""
    await bot.stale_capability("truck-40", "lights", user=SECURITY)
    await bot.command("lights truck-40 on", user=SECURITY)  # refused (501): the message offers Retry
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits and "Retry" in str(message.edits[-1].blocks))
    (record,) = await bot.services.requests.recent_for_vehicle(bot.services.fleet.resolve("truck-40").vin)
    assert record.command is not None and record.command.action is Action.LIGHTS

    def scrambled(stored: RequestRecord) -> None:
        stored.command_text = "lock truck-40"  # the text is for people: Retry must not read it

    await bot.services.requests.update(record.id, scrambled)
    bot.simulator.set_vehicle("truck-40", unsupported=[])  # lights again, read afresh after the 501
    await bot.driver.click_button("rb_retry", SECURITY, message=message)
    await bot.slack.wait_for(lambda: len(bot.simulator.remote_posts) == 2)
    assert isinstance(bot.sent_features()[-1], Lights)


async def test_confirmation_of_an_older_format_expires_and_sends_nothing(bot: BotUnderTest) -> None:
    """A pending confirmation written by the previous version (command text only) is answered as expired."""
    token = await bot.services.confirmations.issue(
        SECURITY, {"text": "stolen car-21 on", "channel": CHANNEL, "vin": "VR1URHNSSKW000021"}
    )
    await bot.driver.click("rb_confirm", token, SECURITY, CHANNEL)
    answer = await bot.last_private_answer(SECURITY)
    assert "expired" in answer
    assert bot.simulator.remote_posts == []


async def test_approval_of_an_older_format_request_expires_it(bot: BotUnderTest) -> None:
    """A request awaiting approval without a stored command (previous version) expires on approval."""
    await bot.command("immobilize car-21 on", user=SECURITY)
    await bot.slack.wait_for(
        lambda: any("Are you sure" in e.text for e in bot.slack.ephemerals(user=SECURITY))
    )
    await bot.driver.click_button("rb_confirm", SECURITY)
    message = await bot.wait_for_request_message()
    (record,) = await bot.services.requests.recent_for_vehicle("VR1URHNSSKW000021")

    def older(stored: RequestRecord) -> None:
        stored.command = None

    await bot.services.requests.update(record.id, older)
    await bot.driver.click_button("rb_approve", SECURITY2, message=message)
    await bot.slack.wait_for(lambda: message.edits and "Approval expired" in str(message.edits[-1].blocks))
    assert bot.simulator.remote_posts == []


async def test_card_button_with_a_forged_value_is_answered_and_sends_nothing(bot: BotUnderTest) -> None:
    """A card click whose value is not a command the bot wrote gets a private answer, not a request."""
    await bot.driver.click("rb_card_lock", "lock van-12", OPERATOR, CHANNEL)  # the old text format
    answer = await bot.last_private_answer(OPERATOR)
    assert "out of date" in answer
    forged = json.dumps({"action": "lock", "vehicle": "VR3UHZKXZLT000012", "options": {"on": True}})
    await bot.driver.click("rb_card_lock", forged, OPERATOR, CHANNEL)
    await bot.slack.wait_for(lambda: len(bot.slack.ephemerals(user=OPERATOR)) == 2)
    assert "out of date" in bot.slack.ephemerals(user=OPERATOR)[-1].text
    assert bot.simulator.remote_posts == []

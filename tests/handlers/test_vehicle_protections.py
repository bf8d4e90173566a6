"""Per-vehicle protections checked before any vendor call: the capability pre-flight and its shared cache."""

from __future__ import annotations

import re

from bot.catalogue.action import Action
from bot.catalogue.row import CardButton
from bot.catalogue.table import row_of
from bot.slack.blocks import card_value
from bot.store.capabilities import CapabilityCache
from bot.usecases.capabilities import capability_of
from tests.app_support import CHANNEL, OPERATOR, SECURITY, BotUnderTest

CAPABILITY_PATH = re.compile(
    r"/capability$|/fleets/[^/]+/vehicles/[^/]+$"
)  # v1's GET, and v3's with extension


def capability_asks(bot: BotUnderTest) -> int:
    """How many times the vehicle cloud was asked for a vehicle's capability."""
    return sum(
        1 for method, path in bot.simulator.request_log if method == "GET" and CAPABILITY_PATH.search(path)
    )


async def test_an_action_the_vehicle_cannot_do_is_refused_with_what_it_lacks_and_nothing_is_sent(
    bot: BotUnderTest,
) -> None:
    """A thermal van asked to charge, typed or from an older card, is told it lacks `charging`; no request."""
    assert bot.offers(row_of(Action.CHARGE))
    answer = await bot.answer_to("charge truck-40 start", user=SECURITY)
    assert "truck-40" in answer and "cannot do Charge" in answer and "`charging`" in answer
    truck = bot.services.fleet.resolve("truck-40")
    older_card = card_value(
        row_of(Action.CHARGE), CardButton("start"), truck
    )  # a card shown before it lost it
    await bot.driver.click("rb_card_charge", older_card, SECURITY, CHANNEL)
    await bot.slack.wait_for(lambda: len(bot.slack.ephemerals(user=SECURITY)) == 2)
    assert "cannot do Charge" in bot.slack.ephemerals(user=SECURITY)[-1].text
    assert bot.simulator.remote_posts == []
    assert [m for m in bot.slack.messages(CHANNEL) if not m.thread_ts] == []


async def test_the_capability_is_asked_once_for_card_and_commands_and_shared_through_redis(
    bot: BotUnderTest,
) -> None:
    """The card and two commands ask the vendor for van-12's capability once; another replica reads it."""
    await bot.answer_to("van-12")
    await bot.command("lock van-12")
    await bot.wait_for_request_message()
    await bot.command("lights van-12 on")
    await bot.wait_for_request_message(count=2)
    await bot.wait_for_remote_posts(2)
    assert capability_asks(bot) == 1
    replica = CapabilityCache(bot.services.redis, bot.services.keys, bot.settings.capability_cache_seconds)
    cached = await replica.get(bot.services.fleet.resolve("van-12").vin)
    assert cached is not None and cached.supports("locking") is True
    ttl_ms = await bot.services.redis.pttl(bot.services.keys.capability(cached.vin))
    assert 0 < ttl_ms <= bot.settings.capability_cache_seconds * 1000


async def test_a_vehicle_whose_capability_says_nothing_of_the_action_is_let_through(
    bot: BotUnderTest,
) -> None:
    """Unknown is allowed: when the capability does not mention the feature, the vendor decides."""
    vin = bot.services.fleet.resolve("van-12").vin
    capability = await capability_of(bot.services, vin)
    silent = capability.model_copy(
        update={"remotes": {k: v for k, v in capability.remotes.items() if k != "horn"}}
    )
    await CapabilityCache(bot.services.redis, bot.services.keys, 60).put(vin, silent)
    await bot.command("horn van-12", user=OPERATOR)
    await bot.wait_for_remote_posts(1)


async def test_a_501_drops_the_cached_capability_so_the_next_command_reads_it_afresh(
    v1_bot: BotUnderTest,
) -> None:
    """truck-40 lost its lights after the bot cached its capability: the vendor's 501 makes the bot forget
    it, and the next command's pre-flight asks the vendor again and refuses before sending anything."""
    bot = v1_bot
    await bot.stale_capability("truck-40", "lights", user=SECURITY)
    vin = bot.services.fleet.resolve("truck-40").vin
    assert await bot.services.capabilities.get(vin) is not None
    await bot.command("lights truck-40 on", user=SECURITY)
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits and "does not support" in str(message.edits[-1].blocks))
    assert await bot.services.capabilities.get(vin) is None
    asked = capability_asks(bot)
    answer = await bot.answer_to("lights truck-40 on", user=SECURITY)
    assert "cannot do Lights" in answer and capability_asks(bot) == asked + 1
    assert len(bot.simulator.remote_posts) == 1

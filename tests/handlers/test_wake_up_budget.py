"""The wake-up budget per vehicle and calendar month (UTC): counted from the vendor's steps, shown, kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.store.wakeup_budget import next_month
from tests.app_support import (
    FLEET_V3,
    OPERATOR,
    SECURITY,
    SECURITY2,
    V1,
    BotUnderTest,
    start_bot,
    wait_until,
)

VAN = "VR3UHZKXZLT000012"  # van-12: asleep in the demo fleet
CAR_35 = "VXKUHZKXZL4000035"  # car-35: asleep, the vendor's quota for the month already used


@pytest.fixture(params=[V1, FLEET_V3])
async def bot_of_two(
    redis_url: str, key_prefix: str, request: pytest.FixtureRequest
) -> AsyncIterator[BotUnderTest]:
    """The served bot (under each vendor API) with an allowance of two wake-ups per vehicle and month."""
    async for handle in start_bot(redis_url, key_prefix, api=request.param, wakeup_allowance=2):
        yield handle


async def finished(bot: BotUnderTest, vin: str, count: int) -> None:
    """Wait until the vehicle's `count` requests are all final."""

    async def done() -> bool:
        records = await bot.services.requests.recent_for_vehicle(vin)
        return len(records) >= count and all(record.status.is_final for record in records)

    await wait_until(done)


async def card_of(bot: BotUnderTest, vehicle: str, user: str = OPERATOR) -> str:
    """The blocks of the vehicle's card, as text."""
    before = len(bot.slack.ephemerals(user=user))
    await bot.command(vehicle, user=user)
    answers = await bot.slack.wait_for(lambda: bot.slack.ephemerals(user=user)[before:])
    return str(answers[0].blocks)


async def test_wake_ups_are_counted_shown_and_refused_once_spent_unless_granted(
    bot_of_two: BotUnderTest,
) -> None:
    """Every request the vendor woke the vehicle for counts one (a wake-up, then a lock of the sleeping van);
    the wake-up says what it costs, list and card say what is left, and once spent a wake-up or a
    refreshing state is refused before any vendor call with the count and the reset date; a user granted
    `exceed-wakeups` goes over."""
    bot = bot_of_two
    await bot.command("wakeup van-12")
    message = await bot.wait_for_request_message()
    assert "Costs 1 of this month's wake-ups: 1 of 2 left after it" in str(message.blocks)
    await finished(bot, VAN, 1)
    assert "1 of 2 wake-ups left this month" in await card_of(bot, "van-12")
    bot.simulator.set_vehicle("van-12", asleep=True)
    await bot.command("lock van-12")  # not a wake-up command, but the vendor wakes the van for it
    await finished(bot, VAN, 2)
    assert "no wake-up left this month (2 of 2 used)" in await bot.answer_to("list van")
    resets = f"{next_month(datetime.now(UTC)):%Y-%m-%d}"
    sent = len(bot.simulator.remote_posts)
    for text in ("wakeup van-12", "state van-12 --refresh"):
        answer = await bot.answer_to(text)
        assert "no wake-up left this month (2 of 2 used)" in answer and resets in answer
    assert "not refreshed" in await bot.answer_to("state van-12 --no-refresh")
    assert len(bot.simulator.remote_posts) == sent
    await bot.command("wakeup van-12", user=SECURITY2)  # holds exceed-wakeups
    over = await bot.wait_for_request_message(count=3)
    assert "over this month's allowance of 2" in str(over.blocks)
    await bot.wait_for_remote_posts(sent + 1)


async def test_the_vendors_quota_answer_marks_the_month_spent(bot: BotUnderTest) -> None:
    """car-35's first wake-up is refused by the vehicle cloud (TooManyWakeUpsOverMonth); the next is
    refused by the bot before any vendor call, and the card says so."""
    await bot.command("wakeup car-35", user=SECURITY)
    message = await bot.wait_for_request_message()
    assert "20 of 20 left" not in str(message.blocks) and "19 of 20 left after it" in str(message.blocks)
    await finished(bot, CAR_35, 1)
    (record,) = await bot.services.requests.recent_for_vehicle(CAR_35)
    assert record.failure_cause == "TooManyWakeUpsOverMonth"
    answer = await bot.answer_to("wakeup car-35", user=SECURITY)
    assert "no wake-up left this month" in answer and "the vehicle cloud says its monthly quota" in answer
    assert len(bot.simulator.remote_posts) == 1
    assert "no wake-up left this month" in await card_of(bot, "car-35", SECURITY)


async def test_a_wake_up_refused_for_the_months_budget_is_audited_and_in_history(
    v1_bot: BotUnderTest,
) -> None:
    """Like a denial, a wake-up refused because the month's are used up leaves an audit entry (who, what,
    the command), and `history` says in words why it was refused."""
    bot = v1_bot
    await bot.services.wakeups.mark_spent(VAN)
    assert "no wake-up left this month" in await bot.answer_to("wakeup van-12")
    (entry,) = await bot.services.audit.vehicle_trail(VAN)
    assert (entry.event, entry.user, entry.action, entry.detail) == (
        "refused-wakeups",
        OPERATOR,
        "wakeup",
        "wakeup van-12",
    )
    history = await bot.answer_to("history van-12")
    assert f"refused (no wake-up left this month): wakeup by <@{OPERATOR}>" in history

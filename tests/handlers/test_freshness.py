"""When each vehicle last reported: `state` answers from a recent report without waking, card and list say
how old the last report is, and a vehicle silent for days is flagged as possibly in deep sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.vehicle.features.wakeup import WakeUp
from tests.app_support import SECURITY, V1, BotUnderTest, start_bot, wait_until

VAN_14 = "VR3UHZKXZLT000014"  # van-14: awake in the demo fleet
CAR_21 = "VR1URHNSSKW000021"  # car-21: awake
DEEP_SLEEP_FLAG = ":zzz: possibly in deep sleep, silent for 9 days: drive it for 15 minutes"


async def finished(bot: BotUnderTest, vin: str) -> None:
    """Wait until the vehicle's latest request is final."""

    async def done() -> bool:
        records = await bot.services.requests.recent_for_vehicle(vin)
        return bool(records) and records[0].status.is_final

    await wait_until(done)


async def card_of(bot: BotUnderTest, vehicle: str, user: str) -> str:
    """The blocks of the vehicle's card, as text."""
    before = len(bot.slack.ephemerals(user=user))
    await bot.command(vehicle, user=user)
    answers = await bot.slack.wait_for(lambda: bot.slack.ephemerals(user=user)[before:])
    return str(answers[0].blocks)


async def test_state_answers_a_recent_report_without_waking_the_vehicle(bot: BotUnderTest) -> None:
    """van-14 is awake, so its last report is recent: `state` shows it, says how old it is and how to force
    a refresh, and sends the vendor no remote (no wake-up spent)."""
    answer = await bot.answer_to("state van-14")
    assert "not refreshed" in answer and "reported just now" in answer and "Battery" in answer
    assert "`/vehicle state van-14 --refresh` wakes it" in answer
    assert bot.simulator.remote_posts == []


async def test_state_wakes_a_vehicle_whose_last_report_is_too_old(bot: BotUnderTest) -> None:
    """van-12 has been asleep for 3 hours, longer than STATE_FRESH_SECONDS: `state` wakes it (one request)."""
    await bot.command("state van-12")
    message = await bot.wait_for_request_message()
    assert "uses one of its monthly wake-ups" in str(message.blocks)
    await bot.wait_for_remote_posts(1)
    assert bot.sent_features() == [WakeUp()]


async def test_state_refresh_wakes_the_vehicle_even_when_its_report_is_recent(bot: BotUnderTest) -> None:
    """`state van-14 --refresh` sends a wake-up although van-14's last report is recent."""
    await bot.command("state van-14 --refresh")
    await bot.wait_for_request_message()
    await bot.wait_for_remote_posts(1)
    assert bot.sent_features() == [WakeUp()]


async def test_list_shows_each_last_report_without_asking_the_vendor(bot: BotUnderTest) -> None:
    """Once the bot has read van-14's state, `list` says it reported just now and that van-12 was never seen,
    and asks the vehicle cloud nothing to say so."""
    await bot.answer_to("state van-14 --no-refresh")
    asked = len(bot.simulator.request_log)
    answer = await bot.answer_to("list")
    lines = {line.split("*")[1]: line for line in answer.splitlines()}
    assert "last report: just now" in lines["van-14"]
    assert "last report: never seen" in lines["van-12"]
    assert bot.simulator.request_log[asked:] == []


async def test_a_successful_answer_of_the_vehicle_counts_as_its_last_report(bot: BotUnderTest) -> None:
    """The bot never read van-14's state, but its horn request ended in Success: the vehicle answered, so
    `list` says it reported just now."""
    await bot.command("horn van-14")
    await finished(bot, VAN_14)
    assert "last report: just now" in await bot.answer_to("list van-14")


async def test_a_failed_request_is_no_proof_that_the_vehicle_answered(bot: BotUnderTest) -> None:
    """car-21 is offline: its lock fails with VehicleConnectionTimeout, which the platform says, not the
    vehicle; `list` still says car-21 was never seen."""
    bot.simulator.set_vehicle("car-21", offline=True)
    await bot.command("lock car-21")
    await finished(bot, CAR_21)
    record = (await bot.services.requests.recent_for_vehicle(CAR_21))[0]
    assert record.failure_cause == "VehicleConnectionTimeout"
    assert "last report: never seen" in await bot.answer_to("list car-21")


async def test_a_vehicle_silent_for_days_is_flagged_as_possibly_in_deep_sleep(bot: BotUnderTest) -> None:
    """car-35 last reported 9 days ago (more than DEEP_SLEEP_DAYS, 7): its state and then its card say it
    may be in deep sleep and that driving it for 15 minutes wakes it."""
    assert DEEP_SLEEP_FLAG in await bot.answer_to("state car-35 --no-refresh", user=SECURITY)
    card = await card_of(bot, "car-35", SECURITY)
    assert "last report: 9 days ago" in card and DEEP_SLEEP_FLAG in card


@pytest.fixture
async def patient_bot(redis_url: str, key_prefix: str) -> AsyncIterator[BotUnderTest]:
    """The served bot (Connected Car v1) with DEEP_SLEEP_DAYS at 10 and STATE_FRESH_SECONDS at 0."""
    async for handle in start_bot(redis_url, key_prefix, api=V1, deep_sleep_days=10, state_fresh_seconds=0):
        yield handle


async def test_the_deep_sleep_flag_waits_for_deep_sleep_days(patient_bot: BotUnderTest) -> None:
    """With DEEP_SLEEP_DAYS=10, car-35's 9 days of silence are shown but not flagged."""
    bot = patient_bot
    await bot.answer_to("state car-35 --no-refresh", user=SECURITY)
    card = await card_of(bot, "car-35", SECURITY)
    assert "last report: 9 days ago" in card and "deep sleep" not in card


async def test_state_fresh_seconds_zero_always_wakes(patient_bot: BotUnderTest) -> None:
    """With STATE_FRESH_SECONDS=0, `state` wakes even van-14, whose report is recent."""
    bot = patient_bot
    await bot.command("state van-14")
    await bot.wait_for_request_message()
    await bot.wait_for_remote_posts(1)
    assert bot.sent_features() == [WakeUp()]

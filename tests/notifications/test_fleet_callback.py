"""The bot under Fleet Owner v3 with its callback configured: bounded retries and batch sending end to end."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.runtime.embedded_redis import EmbeddedRedis
from bot.simulator.fleet_delivery import FleetDeliveryAttempt
from bot.simulator.records import SimRemote
from bot.slack_emulator import Message
from bot.store.records import RequestStatus
from tests.app_support import CHANNEL, FLEET_V3, SECURITY, start_bot, wait_until


async def test_a_notification_answered_500_is_redelivered_by_the_bounded_retries(key_prefix: str) -> None:
    """While the bot cannot store (Redis stopped) it answers 500; the vendor's retries land once it can."""
    with EmbeddedRedis() as server:
        async for bot in start_bot(server.url, key_prefix, api=FLEET_V3, callback_retry_number=400):
            bot.simulator.hold_deliveries()
            await bot.command("horn van-12", user=SECURITY)
            message = await bot.wait_for_request_message()
            await bot.wait_for_remote_posts(1)
            await Redis.from_url(server.url).save()  # the restart reloads this snapshot
            server.stop()
            fleet = bot.simulator.fleet_api
            bot.simulator.release_deliveries()
            await wait_until(lambda: _refused(fleet.deliverer.attempts), timeout=10)
            server.start()
            await bot.slack.wait_for(lambda: message.edits and "Done" in str(message.edits[-1].blocks), 15)
            retried = [attempt for attempt in fleet.deliverer.attempts if attempt.retry > 0]
            assert retried and retried[-1].status == 200 and fleet.deliverer.given_up == []
            (record,) = await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012")
            assert record.status is RequestStatus.SUCCESS


async def _refused(attempts: list[FleetDeliveryAttempt]) -> bool:
    """The first POST and two retries answered 500: only a policy with more retries gets the events in."""
    return sum(attempt.status == 500 for attempt in attempts) >= 3


async def test_a_batched_post_of_many_events_lands_each_in_its_own_message(
    redis_url: str, key_prefix: str
) -> None:
    """With batch sending on, one POST carries the events of several requests; each message shows its own."""
    async for bot in start_bot(
        redis_url, key_prefix, api=FLEET_V3, callback_batch_size=50, callback_batch_window_seconds=3600
    ):
        fleet = bot.simulator.fleet_api
        for vehicle in ("van-12", "van-14", "car-21"):
            await bot.command(f"horn {vehicle}", user=SECURITY)
        await bot.wait_for_remote_posts(3)
        await wait_until(lambda: _all_done(bot.simulator.remotes), timeout=10)
        fleet.deliverer.flush()
        await bot.slack.wait_for(lambda: _messages_done(bot.slack.messages(CHANNEL), 3), 15)
        assert max(attempt.count for attempt in fleet.deliverer.attempts) > 3  # several requests per POST


async def _all_done(remotes: list[SimRemote]) -> bool:
    return len(remotes) == 3 and all(remote.status in ("Success", "AlreadyDone") for remote in remotes)


def _messages_done(messages: list[Message], count: int) -> bool:
    roots = [m for m in messages if not m.thread_ts]
    return len(roots) == count and all(m.edits and "Done" in str(m.edits[-1].blocks) for m in roots)

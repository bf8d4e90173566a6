"""Thread replies on final states: paced per channel, retried when Slack fails, never lost with a replica."""

from __future__ import annotations

import itertools

from bot.notifications.apply import Pipeline
from bot.slack.replies import Replied, ReplyQueue
from bot.store.records import RequestRecord
from bot.store.thread_reply_queues import TakenReply
from bot.vehicle.notifications import parse_element
from tests.app_support import CHANNEL, OPERATOR, BotUnderTest, wait_until
from tests.pipeline_support import notification, post, running_bot, seed_request, stored

OTHER_CHANNEL = "C0WORKSHOP"
INTERVAL_SECONDS = 0.5


def _reply_times(bot: BotUnderTest, channel: str) -> list[float]:
    """When each thread reply posted in `channel` reached Slack, oldest first."""
    return sorted(
        call.at
        for call in bot.slack.calls("chat.postMessage")
        if call.ok and call.params.get("thread_ts") and call.params.get("channel") == channel
    )


def _replies(bot: BotUnderTest, record: RequestRecord) -> int:
    return len(bot.slack.replies(record.message_channel or "", record.message_ts or ""))


async def test_replies_in_one_channel_are_paced_and_other_channels_do_not_wait(
    redis_url: str, key_prefix: str
) -> None:
    """Three requests ending at once in one channel reply one per interval; another channel's at once."""
    async with running_bot(redis_url, key_prefix, slack_reply_interval_seconds=INTERVAL_SECONDS) as bot:
        bot.slack.add_channel(OTHER_CHANNEL, "workshop")
        busy = [await seed_request(bot) for _ in range(3)]
        other, other_remote = await seed_request(bot, channel=OTHER_CHANNEL)
        dones = [notification(remote, "Done", "Success") for _, remote in [*busy, (other, other_remote)]]
        assert (await post(bot, dones)).status == 200

        await wait_until(lambda: _all_replied(bot, [record for record, _ in busy] + [other]), timeout=10)

        busy_times = _reply_times(bot, CHANNEL)
        assert len(busy_times) == 3
        gaps = [later - earlier for earlier, later in itertools.pairwise(busy_times)]
        # Paced by the time each reply was taken; arrival at Slack may drift by a little network time.
        assert all(gap >= INTERVAL_SECONDS * 0.8 for gap in gaps), gaps
        assert _reply_times(bot, OTHER_CHANNEL)[0] < busy_times[-1]


async def _all_replied(bot: BotUnderTest, records: list[RequestRecord]) -> bool:
    return all(_replies(bot, record) == 1 for record in records)


async def test_reply_refused_by_slack_for_now_is_posted_once_later(bot: BotUnderTest) -> None:
    """A thread reply answered 500 and then 429 goes back in its queue and is posted exactly once."""
    record, remote = await seed_request(bot)
    bot.slack.server_error_next("chat.postMessage", status=500)
    bot.slack.rate_limit_next("chat.postMessage", retry_after=1)
    await post(bot, notification(remote, "Done", "Success"))

    await wait_until(lambda: _all_replied(bot, [record]), timeout=10)

    attempts = [call.status for call in bot.slack.calls("chat.postMessage") if call.params.get("thread_ts")]
    assert attempts == [500, 429, 200]
    assert f"<@{OPERATOR}>" in bot.slack.replies(CHANNEL, record.message_ts or "")[0].text

    async def marked() -> bool:  # the mark follows Slack's answer: the reply can be seen a moment before
        return (await stored(bot.services, record.id)).reply_posted

    await wait_until(marked)


async def test_reply_taken_by_a_replica_that_died_is_posted_by_another(
    redis_url: str, key_prefix: str
) -> None:
    """A replica takes a reply and dies before posting it: once its lease ends, another posts it, once."""
    async with running_bot(redis_url, key_prefix, pipeline=False, slack_reply_interval_seconds=0) as bot:
        record, remote = await seed_request(bot)
        await Pipeline(bot.services).transitions.apply_event(  # queues the reply
            parse_element(notification(remote, "Done", "Success"))
        )
        dying = ReplyQueue(bot.services, lease_ms=300)
        taken, _ = await dying.take(10)
        assert [reply.record.id for reply in taken] == [record.id]

        survivor = ReplyQueue(bot.services)
        assert (await survivor.take(10))[0] == []  # leased to the dying replica for now
        found: list[TakenReply] = []

        async def lease_ended() -> bool:
            found.extend((await survivor.take(10))[0])
            return bool(found)

        await wait_until(lease_ended, timeout=5)
        assert await survivor.post(found[0]) is Replied.POSTED
        assert _replies(bot, record) == 1


async def test_posted_reply_queued_again_is_not_posted_twice(redis_url: str, key_prefix: str) -> None:
    """A reply already posted that finds its way back into a queue is dropped from it, not reposted."""
    async with running_bot(redis_url, key_prefix, pipeline=False, slack_reply_interval_seconds=0) as bot:
        record, remote = await seed_request(bot)
        await Pipeline(bot.services).transitions.apply_event(  # queues the reply
            parse_element(notification(remote, "Done", "Success"))
        )
        replies = ReplyQueue(bot.services)
        taken, _ = await replies.take(10)
        assert await replies.post(taken[0]) is Replied.POSTED

        keys = bot.services.keys
        await bot.services.redis.rpush(keys.reply_queue(CHANNEL), record.id)
        await bot.services.redis.zadd(keys.reply_channels(), {CHANNEL: 0})
        assert (await replies.take(10))[0] == []
        assert await bot.services.redis.llen(keys.reply_queue(CHANNEL)) == 0
        assert _replies(bot, record) == 1

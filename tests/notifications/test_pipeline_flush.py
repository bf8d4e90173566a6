"""A vendor recovery flush of 1,000 notifications: the Slack budget holds and every final message is right."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bot.slack.blocks import request_message
from bot.store.records import RequestRecord, RequestStatus
from tests.app_support import CALLBACK_TOKEN, CHANNEL, BotUnderTest, wait_until
from tests.pipeline_support import PENDING_STEPS, notification, post, running_bot, seed_request

REQUESTS = 250  # x 4 events each = 1,000 notifications
BATCH = 100
# A shortened budget window keeps the test fast while the flush still needs many windows of budget.
RATE = 60
WINDOW_SECONDS = 2.0
REPLY_INTERVAL_SECONDS = 0.01  # 250 replies in one channel: the default 1 s would take minutes
FINALS: list[tuple[str, str | None, RequestStatus, str]] = [
    ("Success", None, RequestStatus.SUCCESS, ":white_check_mark: *Done*"),
    ("AlreadyDone", None, RequestStatus.ALREADY_DONE, "already in that state"),
    ("Failed", "DoorsOpen", RequestStatus.FAILED, "A door is open"),
    ("Failed", "VehicleConnectionTimeout", RequestStatus.FAILED, ":x: *Failed*"),
]


def _flush(remotes: list[str]) -> list[list[dict[str, Any]]]:
    """Pending..Done for every remote, shuffled as a redelivery flush may be, in header-less batches."""
    elements = []
    for index, remote in enumerate(remotes):
        status, cause, _, _ = FINALS[index % len(FINALS)]
        elements += [notification(remote, "Pending", step, token=CALLBACK_TOKEN) for step in PENDING_STEPS]
        elements.append(notification(remote, "Done", status, failure_cause=cause, token=CALLBACK_TOKEN))
    random.Random(1000).shuffle(elements)
    return [elements[start : start + BATCH] for start in range(0, len(elements), BATCH)]


def _busiest_window(times: list[float], window: float) -> int:
    """The most calls in any half-open interval [t, t + window)."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _all_settled(bot: BotUnderTest, records: list[RequestRecord]) -> bool:
    """Every request is final with its one reply posted, and its message shows its latest version."""
    replies = sum(1 for message in bot.slack.messages(CHANNEL) if message.thread_ts not in (None, message.ts))
    if replies < len(records):  # cheap first check, so that polling does not load the bot
        return False
    services = bot.services
    async with services.redis.pipeline(transaction=False) as pipe:
        for record in records:
            pipe.get(services.keys.request(record.id))
        answers = await pipe.execute()
    for raw in answers:
        latest = RequestRecord.model_validate_json(raw)
        if not latest.status.is_final or not latest.reply_posted or latest.shown_version < latest.version:
            return False
    return True


async def test_flush_of_1000_notifications_keeps_the_budget_and_ends_right(
    redis_url: str, key_prefix: str
) -> None:
    """1,000 batched notifications at once: chat.update stays in budget, each message ends right, 1 reply."""
    async with running_bot(
        redis_url,
        key_prefix,
        slack_update_rate_per_minute=RATE,
        slack_update_window_seconds=WINDOW_SECONDS,
        slack_reply_interval_seconds=REPLY_INTERVAL_SECONDS,
    ) as bot:
        seeded = [await seed_request(bot) for _ in range(REQUESTS)]
        records = [record for record, _ in seeded]
        batches = _flush([remote for _, remote in seeded])
        assert sum(len(batch) for batch in batches) == 1000
        answers = await asyncio.gather(*(post(bot, batch, bearer=None) for batch in batches))
        assert [answer.status for answer in answers] == [200] * len(batches)

        await wait_until(lambda: _all_settled(bot, records), timeout=45)

        for index, record in enumerate(records):
            _, cause, status, words = FINALS[index % len(FINALS)]
            final = await bot.services.requests.get(record.id)
            assert final is not None
            assert final.status is status
            assert final.failure_cause == cause
            message = bot.slack.message(record.message_channel or "", record.message_ts or "")
            assert message is not None
            assert words in str(message.blocks)
            assert message.blocks == request_message(final).as_kwargs()["blocks"]
            replies = bot.slack.replies(CHANNEL, record.message_ts or "")
            assert len(replies) == 1
            assert f"<@{record.requester}>" in replies[0].text

        updates = [call.at for call in bot.slack.calls("chat.update")]
        assert len(updates) > RATE  # the flush needed more than one window of budget
        assert _busiest_window(updates, WINDOW_SECONDS) <= RATE

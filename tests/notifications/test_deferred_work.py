"""Background jobs that sleep until their next due time still do deferred work once it is due.

The jobs here are given an idle cap of an hour, so nothing in these tests can be done by a periodic
look: a render or reply deferred (by the Slack budget, a failed call, a channel's interval), a deadline,
an approval expiring and a parked event expiring are done because the job slept until their due time,
or was woken by this process queuing them. Work written to Redis with no wake-up (as another replica
would) is found when the cap ends. Every wait is on a condition with a timeout; nothing is timed.
"""

from __future__ import annotations

import asyncio
import json
import time

from bot.app import reconcile_stale_sends_forever
from bot.notifications.apply import Pipeline
from bot.notifications.consumer import Consumer, WorkerOptions
from bot.notifications.deadlines import sweep_job
from bot.runtime.cancellation import stop_tasks
from bot.services import Services
from bot.slack.jobs import render_job, reply_job
from bot.store.records import RequestRecord, RequestStatus
from bot.vehicle.notifications import parse_element
from tests.app_support import CHANNEL, SECURITY, BotUnderTest, wait_until
from tests.pipeline_support import (
    inbox_drained,
    notification,
    running_bot,
    seed_request,
    stored,
    wait_status,
)

HOUR = 3600.0


async def _all_rendered(services: Services, records: list[RequestRecord]) -> bool:
    for record in records:
        latest = await stored(services, record.id)
        if latest.shown_version < latest.version:
            return False
    return True


async def _apply(bot: BotUnderTest, remote: str, event_type: str, status: str) -> None:
    """Apply an event as a consumer without a claim does: its render (and reply) is queued for the jobs."""
    result = await Pipeline(bot.services).transitions.apply_event(
        parse_element(notification(remote, event_type, status))
    )
    assert result.changed


async def test_renders_deferred_by_the_budget_or_a_failed_call_are_done_once_due(
    redis_url: str, key_prefix: str
) -> None:
    """With one chat.update a second, three queued renders and a 500 from Slack all end shown."""
    async with running_bot(
        redis_url, key_prefix, pipeline=False, background=[render_job(idle_seconds=HOUR)],
        slack_update_rate_per_minute=2, slack_update_window_seconds=1,
    ) as bot:  # fmt: skip
        seeded = [await seed_request(bot) for _ in range(3)]
        bot.slack.server_error_next("chat.update", status=500)
        for _, remote in seeded:
            await _apply(bot, remote, "Pending", "SentToVehicle")

        records = [record for record, _ in seeded]
        await wait_until(lambda: _all_rendered(bot.services, records), timeout=30)

        assert any(call.status == 500 for call in bot.slack.calls("chat.update"))
        waits = bot.services.metrics.registry.get_sample_value("remote_bot_slack_budget_waits_total")
        assert waits is not None and waits > 0  # the budget did defer some


async def test_a_render_queued_by_another_replica_is_found_when_the_cap_ends(
    redis_url: str, key_prefix: str
) -> None:
    """A render queued with no wake-up in this process (another replica's) is still done."""
    async with running_bot(
        redis_url, key_prefix, pipeline=False, background=[render_job(idle_seconds=0.3)]
    ) as bot:
        record, _ = await seed_request(bot)
        services = bot.services

        def changed(stored_record: RequestRecord) -> None:
            stored_record.add_step("note", detail="written elsewhere")

        await services.requests.update(record.id, changed)  # no render queued, no ring
        await services.redis.zadd(services.keys.pending_updates(), {record.id: 0})  # as another replica

        await wait_until(lambda: _all_rendered(services, [record]), timeout=10)


async def test_replies_paced_by_the_channel_or_refused_for_now_are_posted_once_due(
    redis_url: str, key_prefix: str
) -> None:
    """Three requests ending at once in one channel, the first reply answered 500: all three replied."""
    async with running_bot(
        redis_url, key_prefix, pipeline=False, background=[reply_job(idle_seconds=HOUR)],
        slack_reply_interval_seconds=0.3,
    ) as bot:  # fmt: skip
        seeded = [await seed_request(bot) for _ in range(3)]
        bot.slack.server_error_next("chat.postMessage", status=500)
        for _, remote in seeded:
            await _apply(bot, remote, "Done", "Success")

        async def all_replied() -> bool:
            return all(len(bot.slack.replies(CHANNEL, record.message_ts or "")) == 1 for record, _ in seeded)

        await wait_until(all_replied, timeout=30)
        assert any(call.status == 500 for call in bot.slack.calls("chat.postMessage"))


async def test_deadlines_and_approvals_expire_when_due(redis_url: str, key_prefix: str) -> None:
    """A deadline and an approval's expiry set a moment ahead are handled, the sweep's cap an hour."""
    async with running_bot(
        redis_url, key_prefix, pipeline=False, background=[sweep_job(HOUR)], alert_channel="C0ALERTS"
    ) as bot:
        bot.slack.add_channel("C0ALERTS", "alerts")
        services = bot.services
        unanswered, _ = await seed_request(bot)
        waiting, _ = await seed_request(bot, status=RequestStatus.AWAITING_APPROVAL)
        bot.simulator.fail_next("/remotes/", 404)
        await services.requests.set_deadline(unanswered.id, time.time() + 1.5)
        await services.requests.set_deadline(waiting.id, time.time() + 2.5)

        await wait_status(services, unanswered.id, RequestStatus.NO_ANSWER, timeout=10)
        await wait_status(services, waiting.id, RequestStatus.EXPIRED, timeout=10)


async def test_a_deadline_set_by_another_replica_is_found_when_the_cap_ends(
    redis_url: str, key_prefix: str
) -> None:
    """A deadline written with no wake-up in this process (another replica's) is still handled."""
    async with running_bot(redis_url, key_prefix, pipeline=False, background=[sweep_job(0.3)]) as bot:
        services = bot.services
        record, _ = await seed_request(bot)
        bot.simulator.fail_next("/remotes/", 404)
        await services.redis.zadd(services.keys.deadlines(), {record.id: time.time() + 0.2})

        await wait_status(services, record.id, RequestStatus.NO_ANSWER, timeout=10)


async def test_a_parked_event_is_dropped_when_its_time_to_live_ends(redis_url: str, key_prefix: str) -> None:
    """An event for a remote nobody claims is forgotten after the park TTL, the sweep's cap an hour."""
    async with running_bot(
        redis_url, key_prefix, pipeline=False, background=[sweep_job(HOUR)], park_ttl_seconds=1.5
    ) as bot:
        services = bot.services
        await services.parked.park(
            "remote-nobody-sent", json.dumps(notification("remote-nobody-sent", "Done", "Success"))
        )

        async def dropped() -> bool:
            return int(await services.redis.get(services.keys.counter("parked_dropped")) or 0) == 1

        await wait_until(dropped, timeout=10)
        assert await services.redis.zcard(services.keys.parked_index()) == 0


async def test_a_stale_send_is_reconciled_by_the_background_job(redis_url: str, key_prefix: str) -> None:
    """A remote POST answered 500 leaves the request "sending"; the job shows it unconfirmed once stale."""
    async with running_bot(
        redis_url, key_prefix, background=[reconcile_stale_sends_forever], sending_reconcile_seconds=0.5
    ) as bot:
        bot.simulator.fail_next("/remotes", 500, method="POST")
        await bot.command("horn van-12", user=SECURITY)
        message = await bot.wait_for_request_message()
        await bot.slack.wait_for(
            lambda: message.edits and "Not confirmed" in str(message.edits[-1].blocks), timeout=15
        )


async def test_a_consumer_blocking_long_on_the_inbox_still_reclaims_in_time(
    redis_url: str, key_prefix: str
) -> None:
    """An entry a dead consumer read is taken over by a consumer whose read blocks the default time."""
    async with running_bot(redis_url, key_prefix, pipeline=False, reclaim_idle_seconds=0.2) as bot:
        services = bot.services
        record, remote = await seed_request(bot)
        dead = Consumer(services, Pipeline(services), WorkerOptions(), name="dead-consumer")
        await dead.inbox.ensure_group()
        element = json.dumps(notification(remote, "Done", "Success"))
        await services.redis.xadd(services.keys.inbox(), {"e": element, "t": "0"})
        assert len(await dead.inbox.read(10, 100)) == 1  # and it dies
        live = Consumer(services, Pipeline(services), WorkerOptions(), name="live-consumer")
        task = asyncio.create_task(live.run())
        try:
            await wait_status(services, record.id, RequestStatus.SUCCESS, timeout=10)
            await wait_until(lambda: inbox_drained(services))
        finally:
            await stop_tasks([task])

"""The notification pipeline through the served app: state machine, in-place updates, replies, alerts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.ops import dlq_list, dlq_replay, parked_list
from bot.notifications.apply import Pipeline
from bot.notifications.consumer import Consumer, WorkerOptions
from bot.notifications.deadlines import sweep_once
from bot.runtime.cancellation import stop_tasks
from bot.services import Services
from bot.slack.jobs import render_job, reply_job
from bot.store.inbox import Entry
from bot.store.message_finish import MessageLeases
from bot.store.records import RequestRecord, RequestStatus
from bot.store.transitions import Transition, Transitions
from bot.vehicle.notifications import parse_element
from tests.app_support import CHANNEL, BotUnderTest, wait_until
from tests.pipeline_support import (
    inbox_drained,
    notification,
    post,
    running_bot,
    seed_request,
    stored,
    wait_rendered,
    wait_status,
)


async def test_command_to_done_edits_one_message_and_replies_once(bot: BotUnderTest) -> None:
    """`lock van-12` ends with its one message edited to Done and one thread reply to the requester."""
    await bot.command("lock van-12")
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits and "Done" in str(message.edits[-1].blocks), timeout=10)
    await bot.simulator.wait_idle()
    replies = await bot.slack.wait_for(lambda: bot.slack.replies(CHANNEL, message.ts))
    assert len(replies) == 1
    assert "U0OPERATOR" in replies[0].text
    top_level = [m for m in bot.slack.messages(CHANNEL) if not m.thread_ts]
    assert len(top_level) == 1
    steps = str(message.edits[-1].blocks)
    assert "Accepted" in steps
    assert "Sent to the vehicle" in steps


async def _done_three_times(bot: BotUnderTest) -> RequestRecord:
    """A request whose Done the vendor delivered three times, once all three are applied (as seeded)."""
    record, remote = await seed_request(bot)
    done = notification(remote, "Done", "Success")
    for _ in range(3):
        assert (await post(bot, done)).status == 200
    await wait_status(bot.services, record.id, RequestStatus.SUCCESS)
    await wait_until(lambda: inbox_drained(bot.services))
    return record


async def test_same_notification_three_times_changes_nothing_after_the_first(bot: BotUnderTest) -> None:
    """A redelivered Done is recognised: one transition, one version bump, one reply."""
    record = await _done_three_times(bot)
    after = await stored(bot.services, record.id)
    assert after.version == record.version + 1
    assert [step.step for step in after.timeline].count("Success") == 1
    await bot.slack.wait_for(lambda: bot.slack.replies(CHANNEL, record.message_ts or ""))
    assert len(bot.slack.replies(CHANNEL, record.message_ts or "")) == 1


async def test_a_redelivered_pending_step_changes_nothing_after_the_first(bot: BotUnderTest) -> None:
    """A Pending step delivered again (the vendor's retry) adds no second timeline step and no new version,
    while the next step still moves the request on."""
    record, remote = await seed_request(bot)
    waking = notification(remote, "Pending", "WakingUpVehicle")
    for _ in range(3):
        assert (await post(bot, waking)).status == 200
    await wait_until(lambda: inbox_drained(bot.services))
    after = await stored(bot.services, record.id)
    assert [step.step for step in after.timeline].count("WakingUpVehicle") == 1
    assert after.version == record.version + 1
    assert (await post(bot, notification(remote, "Pending", "SentToVehicle"))).status == 200
    await wait_until(lambda: inbox_drained(bot.services))
    assert (await stored(bot.services, record.id)).vendor_status == "SentToVehicle"


async def test_a_final_answer_after_unconfirmed_replaces_it(bot: BotUnderTest) -> None:
    """A request shown as unconfirmed (its send's answer was lost) takes the vehicle cloud's final answer
    when it comes after all: the message shows the outcome and the thread gets its reply."""
    record, remote = await seed_request(bot, status=RequestStatus.UNCONFIRMED)
    assert (await post(bot, notification(remote, "Done", "Success"))).status == 200
    await wait_status(bot.services, record.id, RequestStatus.SUCCESS)
    await bot.slack.wait_for(lambda: bot.slack.replies(CHANNEL, record.message_ts or ""))


EVENTS = [
    ("Pending", "Accepted", None),
    ("Pending", "WakingUpVehicle", None),
    ("Pending", "SentToVehicle", None),
    ("Done", "Failed", "DoorsOpen"),
]


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(order=st.permutations(EVENTS), duplicates=st.lists(st.sampled_from(EVENTS), max_size=3))
async def test_any_order_ends_in_the_right_final_message(
    bot: BotUnderTest, order: list[tuple[str, str, str | None]], duplicates: list[tuple[str, str, str | None]]
) -> None:
    """Whatever the order and redeliveries, the message ends Failed with the cause and the reply is single."""
    record, remote = await seed_request(bot)
    for event_type, status, cause in [*order, *duplicates]:
        body = notification(remote, event_type, status, failure_cause=cause)
        assert (await post(bot, body)).status == 200
    await wait_status(bot.services, record.id, RequestStatus.FAILED)
    await wait_until(lambda: inbox_drained(bot.services))
    await wait_rendered(bot, record)
    final = await stored(bot.services, record.id)
    assert final.failure_cause == "DoorsOpen"
    assert final.timeline[-1].step == "Failed"
    message = bot.slack.message(record.message_channel or "", record.message_ts or "")
    assert message is not None
    assert "A door is open" in str(message.edits[-1].blocks)
    await bot.slack.wait_for(lambda: bot.slack.replies(CHANNEL, record.message_ts or ""))
    assert len(bot.slack.replies(CHANNEL, record.message_ts or "")) == 1


async def test_notification_before_its_mapping_is_parked_then_applied(bot: BotUnderTest) -> None:
    """A Done that arrives before the remoteActionId is mapped waits, then completes the request."""
    record, remote = await seed_request(bot, mapped=False)
    assert (await post(bot, notification(remote, "Done", "Success"))).status == 200
    await wait_until(lambda: _has_parked(bot, remote))
    assert any(remote in line for line in await parked_list(bot.settings))
    await bot.services.requests.map_remote(remote, record.id)
    await bot.services.parked.replay(remote)
    await wait_status(bot.services, record.id, RequestStatus.SUCCESS)


async def _has_parked(bot: BotUnderTest, remote: str) -> bool:
    return bool(await bot.services.redis.llen(bot.services.keys.parked(remote)))


async def test_failed_request_is_alerted_with_cause_and_link(redis_url: str, key_prefix: str) -> None:
    """A Done/Failed posts one alert naming vehicle, action, cause and requester, with a permalink."""
    async with running_bot(redis_url, key_prefix, alert_channel="C0ALERTS") as bot:
        bot.slack.add_channel("C0ALERTS", "alerts")
        record, remote = await seed_request(bot)
        await post(bot, notification(remote, "Done", "Failed", failure_cause="VehicleConnectionTimeout"))
        alerts = await bot.slack.wait_for(lambda: bot.slack.messages("C0ALERTS"))
        text = alerts[0].text
        assert "VehicleConnectionTimeout" in text
        assert record.vehicle_name in text
        assert "U0OPERATOR" in text
        assert "Lock" in text


async def test_poison_entry_goes_to_dead_letters_and_replay_finishes_it(
    redis_url: str, key_prefix: str
) -> None:
    """An entry failing max_deliveries times reaches the DLQ with an alert; `dlq replay` completes it."""
    async with running_bot(
        redis_url, key_prefix, alert_channel="C0ALERTS", reclaim_idle_seconds=0.05, max_deliveries=2
    ) as bot:
        bot.slack.add_channel("C0ALERTS", "alerts")
        record, remote = await seed_request(bot)
        key = bot.services.keys.request(record.id)
        good = await bot.services.redis.get(key)
        await bot.services.redis.set(key, "{not json")
        await post(bot, notification(remote, "Done", "Success"))
        await wait_until(lambda: _dlq_size(bot, 1), timeout=10)
        alerts = await bot.slack.wait_for(lambda: bot.slack.messages("C0ALERTS"))
        assert "dead-letter" in alerts[0].text
        assert len(await dlq_list(bot.settings)) == 1
        await bot.services.redis.set(key, good or "")
        assert await dlq_replay(bot.settings) == 1
        await wait_status(bot.services, record.id, RequestStatus.SUCCESS)
        assert await dlq_list(bot.settings) == []


async def _dlq_size(bot: BotUnderTest, size: int) -> bool:
    return int(await bot.services.redis.xlen(bot.services.keys.dead_letters())) >= size


async def _read_by_a_dead_consumer(services: Services, element: dict[str, Any]) -> Entry:
    """Store one inbox entry and have a consumer named dead-consumer read it (it never acks it)."""
    dead = Consumer(services, Pipeline(services), WorkerOptions(), name="dead-consumer")
    await dead.inbox.ensure_group()
    await services.redis.xadd(services.keys.inbox(), {"e": json.dumps(element), "t": "0"})
    (entry,) = await dead.inbox.read(10, 100)
    return entry


async def test_killed_worker_entry_is_finished_by_another_consumer_once(
    redis_url: str, key_prefix: str
) -> None:
    """An entry read by a consumer that dies before acking is reclaimed by another and applied once."""
    jobs = [render_job(), reply_job()]  # no consumer of the app's own: the dead one surely reads the entry
    async with running_bot(
        redis_url, key_prefix, pipeline=False, background=jobs, reclaim_idle_seconds=0.05
    ) as bot:
        services = bot.services
        record, remote = await seed_request(bot)
        taken = [await _read_by_a_dead_consumer(services, notification(remote, "Done", "Success"))]
        held = await services.redis.xpending_range(services.keys.inbox(), "pipeline", "-", "+", 10)
        assert [(item["message_id"], item["consumer"]) for item in held] == [(taken[0].id, "dead-consumer")]
        live = Consumer(services, Pipeline(services), WorkerOptions(block_ms=50), name="live-consumer")
        task = asyncio.create_task(live.run())
        try:
            await wait_status(services, record.id, RequestStatus.SUCCESS)
            await wait_until(lambda: inbox_drained(services))
        finally:
            await stop_tasks([task])
        final = await stored(services, record.id)
        assert final.version == record.version + 1
        await bot.slack.wait_for(lambda: bot.slack.replies(CHANNEL, record.message_ts or ""))
        assert len(bot.slack.replies(CHANNEL, record.message_ts or "")) == 1


async def test_consumer_dying_after_its_transition_leaves_the_render_and_reply_to_the_redelivery(
    redis_url: str, key_prefix: str
) -> None:
    """A consumer that applied a Done and took its render and reply, then died: the entry's redelivery
    (or the queues, once the dead consumer's leases end) shows Done and posts the one reply."""
    jobs = [render_job(poll_seconds=0.05), reply_job(poll_seconds=0.05)]
    async with running_bot(
        redis_url, key_prefix, pipeline=False, background=jobs, reclaim_idle_seconds=0.05
    ) as bot:
        services = bot.services
        record, remote = await seed_request(bot)
        entry = await _read_by_a_dead_consumer(services, notification(remote, "Done", "Success"))
        short = MessageLeases(render_ms=300, reply_ms=300)
        dying = Transitions(services.redis, services.keys, mapping_ttl=60, leases=short)
        (applied,) = await dying.apply_events([parse_element(json.loads(entry.element))], claim="dead")
        assert isinstance(applied, Transition) and applied.render and applied.reply  # then it dies
        live = Consumer(services, Pipeline(services), WorkerOptions(block_ms=50), name="live-consumer")
        task = asyncio.create_task(live.run())
        try:
            await wait_rendered(bot, record, timeout=10)
            await bot.slack.wait_for(lambda: bot.slack.replies(CHANNEL, record.message_ts or ""))
            await wait_until(lambda: inbox_drained(services))
        finally:
            await stop_tasks([task])
        message = bot.slack.message(record.message_channel or "", record.message_ts or "")
        assert message is not None and "Done" in str(message.edits[-1].blocks)
        assert len(bot.slack.replies(CHANNEL, record.message_ts or "")) == 1


async def test_a_done_delivered_three_times_writes_one_audit_outcome(bot: BotUnderTest) -> None:
    """The audit trail, global and per vehicle, holds one outcome for a Done the vendor sent three times."""
    record = await _done_three_times(bot)
    trail = await bot.services.audit.vehicle_trail(record.vin)
    assert [(entry.event, entry.detail) for entry in trail if entry.request_id == record.id] == [
        ("outcome", "success")
    ]
    everything = await bot.services.audit.page("-", "+")
    assert [entry.event for _id, entry in everything if entry.request_id == record.id] == ["outcome"]


async def test_timeout_marks_no_answer_then_a_late_done_completes(redis_url: str, key_prefix: str) -> None:
    """With no Done in time the vendor is asked, the request shows no answer, alerts; a late Done ends it."""
    async with running_bot(redis_url, key_prefix, alert_channel="C0ALERTS", action_timeout_seconds=60) as bot:
        bot.slack.add_channel("C0ALERTS", "alerts")
        record, remote = await seed_request(bot)
        services = bot.services
        await services.redis.zadd(services.keys.deadlines(), {record.id: 0})
        bot.simulator.fail_next("/remotes/", 404)
        await sweep_once(Pipeline(services))
        await wait_status(services, record.id, RequestStatus.NO_ANSWER)
        alerts = await bot.slack.wait_for(lambda: bot.slack.messages("C0ALERTS"))
        assert "No final answer" in alerts[0].text
        await wait_rendered(bot, record)
        await post(bot, notification(remote, "Done", "Success"))
        await wait_status(services, record.id, RequestStatus.SUCCESS)


async def test_slack_429_defers_the_update_and_the_final_state_still_lands(bot: BotUnderTest) -> None:
    """chat.update answered 429 is retried after Retry-After; the message ends showing Done."""
    record, remote = await seed_request(bot)
    bot.slack.rate_limit_next("chat.update", retry_after=1)
    await post(bot, notification(remote, "Done", "Success"))
    await wait_status(bot.services, record.id, RequestStatus.SUCCESS)
    await wait_rendered(bot, record, timeout=10)
    message = bot.slack.message(record.message_channel or "", record.message_ts or "")
    assert message is not None
    assert "Done" in str(message.edits[-1].blocks)
    assert any(call.status == 429 for call in bot.slack.calls("chat.update"))


async def test_concurrent_sweeps_are_single_replica(bot: BotUnderTest) -> None:
    """Two sweeps at once: only one holds the lease."""
    pipeline = Pipeline(bot.services)
    await bot.services.redis.set(bot.services.keys.lock("deadline-sweep"), "other", px=5000)
    assert await sweep_once(pipeline) == 0
    await asyncio.sleep(0)


async def test_empty_lists_in_a_record_stay_lists_through_the_scripts(bot: BotUnderTest) -> None:
    """Redis 6.2's Lua JSON writes an empty list back as {}: the scripts keep every [] a list, so the
    record still reads after a transition and its render."""
    record, remote = await seed_request(bot)

    def emptied(stored: RequestRecord) -> None:
        stored.timeline = []
        stored.outcome = {"stops": [], "note": "a [] in text stays text"}

    await bot.services.requests.update(record.id, emptied)
    await post(bot, notification(remote, "Pending", "SentToVehicle"))
    await wait_until(lambda: inbox_drained(bot.services))
    await wait_rendered(bot, record)
    after = await stored(bot.services, record.id)
    assert [step.step for step in after.timeline] == ["SentToVehicle"]
    assert after.outcome == {"stops": [], "note": "a [] in text stays text"}


async def test_a_batch_after_redis_lost_its_scripts_is_applied(bot: BotUnderTest) -> None:
    """Scripts flushed (a restart or a failover loses them): the next batch of transitions still applies,
    every event of it, once."""
    first, first_remote = await seed_request(bot)
    second, second_remote = await seed_request(bot)
    transitions = Pipeline(bot.services).transitions
    await bot.services.redis.script_flush()
    events = [
        parse_element(notification(first_remote, "Pending", "SentToVehicle")),
        parse_element(notification(second_remote, "Done", "Success")),
    ]
    results = await transitions.apply_events(events)
    assert [isinstance(result, Transition) and result.changed for result in results] == [True, True]
    assert (await stored(bot.services, first.id)).vendor_status == "SentToVehicle"
    assert (await stored(bot.services, second.id)).status is RequestStatus.SUCCESS

"""Failures around a command: nothing lost, nothing sent twice, and the user told what happened."""

from __future__ import annotations

from bot.runtime.embedded_redis import EmbeddedRedis
from bot.store.records import RequestStatus
from bot.usecases.dispatch import reconcile_stale_sends
from bot.vehicle.features.horn import Horn
from tests.app_support import CHANNEL, OPERATOR, SECURITY, BotUnderTest, start_bot, wait_until
from tests.pipeline_support import running_bot


async def test_second_request_while_one_is_in_flight_shows_the_first(bot: BotUnderTest) -> None:
    """A second lock of the same vehicle is not sent; the user is pointed to the request in flight."""
    bot.simulator.hold_deliveries()  # no Done arrives: the first request stays in flight
    await bot.command("lock van-12")
    first = await bot.wait_for_request_message()
    # The first request is sent once its message is attached to it: from then on it can be linked to.
    await bot.wait_for_remote_posts(1)
    answer = await bot.answer_to("lock van-12")
    assert "already in flight" in answer and "See it here" in answer
    assert len(bot.simulator.remote_posts) == 1
    assert [m.ts for m in bot.slack.messages(CHANNEL) if not m.thread_ts] == [first.ts]


async def test_horn_stop_is_sent_while_the_horn_request_it_stops_is_in_flight(bot: BotUnderTest) -> None:
    """`horn stop` has its own in-flight slot: it reaches the vehicle while the horn still sounds."""
    bot.simulator.hold_deliveries()  # no Done arrives: the horn request stays in flight
    await bot.command("horn van-12")
    await bot.wait_for_request_message()
    await bot.wait_for_remote_posts(1)
    await bot.command("horn van-12 stop")
    await bot.wait_for_remote_posts(2)
    assert bot.sent_features()[1] == Horn(on=False)
    assert "already in flight" in await bot.answer_to("horn van-12 stop")


async def test_send_timeout_is_reconciled_without_a_second_post(redis_url: str, key_prefix: str) -> None:
    """When the vendor answers too late, the request is found by its label and never POSTed twice."""
    async for bot in start_bot(redis_url, key_prefix, stellantis_timeout_seconds=0.2):
        bot.simulator.stall_remote_posts(1.0)
        await bot.command("horn van-12")
        message = await bot.wait_for_request_message()
        await bot.slack.wait_for(lambda: message.edits and "Accepted" in str(message.edits[-1].blocks))
        assert len(bot.simulator.remote_posts) == 1
        record = (await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012"))[0]
        assert record.remote_action_id is not None


async def test_not_in_channel_moves_the_request_to_a_dm_and_says_how_to_invite(bot: BotUnderTest) -> None:
    """Where the bot cannot post, the user learns how to invite it and the request goes to their DM."""
    bot.slack.fail_next("chat.postMessage", "not_in_channel")
    await bot.command("lights van-12 on")
    answer = await bot.last_private_answer()
    assert "/invite" in answer
    dm_messages = await bot.slack.wait_for(
        lambda: [m for m in bot.slack.all_messages if m.channel.startswith("D") and "Lights" in m.text]
    )
    assert len(dm_messages) == 1
    await bot.wait_for_remote_posts(1)  # the message is posted before the send
    assert len(bot.simulator.remote_posts) == 1


async def test_vendor_501_shows_the_reason_in_plain_words(v1_bot: BotUnderTest) -> None:
    """A van that lost its lights since the bot cached its capability: Connected Car v1's 501 shows as
    "does not support this action"."""
    bot = v1_bot
    await bot.stale_capability("truck-40", "lights", user=SECURITY)
    await bot.command("lights truck-40 on", user=SECURITY)
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits and "does not support" in str(message.edits[-1].blocks))
    assert "Retry" in str(message.edits[-1].blocks)


async def test_a_refusal_keeps_the_vendors_reference_for_its_support(bot: BotUnderTest) -> None:
    """The refused request's message and its audit entry carry the vendor's error reference."""
    await bot.stale_capability("truck-40", "lights", user=SECURITY)
    await bot.command("lights truck-40 on", user=SECURITY)
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits and "Vendor reference: " in str(message.edits[-1].blocks))
    trail = await bot.services.audit.vehicle_trail("VF7VFYHT6LZ000040")
    assert any("Vendor reference: " in entry.detail for entry in trail)


async def test_redis_down_at_command_time_answers_an_error_and_calls_no_vendor(key_prefix: str) -> None:
    """With Redis stopped, the command gets an ephemeral error and nothing reaches the vehicle cloud."""
    with EmbeddedRedis() as redis_server:
        async for bot in start_bot(redis_server.url, key_prefix):
            redis_server.stop()
            await bot.command("lock van-12")
            answer = await bot.last_private_answer()
            assert "storage is unavailable" in answer
            assert bot.simulator.remote_posts == []


async def test_unsigned_or_stale_requests_get_401_and_do_nothing(bot: BotUnderTest) -> None:
    """A bad signature or an old timestamp is refused with 401 and sends nothing."""
    bad = await bot.driver.slash_command(
        "/vehicle", "lock van-12", OPERATOR, CHANNEL, signature="v0=deadbeef"
    )
    stale = await bot.driver.slash_command("/vehicle", "lock van-12", OPERATOR, CHANNEL, timestamp=1_000_000)
    unsigned = await bot.driver.slash_command("/vehicle", "lock van-12", OPERATOR, CHANNEL, signed=False)
    assert (bad.status, stale.status, unsigned.status) == (401, 401, 401)
    await bot.command("whoami")  # a valid request, answered after anything the refused ones could cause
    await bot.last_private_answer()
    assert len(bot.slack.ephemerals(user=OPERATOR)) == 1
    assert bot.simulator.remote_posts == []


async def test_click_is_authorized_for_the_clicker_not_the_requester(bot: BotUnderTest) -> None:
    """A Retry clicked by someone without permission is refused for them, even though the requester had it."""
    await bot.stale_capability("truck-40", "lights", user=SECURITY)
    await bot.command("lights truck-40 on", user=SECURITY)  # refused (501): the message offers Retry
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits and "Retry" in str(message.edits[-1].blocks))
    before = len(bot.simulator.remote_posts)
    await bot.driver.click_button("rb_retry", OPERATOR, message=message)  # operators may not act on lyon
    answer = await bot.last_private_answer(OPERATOR)
    assert "not allowed" in answer and OPERATOR in answer
    assert len(bot.simulator.remote_posts) == before


async def test_approval_needed_but_bot_not_in_channel_cancels_with_advice(bot: BotUnderTest) -> None:
    """An approval request that could only go to a DM (approvers never see it) is cancelled, not sent."""
    await bot.command("immobilize car-21 on", user=SECURITY)
    await bot.slack.wait_for(
        lambda: any("Are you sure" in e.text for e in bot.slack.ephemerals(user=SECURITY))
    )
    bot.slack.fail_next("chat.postMessage", "channel_not_found")
    await bot.driver.click_button("rb_confirm", SECURITY)
    dm = await bot.slack.wait_for(lambda: [m for m in bot.slack.all_messages if m.channel.startswith("D")])
    await bot.slack.wait_for(lambda: dm[0].edits and "Cancelled" in str(dm[0].edits[-1].blocks))
    assert "invite the bot" in str(dm[0].edits[-1].blocks)
    assert bot.simulator.remote_posts == []


async def test_a_5xx_on_the_remote_post_is_unconfirmed_never_retried_and_alerted(
    redis_url: str, key_prefix: str
) -> None:
    """The vendor may have taken it: no Retry button, one POST only, then "not confirmed" and an alert."""
    async with running_bot(
        redis_url, key_prefix, alert_channel="C0ALERTS", sending_reconcile_seconds=0.2
    ) as bot:
        bot.slack.add_channel("C0ALERTS", "alerts")
        bot.simulator.fail_next("/remotes", 500, method="POST")
        await bot.command("horn van-12", user=SECURITY)
        message = await bot.wait_for_request_message()
        await reconcile_until_settled(bot)
        await bot.slack.wait_for(lambda: message.edits and "Not confirmed" in str(message.edits[-1].blocks))
        assert "Retry" not in str(message.edits[-1].blocks)
        alerts = await bot.slack.wait_for(lambda: bot.slack.messages("C0ALERTS"))
        assert "did not confirm" in alerts[0].text
        # The injected 500 answered the one POST; a second POST would have reached the simulator.
        assert bot.simulator.remote_posts == []


async def reconcile_until_settled(bot: BotUnderTest) -> None:
    """Run the stale-send reconciliation (the background job's round) until the request left "sending"."""

    async def settled() -> bool:
        await reconcile_stale_sends(bot.services)
        records = await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012")
        return bool(records) and records[0].status is not RequestStatus.SENDING

    await wait_until(settled)


async def test_a_hanging_redis_gets_the_storage_answer_not_slacks_timeout(key_prefix: str) -> None:
    """Redis paused (CLIENT PAUSE, on a server of this test's own): acknowledged at once, then the answer."""
    with EmbeddedRedis() as redis_server:
        async for bot in start_bot(
            redis_server.url, key_prefix, redis_socket_timeout_seconds=0.3, redis_connect_timeout_seconds=0.3
        ):
            # Longer than the bounded retries take (3 tries of at most 0.6 s); it ends by itself.
            await bot.services.redis.execute_command("CLIENT", "PAUSE", "6000", "ALL")  # type: ignore[no-untyped-call]
            response = await bot.command("lock van-12")
            assert response.status == 200  # the acknowledgement never waits for Redis
            answer = await bot.last_private_answer()
            assert "storage is unavailable" in answer
            assert bot.simulator.remote_posts == []


async def test_refusals_that_mean_the_bot_is_broken_are_alerted_once_per_cause(
    redis_url: str, key_prefix: str
) -> None:
    """Our credentials refused (401), our contract refusing the action (403) and a rate limit longer than a
    minute (429) are each alerted once, with what to check, however many requests meet them; a short rate
    limit is not alerted (the request's message says to try again)."""
    async with running_bot(redis_url, key_prefix, alert_channel="C0ALERTS") as bot:
        bot.slack.add_channel("C0ALERTS", "alerts")
        refusals = [
            (401, {}, "credentials"),
            (401, {}, "credentials"),
            (403, {}, "contract"),
            (429, {"Retry-After": "5"}, ""),
            (429, {"Retry-After": "120"}, "rate limits"),
            (429, {"Retry-After": "300"}, "rate limits"),
        ]
        for number, (status, headers, _alert) in enumerate(refusals):
            # A 401 twice: the client asks for a new token once, then gives up.
            times = 2 if status == 401 else 1
            bot.simulator.fail_next("/remotes", status, headers=headers, method="POST", times=times)
            await bot.command("horn van-12", user=SECURITY)
            await bot.wait_for_request_message(count=number + 1)

            async def refused() -> bool:
                records = await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012")
                return len(records) == number + 1 and records[0].status is RequestStatus.REFUSED

            await wait_until(refused)
        expected = ["credentials", "contract", "rate limits"]
        await bot.slack.wait_for(lambda: len(bot.slack.messages("C0ALERTS")) >= len(expected))
        texts = [message.text for message in bot.slack.messages("C0ALERTS")]
        for text, cause in zip(texts, expected, strict=True):
            assert cause in text, texts
        assert "STELLANTIS_CLIENT_SECRET" in texts[0] and "120 s" in texts[2]
        assert len(bot.slack.messages("C0ALERTS")) == len(expected)

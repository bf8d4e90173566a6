"""Batches under control: Stop, approval once for the whole batch, status, the maximum, rate limits."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.app import send_batches_forever
from bot.slack_emulator import find_action
from bot.slack_emulator.models import Message
from tests.app_support import (
    CHANNEL,
    OPERATOR,
    SECURITY,
    SECURITY2,
    BotUnderTest,
    start_bot,
    wait_until,
)
from tests.batches.test_batch_flow import batch_messages, preview, shown


@pytest.fixture
async def idle(redis_url: str, key_prefix: str) -> AsyncIterator[BotUnderTest]:
    """A bot whose process sends no batch member (no sender job)."""
    async for handle in start_bot(redis_url, key_prefix):
        yield handle


async def _sent(bot: BotUnderTest, text: str, user: str = OPERATOR) -> str:
    """Preview, click Send, and return the batch id."""
    answer = await preview(bot, text, user=user)
    found = find_action(answer.blocks, "rb_batch_send")
    assert found is not None, shown(answer)
    await bot.driver.click_button("rb_batch_send", user, message=answer)
    return str(found[1]["value"])


async def _summary(bot: BotUnderTest) -> str:
    root = (await bot.slack.wait_for(lambda: batch_messages(bot)))[0]
    replies = await bot.slack.wait_for(lambda: bot.slack.replies(CHANNEL, root.ts), timeout=15)
    return replies[0].text


async def test_stop_keeps_the_vehicles_not_sent_yet_from_being_sent(redis_url: str, key_prefix: str) -> None:
    """Stop while sending: the vehicle already sent finishes, the two not sent yet are never sent."""
    slow = {"vendor_sends_per_second": 0.2, "background": [send_batches_forever]}
    async for bot in start_bot(redis_url, key_prefix, **slow):  # type: ignore[arg-type]
        await _sent(bot, "lock group:paris")
        await bot.wait_for_remote_posts(1)
        root = (await bot.slack.wait_for(lambda: batch_messages(bot)))[0]
        await bot.slack.wait_for(lambda: find_action(root.blocks, "rb_batch_stop") is not None)
        await bot.driver.click_button("rb_batch_stop", OPERATOR, message=root)
        summary = await _summary(bot)
        assert "2 not sent" in summary
        assert len(bot.simulator.remote_posts) == 1
        assert "Stopped" in shown(root)


async def test_a_batch_needing_approval_is_approved_once_and_never_by_its_requester(
    batch_bot: BotUnderTest,
) -> None:
    """Immobilize for a group: one approval for the batch; the requester's own click is refused."""
    await _sent(batch_bot, "immobilize group:paris on", user=SECURITY)
    root = (await batch_bot.slack.wait_for(lambda: batch_messages(batch_bot)))[0]
    assert "approval" in shown(root)
    await batch_bot.driver.click_button("rb_batch_approve", SECURITY, message=root)
    await batch_bot.slack.wait_for(
        lambda: any("Nobody approves their own" in e.text for e in batch_bot.slack.ephemerals(user=SECURITY))
    )
    assert batch_bot.simulator.remote_posts == []
    await batch_bot.driver.click_button("rb_batch_approve", SECURITY2, message=root)
    await batch_bot.wait_for_remote_posts(3)
    await batch_bot.slack.wait_for(lambda: "approved by <@U0SECURITY2>" in shown(root))


async def test_status_of_a_batch_shows_its_counts(batch_bot: BotUnderTest) -> None:
    """`status <batch id>` answers with the batch's state and counts, privately."""
    batch_id = await _sent(batch_bot, "lock group:paris")
    await _summary(batch_bot)
    answer = await batch_bot.answer_to(f"status {batch_id}")
    assert "Finished" in answer and "3 of 3 final" in answer and "car-21" in answer


async def test_more_vehicles_than_the_maximum_are_refused_with_it(redis_url: str, key_prefix: str) -> None:
    """BATCH_MAX_VEHICLES=2: a group of three is refused, saying the maximum; nothing is stored or sent."""
    async for bot in start_bot(redis_url, key_prefix, batch_max_vehicles=2):
        answer = await bot.answer_to("lock group:paris")
        assert "at most 2" in answer
        assert bot.simulator.remote_posts == []


async def test_a_rate_limited_send_waits_and_continues(batch_bot: BotUnderTest) -> None:
    """A 429 with Retry-After on one send: that vehicle is sent again after the wait, not refused."""
    batch_bot.simulator.fail_next("remote", 429, headers={"Retry-After": "1"}, method="POST")
    await _sent(batch_bot, "lock group:paris")
    summary = await _summary(batch_bot)
    assert "refused" not in summary and "not sent" not in summary
    assert sorted(post.vin for post in batch_bot.simulator.remote_posts) == sorted(
        ["VR3UHZKXZLT000012", "VR3UHZKXZLT000014", "VR1URHNSSKW000021"]
    )


async def test_members_post_no_message_of_their_own_but_keep_their_history(batch_bot: BotUnderTest) -> None:
    """Each vehicle's request is an ordinary request (audit, `status`), linked to its batch, with no
    message of its own."""
    batch_id = await _sent(batch_bot, "lock group:paris")
    await _summary(batch_bot)
    trail = await batch_bot.services.audit.vehicle_trail("VR3UHZKXZLT000012")
    assert any(entry.event == "requested" and batch_id in entry.detail for entry in trail)
    answer = await batch_bot.answer_to("status van-12")
    assert f"{batch_id}-" in answer and f"(batch `{batch_id}`)" in answer
    assert [m for m in batch_bot.slack.messages(CHANNEL) if m.thread_ts is None] == batch_messages(batch_bot)


async def test_a_second_send_click_says_the_batch_is_already_sending(batch_bot: BotUnderTest) -> None:
    """Send clicked twice (double click or replay): one batch is sent, the second click is told so."""
    batch_id = await _sent(batch_bot, "lock group:paris")
    await batch_bot.driver.click("rb_batch_send", batch_id, OPERATOR, CHANNEL)
    await batch_bot.slack.wait_for(
        lambda: any(
            "already being sent" in e.text or "finished" in e.text
            for e in batch_bot.slack.ephemerals(user=OPERATOR)
        )
    )
    await _summary(batch_bot)
    assert len(batch_bot.simulator.remote_posts) == 3
    assert len(batch_messages(batch_bot)) == 1


async def test_send_after_the_preview_expired_says_so_and_sends_nothing(
    redis_url: str, key_prefix: str
) -> None:
    """A preview lives CONFIRMATION_TTL_SECONDS: Send after that says it expired."""
    async for bot in start_bot(redis_url, key_prefix, confirmation_ttl_seconds=0.05):
        answer = await preview(bot, "lock group:paris")
        found = find_action(answer.blocks, "rb_batch_send")
        assert found is not None

        async def gone() -> bool:
            return await bot.services.batches.get(str(found[1]["value"])) is None

        await wait_until(gone)
        await bot.driver.click_button("rb_batch_send", OPERATOR, message=answer)
        await bot.slack.wait_for(
            lambda: any("expired" in e.text for e in bot.slack.ephemerals(user=OPERATOR))
        )
        assert bot.simulator.remote_posts == []


async def test_someone_else_cannot_send_a_preview(batch_bot: BotUnderTest) -> None:
    """Only the requester can click Send on their preview."""
    answer = await preview(batch_bot, "lock group:paris")
    await batch_bot.driver.click_button("rb_batch_send", SECURITY, message=answer)
    await batch_bot.slack.wait_for(
        lambda: any("Only <@" in e.text for e in batch_bot.slack.ephemerals(user=SECURITY))
    )
    assert batch_bot.simulator.remote_posts == []


async def test_a_wake_up_batch_says_what_it_costs(batch_bot: BotUnderTest) -> None:
    """`wakeup group:paris`: the preview says it costs one wake-up per vehicle."""
    answer = await preview(batch_bot, "wakeup group:paris")
    assert "Costs 3 wake-ups" in shown(answer)


async def test_the_preview_names_the_fewest_wake_ups_left_and_vehicles_in_deep_sleep(
    redis_url: str, key_prefix: str
) -> None:
    """`wakeup group:lyon`: the preview says which vehicle has the fewest wake-ups left, and flags car-35,
    silent for nine days in the demo fleet, as possibly in deep sleep."""
    async for bot in start_bot(redis_url, key_prefix):
        await bot.services.wakeups.count("VXKUHZKXZL4000033", "earlier-request")
        await bot.answer_to("state car-35 --no-refresh", user=SECURITY)  # the bot reads its telemetry time
        answer = await preview(bot, "wakeup group:lyon", user=SECURITY)
        text = shown(answer)
        assert "Fewest left: car-33 (…000033), 19 of 20" in text
        assert "Possibly in deep sleep" in text and "car-35" in text.split("Possibly in deep sleep")[1]


async def test_a_vehicle_without_a_final_answer_still_lets_its_batch_finish(
    redis_url: str, key_prefix: str
) -> None:
    """The vehicle cloud never answers (a vehicle in deep sleep): past the action's timeout each member has
    no final answer, the batch is settled all the same: its summary says so, and nothing is retried."""
    async for bot in start_bot(
        redis_url, key_prefix, action_timeout_seconds=1, background=[send_batches_forever]
    ):
        bot.simulator.hold_deliveries()
        bot.simulator.fail_next("/remotes/", 404, times=3, method="GET")  # nor does it find them later
        await _sent(bot, "lock group:paris")
        summary = await _summary(bot)
        assert "3 no final answer" in summary
        root = batch_messages(bot)[0]
        assert find_action(root.blocks, "rb_batch_retry") is None


async def test_nothing_is_queued_for_a_stopped_batch(idle: BotUnderTest) -> None:
    """After Stop, a member queued again (a 429 answered after Stop, a member stored late) is refused."""
    batch_id = await _sent(idle, "lock group:paris")

    async def stored() -> bool:
        return len(await idle.services.batches.queued(batch_id)) == 3

    await wait_until(stored)
    root = (await idle.slack.wait_for(lambda: batch_messages(idle)))[0]
    await idle.slack.wait_for(lambda: find_action(root.blocks, "rb_batch_stop") is not None)
    await idle.driver.click_button("rb_batch_stop", OPERATOR, message=root)
    await _summary(idle)
    assert not await idle.services.batches.queue_members(batch_id, [0])
    assert await idle.services.batches.queued(batch_id) == set()
    assert idle.simulator.remote_posts == []


async def test_a_word_shaped_like_a_batch_id_is_still_a_vehicle_for_status(batch_bot: BotUnderTest) -> None:
    """`status bdeadbeef` names no batch: it is answered as a vehicle word, as before batches existed."""
    answer = await batch_bot.answer_to("status bdeadbeef")
    assert "No vehicle has a VIN ending in `BDEADBEEF`" in answer


async def test_where_the_bot_cannot_post_the_batch_message_goes_to_the_requesters_dm(
    batch_bot: BotUnderTest,
) -> None:
    """The bot is not in the channel: the batch message and its summary go to the requester's DM."""
    answer = await preview(batch_bot, "lock group:paris")
    batch_bot.slack.fail_next("chat.postMessage", "not_in_channel")
    await batch_bot.driver.click_button("rb_batch_send", OPERATOR, message=answer)

    def in_dm() -> list[Message]:
        return [
            m for m in batch_bot.slack.all_messages if m.channel.startswith("D") and "batch `b" in shown(m)
        ]

    root = (await batch_bot.slack.wait_for(in_dm))[0]
    await batch_bot.slack.wait_for(lambda: batch_bot.slack.replies(root.channel, root.ts), timeout=10)
    assert len(batch_bot.simulator.remote_posts) == 3


async def test_an_approval_clicked_after_its_time_is_refused_and_nothing_is_sent(
    redis_url: str, key_prefix: str
) -> None:
    """APPROVAL_TTL_SECONDS passed before the sweep came by: Approve says the batch expired; nothing sent."""
    async for bot in start_bot(
        redis_url, key_prefix, approval_ttl_seconds=0.3, background=[send_batches_forever]
    ):
        await _sent(bot, "immobilize group:paris on", user=SECURITY)
        root = (await bot.slack.wait_for(lambda: batch_messages(bot)))[0]
        asked = time.time()

        async def past_its_time() -> bool:
            return time.time() > asked + 0.3

        await wait_until(past_its_time)
        await bot.driver.click_button("rb_batch_approve", SECURITY2, message=root)
        await bot.slack.wait_for(
            lambda: any("expired" in e.text for e in bot.slack.ephemerals(user=SECURITY2))
        )
        assert bot.simulator.remote_posts == []

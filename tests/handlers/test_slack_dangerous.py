"""Confirmation and approval of dangerous actions, bound to the right people."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from redis.asyncio import Redis

from bot.runtime.bundled import SAMPLE_POLICY
from bot.slack_emulator import find_action
from tests.app_support import CHANNEL, OPERATOR, SECURITY, SECURITY2, BotUnderTest, start_bot, wait_until


async def _no_keys(redis: Redis, pattern: str) -> bool:
    return not [key async for key in redis.scan_iter(pattern)]


async def _prompt(bot: BotUnderTest, text: str, user: str = SECURITY) -> None:
    await bot.command(text, user=user)
    await bot.slack.wait_for(lambda: any("Are you sure" in e.text for e in bot.slack.ephemerals(user=user)))


async def test_confirmed_stolen_sends_exactly_one_request_even_on_double_click(bot: BotUnderTest) -> None:
    """Two clicks on Confirm (double click or replay) send one request; the second says it was used."""
    await _prompt(bot, "stolen car-21 on")
    assert bot.simulator.remote_posts == []
    prompt = bot.slack.ephemerals(user=SECURITY)[-1]
    found = find_action(prompt.blocks, "rb_confirm")
    assert found is not None
    token = str(found[1]["value"])
    await bot.driver.click("rb_confirm", token, SECURITY, CHANNEL, message=prompt)
    await bot.driver.click("rb_confirm", token, SECURITY, CHANNEL, message=prompt)
    await bot.wait_for_request_message()
    # Both answers replace the prompt, in either order: the expired one is in its edits.
    await bot.slack.wait_for(lambda: any("expired" in edit.text for edit in prompt.edits))
    await bot.wait_for_remote_posts()
    assert len(bot.simulator.remote_posts) == 1


async def test_cancel_sends_nothing(bot: BotUnderTest) -> None:
    """Cancel on a confirmation prompt sends nothing to the vehicle."""
    await _prompt(bot, "immobilize car-21 on")
    await bot.driver.click_button("rb_cancel", SECURITY)
    await bot.slack.wait_for(lambda: any("Cancelled" in e.text for e in bot.slack.ephemerals(user=SECURITY)))
    assert bot.simulator.remote_posts == []
    trail = await bot.services.audit.vehicle_trail("VR1URHNSSKW000021")
    assert [entry.event for entry in trail] == ["cancelled"]


async def test_confirmation_cannot_be_used_by_someone_else(bot: BotUnderTest) -> None:
    """A replayed Confirm click from another user does not send the request."""
    await _prompt(bot, "stolen car-21 crank-inhibit on")
    prompt = bot.slack.ephemerals(user=SECURITY)[-1]
    await bot.driver.click_button("rb_confirm", SECURITY2, message=prompt)
    await bot.slack.wait_for(lambda: any("Only <@" in e.text for e in bot.slack.ephemerals(user=SECURITY2)))
    assert bot.simulator.remote_posts == []


async def test_click_after_expiry_replaces_the_prompt(redis_url: str, key_prefix: str) -> None:
    """After the confirmation TTL, Confirm replaces the prompt with "expired, run the command again"."""
    async for bot in start_bot(redis_url, key_prefix, confirmation_ttl_seconds=0.05):
        await _prompt(bot, "tan car-21 suppress 2h")
        prompt = bot.slack.ephemerals(user=SECURITY)[-1]
        redis = bot.services.redis
        await wait_until(lambda: _no_keys(redis, f"{key_prefix}confirm:*"))  # the TTL passed
        await bot.driver.click_button("rb_confirm", SECURITY, message=prompt)
        await bot.slack.wait_for(
            lambda: (
                "expired" in prompt.text
                or any("expired" in e.text for e in bot.slack.ephemerals(user=SECURITY))
            )
        )
        assert bot.simulator.remote_posts == []


async def test_immobilize_waits_for_a_second_person(bot: BotUnderTest) -> None:
    """Immobilize needs approval: self-approval is refused, another security user's approval sends it."""
    await _prompt(bot, "immobilize car-21 on")
    await bot.driver.click_button("rb_confirm", SECURITY)
    message = await bot.wait_for_request_message()
    assert "Waiting for approval" in str(message.blocks)
    await bot.driver.click_button("rb_approve", SECURITY, message=message)
    await bot.slack.wait_for(
        lambda: any("your own request" in e.text for e in bot.slack.ephemerals(user=SECURITY))
    )
    await bot.driver.click_button("rb_approve", OPERATOR, message=message)
    await bot.slack.wait_for(
        lambda: any("not allowed to approve" in e.text for e in bot.slack.ephemerals(user=OPERATOR))
    )
    assert bot.simulator.remote_posts == []
    await bot.driver.click_button("rb_approve", SECURITY2, message=message)
    await bot.slack.wait_for(lambda: len(bot.simulator.remote_posts) == 1)
    await bot.slack.wait_for(
        lambda: message.edits and "approved by <@U0SECURITY2>" in str(message.edits[-1].blocks)
    )
    events = [entry.event for entry in await bot.services.audit.vehicle_trail("VR1URHNSSKW000021")]
    assert "approved" in events and "confirmed" in events
    assert message.channel == CHANNEL


async def test_approval_expires_and_the_message_says_so(redis_url: str, key_prefix: str) -> None:
    """An approval clicked after the approval TTL sends nothing and the request shows "approval expired"."""
    async for bot in start_bot(redis_url, key_prefix, approval_ttl_seconds=0.05):
        await _prompt(bot, "immobilize car-21 on")
        await bot.driver.click_button("rb_confirm", SECURITY)
        message = await bot.wait_for_request_message()
        redis = bot.services.redis
        await wait_until(lambda: _no_keys(redis, f"{key_prefix}approval:*"))
        await bot.driver.click_button("rb_approve", SECURITY2, message=message)
        await bot.slack.wait_for(
            lambda: message.edits and "Approval expired" in str(message.edits[-1].blocks)
        )
        assert bot.simulator.remote_posts == []


async def test_rejection_sends_nothing_and_names_the_rejecter(bot: BotUnderTest) -> None:
    """A second person's Reject ends the request without contacting the vehicle."""
    await _prompt(bot, "immobilize car-21 on")
    await bot.driver.click_button("rb_confirm", SECURITY)
    message = await bot.wait_for_request_message()
    await bot.driver.click_button("rb_reject", SECURITY2, message=message)
    await bot.slack.wait_for(lambda: message.edits and "Rejected" in str(message.edits[-1].blocks))
    assert "U0SECURITY2" in str(message.edits[-1].blocks)
    assert bot.simulator.remote_posts == []


async def test_unapproved_request_expires_by_itself(redis_url: str, key_prefix: str) -> None:
    """Without any click, the deadline sweep marks a request nobody approved in time as expired."""
    async for bot in start_bot(redis_url, key_prefix, approval_ttl_seconds=0.05, action_timeout_seconds=0.2):
        await _prompt(bot, "immobilize car-21 on")
        await bot.driver.click_button("rb_confirm", SECURITY)
        message = await bot.wait_for_request_message()
        await bot.slack.wait_for(
            lambda: message.edits and "Approval expired" in str(message.edits[-1].blocks)
        )
        events = [entry.event for entry in await bot.services.audit.vehicle_trail("VR1URHNSSKW000021")]
        assert "expired" in events
        assert bot.simulator.remote_posts == []


async def test_a_second_approve_says_who_approved_and_the_request_is_sent_once(bot: BotUnderTest) -> None:
    """Approve clicked twice (or by two approvers at once) sends once; the late click names the approver."""
    await _prompt(bot, "immobilize car-21 on")
    await bot.driver.click_button("rb_confirm", SECURITY)
    message = await bot.wait_for_request_message()
    await asyncio.gather(
        bot.driver.click_button("rb_approve", SECURITY2, message=message),
        bot.driver.click_button("rb_approve", SECURITY2, message=message),
    )
    await bot.slack.wait_for(
        lambda: any(
            "already approved by <@U0SECURITY2>" in e.text for e in bot.slack.ephemerals(user=SECURITY2)
        )
    )
    await bot.slack.wait_for(
        lambda: message.edits and "approved by <@U0SECURITY2>" in str(message.edits[-1].blocks)
    )
    assert len(bot.simulator.remote_posts) == 1
    events = [entry.event for entry in await bot.services.audit.vehicle_trail("VR1URHNSSKW000021")]
    assert events.count("approved") == 1 and "expired" not in events


async def test_approval_rechecks_the_requester_who_lost_the_permission(
    redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    """The requester's grant is removed while the request waits: the approval cancels it, nothing is sent."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(SAMPLE_POLICY.read_text())
    async for bot in start_bot(redis_url, key_prefix, policy=policy, policy_reload_seconds=0.01):
        await _prompt(bot, "immobilize car-21 on")
        await bot.driver.click_button("rb_confirm", SECURITY)
        message = await bot.wait_for_request_message()
        policy.write_text(SAMPLE_POLICY.read_text().replace("U0SECURITY, ", "").replace(", U0SECURITY]", "]"))
        stat = policy.stat()
        os.utime(policy, (stat.st_atime, stat.st_mtime + 10))
        authorizer = bot.services.authorizer

        async def revoked() -> bool:
            return not (await authorizer.check(SECURITY, "immobilize", None, CHANNEL)).allowed

        await wait_until(revoked)
        await bot.driver.click_button("rb_approve", SECURITY2, message=message)
        await bot.slack.wait_for(lambda: message.edits and "Cancelled" in str(message.edits[-1].blocks))
        assert "no longer" in str(message.edits[-1].blocks)
        assert bot.simulator.remote_posts == []

"""One command for many vehicles: the preview, Send, one live message, the summary, Retry the failed."""

from __future__ import annotations

import itertools

from bot.slack_emulator import find_action
from bot.slack_emulator.models import Ephemeral, Message
from bot.store.message_finish import MESSAGE_GAP_MS
from tests.app_support import CHANNEL, OPERATOR, BotUnderTest


def shown(message: Message | Ephemeral) -> str:
    """Everything a person reads in a message: its text and the text of each of its blocks."""
    parts = [message.text]
    for block in message.blocks or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements", []) if block.get("type") == "context" else []:
            parts.append(str(element.get("text", "")))
    return "\n".join(parts)


PARIS = {"VR3UHZKXZLT000012", "VR3UHZKXZLT000014", "VR1URHNSSKW000021"}


async def preview(bot: BotUnderTest, text: str, user: str = OPERATOR) -> Ephemeral:
    """Type the command and wait for its private preview."""
    before = len(bot.slack.ephemerals(user=user))
    await bot.command(text, user=user)
    answers = await bot.slack.wait_for(lambda: bot.slack.ephemerals(user=user)[before:])
    return answers[0]


def batch_messages(bot: BotUnderTest) -> list[Message]:
    """The batch messages in the channel (thread roots that carry batch buttons or a batch id)."""
    return [m for m in bot.slack.messages(CHANNEL) if m.thread_ts is None and "batch `b" in shown(m)]


async def test_a_group_gets_a_preview_and_nothing_is_sent_before_send(batch_bot: BotUnderTest) -> None:
    """`lock group:paris` answers privately with the three Paris vehicles, Send and Cancel; nothing sent."""
    answer = await preview(batch_bot, "lock group:paris")
    text = shown(answer)
    assert "3 vehicles will receive it" in text
    for name in ("van-12", "van-14", "car-21"):
        assert name in text
    assert find_action(answer.blocks, "rb_batch_send") is not None
    assert find_action(answer.blocks, "rb_batch_cancel") is not None
    assert batch_bot.simulator.remote_posts == []
    assert batch_bot.slack.messages(CHANNEL) == []


async def test_send_reaches_every_vehicle_once_and_one_message_speaks_for_them(
    batch_bot: BotUnderTest,
) -> None:
    """Send: each vehicle gets exactly one request; the channel gets one batch message (no message per
    vehicle), edited until every vehicle is final, and one thread reply with the summary and the failure."""
    answer = await preview(batch_bot, "lock group:paris")
    await batch_bot.driver.click_button("rb_batch_send", OPERATOR, message=answer)
    await batch_bot.wait_for_remote_posts(3)
    sent = [post.vin for post in batch_bot.simulator.remote_posts]
    assert sorted(sent) == sorted(PARIS)
    roots = await batch_bot.slack.wait_for(lambda: batch_messages(batch_bot))
    root = roots[0]
    replies = await batch_bot.slack.wait_for(
        lambda: [m for m in batch_bot.slack.messages(CHANNEL) if m.thread_ts == root.ts], timeout=10
    )
    assert len(replies) == 1
    summary = replies[0].text
    assert "2 already done" in summary and "1 failed" in summary and "car-21" in summary
    assert [m for m in batch_bot.slack.messages(CHANNEL) if m.thread_ts is None] == [root]
    final = shown(root)
    assert "Finished" in final and "3 of 3 final" in final
    assert find_action(root.blocks, "rb_batch_retry") is not None
    assert len(batch_bot.simulator.remote_posts) == 3


async def test_retry_the_failed_previews_only_the_failed_vehicle(batch_bot: BotUnderTest) -> None:
    """Retry the failed opens a preview of a new batch with only the failed vehicle, linked to the first."""
    answer = await preview(batch_bot, "lock group:paris")
    await batch_bot.driver.click_button("rb_batch_send", OPERATOR, message=answer)
    root = (await batch_bot.slack.wait_for(lambda: batch_messages(batch_bot)))[0]
    await batch_bot.slack.wait_for(lambda: find_action(root.blocks, "rb_batch_retry") is not None, timeout=10)
    before = len(batch_bot.slack.ephemerals(user=OPERATOR))
    await batch_bot.driver.click_button("rb_batch_retry", OPERATOR, message=root)
    retried = (await batch_bot.slack.wait_for(lambda: batch_bot.slack.ephemerals(user=OPERATOR)[before:]))[0]
    text = shown(retried)
    assert "1 vehicle will receive it" in text and "car-21" in text and "van-12" not in text
    assert "Retries the failed vehicles of batch" in text


async def test_an_unknown_name_is_named_with_a_suggestion(batch_bot: BotUnderTest) -> None:
    """A typo in a list is never dropped: the preview names it and suggests the alias meant."""
    answer = await preview(batch_bot, "lock van-12,van-1A")
    text = shown(answer)
    assert "van-1a" in text and "Did you mean `van-14`?" in text
    assert "1 vehicle will receive it" in text


async def test_vehicles_the_user_may_not_act_on_are_left_out_with_the_reason(batch_bot: BotUnderTest) -> None:
    """The operator's grant covers Paris only: a Lyon car in the list is left out, saying why."""
    answer = await preview(batch_bot, "lock van-12, car-33")
    text = shown(answer)
    assert "Left out (1)" in text and "car-33" in text and "you may not act on it" in text


async def test_an_unknown_group_is_named_with_a_suggestion(batch_bot: BotUnderTest) -> None:
    """`group:pariss` names no group: every word is accounted for, with the group probably meant."""
    answer = await preview(batch_bot, "lock group:pariss")
    text = shown(answer)
    assert "Nothing to send" in text and "group:paris" in text
    assert batch_bot.simulator.remote_posts == []


async def test_the_batch_message_is_edited_at_most_once_per_message_gap(batch_bot: BotUnderTest) -> None:
    """However many notifications the vehicles send, the batch message's edits are at least a message gap
    apart (Slack's one update per second per message): every member's steps are coalesced into them."""
    answer = await preview(batch_bot, "lock group:paris")
    await batch_bot.driver.click_button("rb_batch_send", OPERATOR, message=answer)
    root = (await batch_bot.slack.wait_for(lambda: batch_messages(batch_bot)))[0]
    await batch_bot.slack.wait_for(lambda: batch_bot.slack.replies(CHANNEL, root.ts), timeout=10)
    edits = [edit.at for edit in root.edits if edit.via == "chat.update"]
    assert len(edits) >= 2  # it did move while the vehicles reported
    assert all(later - earlier >= MESSAGE_GAP_MS / 1000 for earlier, later in itertools.pairwise(edits))

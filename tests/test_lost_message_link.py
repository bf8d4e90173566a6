"""A `remote-bot serve` process dies right after chat.postMessage answers, before the message's ts is
stored: a restarted replica finds the message by the request id in its metadata and finishes the request
in that one message."""

from __future__ import annotations

import contextlib
from pathlib import Path

import aiohttp

from bot.slack.request_messages import EXIT_AFTER_POST
from bot.store.records import RequestStatus
from tests.replica_support import CHANNEL, USER, cluster, requests, restart, wait_until

SETTINGS = {
    "TEST_EXIT_AFTER_POST": "true",
    "SENDING_RECONCILE_SECONDS": "2",  # the restarted replica looks the request up soon
    "STELLANTIS_TIMEOUT_SECONDS": "1",
}


async def test_a_post_whose_ts_was_never_stored_is_found_again_and_finished_in_the_one_message(
    redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    """The killed process stored the request and posted its message, not where it landed; the restarted
    replica finds the message (no second post), and the request's end is shown in it."""
    async with cluster(redis_url, key_prefix, tmp_path, SETTINGS, count=1) as group:
        (victim,) = group.replicas
        with contextlib.suppress(aiohttp.ClientConnectionError):  # it may die before its answer is written
            await victim.driver.slash_command("/vehicle", "lock van-12", USER, CHANNEL)

        async def exited() -> bool:
            return victim.process.poll() is not None

        await wait_until(exited, "the process exited after the post", timeout=20)
        assert victim.process.returncode == EXIT_AFTER_POST
        (posted,) = [m for m in group.slack.messages(CHANNEL) if not m.thread_ts]
        (record,) = await requests(group)
        assert record.message_ts is None and record.status is RequestStatus.SENDING

        await restart(group, 0, {"TEST_EXIT_AFTER_POST": "false"})

        async def finished_in_the_message() -> bool:
            (stored,) = await requests(group)
            return stored.status.is_final and stored.shown_version == stored.version

        await wait_until(finished_in_the_message, "the request finished and shown", timeout=30)
        (stored,) = await requests(group)
        assert (stored.message_channel, stored.message_ts) == (CHANNEL, posted.ts)
        assert [m.ts for m in group.slack.messages(CHANNEL) if not m.thread_ts] == [posted.ts], "posted twice"
        # Never sent by the dead process, not found by its label: shown as unconfirmed, in the one message.
        assert stored.status is RequestStatus.UNCONFIRMED
        assert "confirm" in posted.text.lower(), posted.text
        assert not group.simulator.remote_posts

"""A batch survives its replica: two `remote-bot serve` processes, the one that took Send is killed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.slack_emulator import find_action
from bot.store.batches import BatchStore
from tests.replica_support import CHANNEL, USER, cluster, requests, wait_until

SETTINGS = {
    "VENDOR_SENDS_PER_SECOND": "4",  # eight vehicles take two seconds: the kill lands mid-batch
    "SENDING_RECONCILE_SECONDS": "2",  # a member the dead replica took is queued again after this
    "LEFTOVER_CHECK_SECONDS": "1",
    "STELLANTIS_TIMEOUT_SECONDS": "1",
    "SLACK_REPLY_INTERVAL_SECONDS": "0",
    "SLACK_UPDATE_RATE_PER_MINUTE": "100000",
}
EVERY_GROUP = "lock group:paris,group:lyon,group:marseille"


async def test_a_replica_killed_mid_batch_leaves_every_vehicle_sent_exactly_once(
    redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    """The replica that took Send dies while sending; the other one finishes the batch, each vehicle once."""
    async with cluster(redis_url, key_prefix, tmp_path, SETTINGS) as group:
        victim, _survivor = group.replicas
        await victim.driver.slash_command("/vehicle", EVERY_GROUP, USER, CHANNEL)
        preview = (await group.slack.wait_for(lambda: group.slack.ephemerals(user=USER), timeout=10))[0]
        found = find_action(preview.blocks, "rb_batch_send")
        assert found is not None, preview.text
        batch_id = str(found[1]["value"])
        await victim.driver.click_button("rb_batch_send", USER, message=preview)

        async def some_sent() -> bool:
            return len(group.simulator.remote_posts) >= 2

        await wait_until(some_sent, "the first vehicles were sent", timeout=10)
        victim.process.kill()
        victim.process.wait()
        batch = await BatchStore(group.redis, group.keys, ttl_seconds=60).get(batch_id)
        assert batch is not None and len(batch.members) == 8
        assert len(group.simulator.remote_posts) < 8, "the kill came after the batch was sent"

        async def all_final() -> bool:
            records = [r for r in await requests(group) if r.batch_id == batch_id]
            return len(records) == 8 and all(r.status.is_final for r in records)

        await wait_until(all_final, "every member of the batch is final", timeout=30)
        labels = Counter(str(post.body.get("label")) for post in group.simulator.remote_posts)
        assert labels == Counter({f"rb:{member.request_id}": 1 for member in batch.members})

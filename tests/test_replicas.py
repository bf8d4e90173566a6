"""Two real `remote-bot serve` processes on one Redis: one is SIGKILLed mid-burst and nothing is lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from bot.store.records import RequestStatus
from bot.vehicle.notifications import read_element
from tests.replica_support import (
    CHANNEL,
    USER,
    Cluster,
    Kill,
    Replica,
    cluster,
    kill_while_holding_entries,
    pending_count,
    requests,
    wait_until,
)

VEHICLES = ("van-12", "van-14", "car-21", "car-33", "car-35", "truck-40", "car-52", "car-57")
ACTIONS = ("horn", "lights", "locate", "wakeup", "lock", "unlock")
RECLAIM_IDLE_SECONDS = 1.0
VENDOR_ANSWERS = frozenset({RequestStatus.SUCCESS, RequestStatus.ALREADY_DONE, RequestStatus.FAILED})
SETTINGS = {
    "RECLAIM_IDLE_SECONDS": str(RECLAIM_IDLE_SECONDS),
    "REPLY_LEASE_SECONDS": "3",  # a reply the victim was posting is posted by the survivor soon after
    # A command the victim was sending is looked up by its label; never while a live send may still
    # answer (the vendor timeout is shorter, as with the defaults).
    "SENDING_RECONCILE_SECONDS": "4",
    "STELLANTIS_TIMEOUT_SECONDS": "2",
    "SLACK_REPLY_INTERVAL_SECONDS": "0",
    "SLACK_UPDATE_RATE_PER_MINUTE": "100000",
    "ACTION_TIMEOUT_SECONDS": "60",
}


async def command(replicas: list[Replica], number: int, text: str) -> None:
    """One slash command, to the replicas in turn; one sent to a replica as it dies is lost with it."""
    live = [replica for replica in replicas if replica.alive] or replicas
    try:
        response = await live[number % len(live)].driver.slash_command("/vehicle", text, USER, CHANNEL)
    except aiohttp.ClientConnectionError:
        return  # the user would see Slack's "failed with the error" line and type it again
    assert response.status == 200


async def unsettled(group: Cluster) -> list[str]:
    """What is not finished yet: inbox entries, requests not final or not shown final, replies missing.

    The vendor's final answer gets a thread reply; a refusal at send time, or "unconfirmed" for a command
    the killed replica never got to send, is shown in the message only (and alerted), by design.
    """
    left = []
    if pending := await pending_count(group):
        left.append(f"{pending} inbox entries pending")
    for record in await requests(group):
        if not record.status.is_final:
            left.append(f"request {record.id} {record.action} {record.alias} is {record.status}")
        elif record.message_ts is not None:
            if record.shown_version < record.version:
                left.append(
                    f"request {record.id} ({record.status}) shows version {record.shown_version} of "
                    f"{record.version}"
                )
            elif record.status in VENDOR_ANSWERS and not group.slack.replies(CHANNEL, record.message_ts):
                left.append(f"request {record.id} ({record.status}) has no thread reply")
    return left


async def wait_settled(group: Cluster, timeout: float) -> None:
    """Wait until nothing is left unfinished, or fail listing what is."""

    async def settled() -> bool:
        return not await unsettled(group)

    try:
        await wait_until(settled, "every request settled", timeout)
    except AssertionError as error:
        raise AssertionError(f"{error}: {await unsettled(group)}") from None


def remote_ids(kill: Kill) -> set[str]:
    """The remote actions the killed replica's unacknowledged entries were about."""
    return {read_element(element).remote_action_id for element in kill.entries.values()}


async def burst_with_a_kill(group: Cluster, victim: Replica) -> Kill:
    """Commands to both replicas, their notifications through the proxy; the victim killed in the middle."""
    texts = [f"{action} {vehicle}" for action in ACTIONS for vehicle in VEHICLES]
    waves = [texts[start::3] for start in range(3)]
    group.simulator.hold_deliveries()  # the first wave's notifications arrive together, as a backlog

    async def send(wave: list[str]) -> None:
        await asyncio.gather(*(command(group.replicas, number, text) for number, text in enumerate(wave)))

    async def first_wave_sent() -> bool:
        return len(group.simulator.remote_posts) >= len(waves[0]) // 2

    await send(waves[0])
    await wait_until(first_wave_sent, "the vehicle cloud got half the first wave", timeout=20)
    group.simulator.release_deliveries()

    async def kill() -> Kill:
        async def delivered_to_victim() -> bool:
            return group.proxy.forwarded[victim.url] >= 2

        await wait_until(delivered_to_victim, "notifications reached the victim", timeout=20)
        return await kill_while_holding_entries(group, victim, timeout=20)

    killing = asyncio.create_task(kill())
    await send(waves[1])
    await send(waves[2])
    return await killing


@pytest.mark.parametrize("api", ["connected-car-v1", "fleet-v3"])
async def test_a_replica_killed_mid_burst_leaves_nothing_unfinished_and_sends_nothing_twice(
    redis_url: str, key_prefix: str, tmp_path: Path, api: str
) -> None:
    """Every request ends and is shown with its reply; no remote sent twice; the dead one's entries done."""
    async with cluster(redis_url, key_prefix, tmp_path, SETTINGS, api=api) as group:
        _survivor, victim = group.replicas
        kill = await burst_with_a_kill(group, victim)
        assert kill.entries, "the victim held inbox entries when it was killed"
        await wait_settled(group, timeout=25)

        records = await requests(group)
        labels = Counter(post.body.get("label") for post in group.simulator.remote_posts)
        assert labels and max(labels.values()) == 1, f"a remote was sent twice: {labels.most_common(3)}"
        assert set(labels) <= {record.label for record in records}
        accepted = {remote.parsed.label for remote in group.simulator.remotes}
        unconfirmed = {record.label for record in records if record.status is RequestStatus.UNCONFIRMED}
        assert not unconfirmed & accepted, "a request the vendor took ended unconfirmed, not found by label"
        by_id = {record.id: record for record in records}
        for remote in remote_ids(kill):  # what the dead replica's entries were about has ended
            request_id = await group.redis.get(group.keys.remote_map(remote))
            assert request_id in by_id and by_id[request_id].status.is_final
        for entry_id in kill.entries:  # acknowledged (by the survivor: the victim is dead) and deleted
            assert not await group.redis.xrange(group.keys.inbox(), entry_id, entry_id)
        twice = {
            record.id
            for record in records
            if record.message_ts and len(group.slack.replies(CHANNEL, record.message_ts)) > 1
        }
        assert twice <= kill.reply_leases, f"second replies not explained by the kill: {twice}"
        print(
            f"\n{len(records)} requests {dict(Counter(str(r.status) for r in records))}, "
            f"{len(kill.entries)} inbox entries held by the killed replica, "
            f"{len(kill.reply_leases)} replies leased at the kill, {len(twice)} of them posted twice; "
            f"the proxy forwarded {group.proxy.forwarded}"
        )

"""The vendor callback endpoint: authentication, batches, quarantine, size limit, durability."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.runtime.embedded_redis import EmbeddedRedis
from bot.store.records import RequestStatus
from tests.app_support import CALLBACK_TOKEN, BotUnderTest, wait_until
from tests.pipeline_support import notification, post, running_bot, seed_request, wait_status


async def _xlen(bot: BotUnderTest, key: str) -> int:
    return int(await bot.services.redis.xlen(key))


async def test_wrong_or_missing_token_is_401_and_nothing_is_stored(bot: BotUnderTest) -> None:
    """Without a valid header or body token the vendor gets 401 and neither inbox nor quarantine grows."""
    body = notification("r-1", "Done", "Success", token="wrong")
    assert (await post(bot, body, bearer="wrong")).status == 401
    assert (await post(bot, body, bearer=None)).status == 401
    assert (await post(bot, None, bearer=None, raw=b"not json")).status == 401
    assert await _xlen(bot, bot.services.keys.inbox()) == 0
    assert await _xlen(bot, bot.services.keys.quarantine()) == 0


async def test_batch_of_100_authenticated_by_body_attribute_lands_in_100_messages(bot: BotUnderTest) -> None:
    """A header-less JSON array of 100 notifications with a cbtoken each updates 100 request messages."""
    seeded = [await seed_request(bot) for _ in range(100)]
    batch = [notification(remote, "Done", "Success", token=CALLBACK_TOKEN) for _, remote in seeded]
    assert (await post(bot, batch, bearer=None)).status == 200
    for record, _ in seeded:
        await wait_status(bot.services, record.id, RequestStatus.SUCCESS, timeout=15)
    # An event nobody mapped yet stays parked: what is kept of it must not hold the secret.
    unmapped = notification("not-mapped-yet", "Done", "Success", token=CALLBACK_TOKEN)
    assert (await post(bot, [unmapped, unmapped], bearer=None)).status == 200
    parked_key = bot.services.keys.parked("not-mapped-yet")
    await wait_until(lambda: _has_items(bot, parked_key))
    kept = await bot.services.redis.lrange(parked_key, 0, -1)
    assert "not-mapped-yet" in str(kept) and CALLBACK_TOKEN not in str(kept)


async def _has_items(bot: BotUnderTest, key: str) -> bool:
    return bool(await bot.services.redis.llen(key))


async def test_batch_elements_without_token_are_quarantined_and_counted(bot: BotUnderTest) -> None:
    """In a batch, elements with a bad token are quarantined and counted while the others are processed."""
    record, remote = await seed_request(bot)
    batch = [
        notification(remote, "Done", "Success", token=CALLBACK_TOKEN),
        notification("someone-else", "Done", "Success", token="forged"),
    ]
    assert (await post(bot, batch, bearer=None)).status == 200
    await wait_status(bot.services, record.id, RequestStatus.SUCCESS)
    assert await _xlen(bot, bot.services.keys.quarantine()) == 1
    assert _counted(bot, "quarantined") == 1


async def test_authenticated_garbage_is_quarantined_and_answered_200(bot: BotUnderTest) -> None:
    """An authenticated body that is not JSON or not a notification is kept in quarantine and answered 200."""
    assert (await post(bot, None, raw=b"\x00garbage")).status == 200
    assert (await post(bot, {"hello": "world"})).status == 200
    assert await _xlen(bot, bot.services.keys.quarantine()) == 2
    assert await _xlen(bot, bot.services.keys.inbox()) == 0


async def test_body_over_one_mebibyte_is_413_and_counted(bot: BotUnderTest) -> None:
    """A body over 1 MiB is refused with 413 and counted."""
    response = await post(bot, None, raw=b"[" + b" " * (1024 * 1024) + b"]")
    assert response.status == 413
    assert _counted(bot, "oversized") == 1


def _counted(bot: BotUnderTest, fate: str) -> float:
    """How many notifications the bot's metrics counted with `fate`."""
    value = bot.services.metrics.registry.get_sample_value("remote_bot_notifications_total", {"fate": fate})
    return value or 0.0


@pytest.fixture
async def own_redis() -> AsyncIterator[EmbeddedRedis]:
    """A Redis server this test may stop and start."""
    with EmbeddedRedis() as server:
        yield server


async def test_redis_down_gives_500_and_the_redelivery_completes(own_redis: EmbeddedRedis) -> None:
    """While Redis is stopped the callback answers 500; the same notification after it returns completes."""
    async with running_bot(own_redis.url, "t:down:") as bot:
        record, remote = await seed_request(bot)
        await bot.services.redis.save()  # the restart reloads this snapshot
        own_redis.stop()
        body = notification(remote, "Done", "Success")
        assert (await post(bot, body)).status == 500
        own_redis.start()

        async def accepted() -> bool:
            return (await post(bot, body)).status == 200

        await wait_until(accepted, timeout=10)
        await wait_status(bot.services, record.id, RequestStatus.SUCCESS, timeout=10)


async def test_an_empty_batch_with_a_valid_token_is_200(bot: BotUnderTest) -> None:
    """`[]` or `{"events": []}` holds nothing to store: 200, so the vendor does not redeliver it for 72 h."""
    assert (await post(bot, [])).status == 200
    assert (await post(bot, {"callbackId": "cb", "events": []})).status == 200
    assert await _xlen(bot, bot.services.keys.inbox()) == 0


async def test_more_elements_than_the_cap_are_refused_and_nothing_is_stored(bot: BotUnderTest) -> None:
    """A body of 101 notifications (the vendor batches at most 100) is refused whole with 413."""
    batch = [notification(f"r-{i}", "Pending", "Accepted", token=CALLBACK_TOKEN) for i in range(101)]
    assert (await post(bot, batch, bearer=None)).status == 413
    assert await _xlen(bot, bot.services.keys.inbox()) == 0


async def test_deeply_nested_json_is_never_a_500(bot: BotUnderTest) -> None:
    """Nesting that would exhaust Python's recursion is refused (401) or quarantined (200), never a 500."""
    deep = b"[" * 100_000 + b"]" * 100_000
    assert (await post(bot, None, bearer=None, raw=deep + CALLBACK_TOKEN.encode())).status == 401
    assert (await post(bot, None, raw=deep)).status == 200  # authenticated: kept in quarantine
    nested: object = {}
    for _ in range(100):
        nested = {"remoteEvent": nested}
    assert (await post(bot, nested)).status == 200
    assert await _xlen(bot, bot.services.keys.inbox()) == 0


async def test_a_batch_that_cannot_be_stored_whole_stores_nothing_and_gets_500(bot: BotUnderTest) -> None:
    """A body whose quarantined element cannot be written stores none of its elements and answers 500 (the
    vendor redelivers it whole); once storage works, the redelivery is stored and applied."""
    record, remote = await seed_request(bot)
    batch = [
        notification(remote, "Done", "Success", token=CALLBACK_TOKEN),
        notification("someone-else", "Done", "Success", token="forged"),
    ]
    await bot.services.redis.set(bot.services.keys.quarantine(), "not a stream")  # the quarantine breaks
    assert (await post(bot, batch, bearer=None)).status == 500
    assert await _xlen(bot, bot.services.keys.inbox()) == 0
    await bot.services.redis.delete(bot.services.keys.quarantine())
    assert (await post(bot, batch, bearer=None)).status == 200
    await wait_status(bot.services, record.id, RequestStatus.SUCCESS)

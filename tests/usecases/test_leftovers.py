"""Request messages a failover left behind their stored state are found by the leftovers check and shown."""

from __future__ import annotations

import time

from bot.app import finish_leftovers_forever
from bot.store.records import RequestRecord, RequestStatus
from tests.app_support import CHANNEL, wait_until
from tests.pipeline_support import running_bot, seed_request, stored, wait_rendered


async def test_a_change_whose_render_was_never_queued_is_shown_by_the_leftovers_check(
    redis_url: str, key_prefix: str
) -> None:
    """A request whose record moved on while its render could not be queued (Redis refused the write)
    is neither queued nor being rendered: the periodic check queues it, and the message shows it."""
    async with running_bot(
        redis_url, key_prefix, background=[finish_leftovers_forever], leftover_check_seconds=0.2
    ) as bot:
        services = bot.services
        record, _remote = await seed_request(bot, status=RequestStatus.ACCEPTED)
        await services.requests.set_deadline(record.id, time.time() + 600)  # as the 202 sets it
        await services.messages.show_latest(record.id)
        await wait_rendered(bot, record)

        def sent_to_vehicle(stored_record: RequestRecord) -> None:
            stored_record.status = RequestStatus.PENDING
            stored_record.vendor_status = "SentToVehicle"
            stored_record.add_step("SentToVehicle")

        # The change is stored; the render it needs is not queued (the write that would queue it failed).
        moved = await services.requests.update(record.id, sent_to_vehicle)
        queues = (services.keys.pending_finals(), services.keys.pending_updates())
        assert [await services.redis.zscore(queue, record.id) for queue in queues] == [None, None]
        assert moved.shown_version < moved.version

        async def shown() -> bool:
            latest = await stored(services, record.id)
            return latest.shown_version == latest.version

        await wait_until(shown, timeout=10)
        assert record.message_ts is not None
        message = bot.slack.message(CHANNEL, record.message_ts)
        assert message is not None
        assert "Sent to the vehicle" in message.text, message.text

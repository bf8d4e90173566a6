"""Start-up and shutdown: nothing in flight is cut off, nothing stuck stays stuck."""

from __future__ import annotations

import time

from bot.store.records import RequestRecord, RequestStatus
from bot.usecases.dispatch import reconcile_stale_sends
from tests.app_support import SECURITY, BotUnderTest


async def test_shutdown_lets_a_request_in_flight_finish(bot: BotUnderTest) -> None:
    """A shutdown while the vendor is still answering waits for the request to get its remoteActionId."""
    bot.simulator.stall_remote_posts(0.3)
    await bot.command("horn van-12", user=SECURITY)
    await bot.wait_for_request_message()  # the request is now waiting on the vendor's late answer
    await bot.shut_down()
    (record,) = await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012")
    assert record.remote_action_id is not None
    assert len(bot.simulator.remote_posts) == 1


async def test_request_stuck_in_sending_is_reconciled_and_never_posted_again(bot: BotUnderTest) -> None:
    """A request left in "sending" (a crash before the 202) that the vendor never got is marked refused."""
    stuck = RequestRecord(
        id="stuck01",
        action="lock",
        summary="lock the doors",
        vin="VR3UHZKXZLT000012",
        requester=SECURITY,
        channel="C0FLEETOPS",
        remote_body={"locking": {"state": "Locked"}},
        created_at=time.time() - 120,
    )
    stuck.sending_since = stuck.created_at
    assert await bot.services.requests.create(stuck) is None
    assert await reconcile_stale_sends(bot.services) == 1
    record = await bot.services.requests.get("stuck01")
    assert record is not None and record.status is RequestStatus.REFUSED
    assert "never confirmed" in (record.refusal or "")
    assert bot.simulator.remote_posts == []

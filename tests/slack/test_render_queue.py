"""The render queue: final states are rendered before progress updates that were queued earlier."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.notifications.apply import Pipeline
from bot.slack.updates import Rendered, Renderer
from bot.store.records import RequestRecord, RequestStatus
from bot.vehicle.notifications import parse_element
from tests.app_support import wait_until
from tests.pipeline_support import notification, running_bot, seed_request


async def test_final_states_are_rendered_before_older_progress_updates(
    redis_url: str, key_prefix: str
) -> None:
    """A backlog of Pending updates does not hold back a request's Done: it is taken first."""
    async with running_bot(redis_url, key_prefix, pipeline=False) as bot:
        pipeline = Pipeline(bot.services)
        progressing = [await seed_request(bot) for _ in range(3)]
        finishing, finishing_remote = await seed_request(bot)
        for _, remote in progressing:
            await pipeline.transitions.apply_event(
                parse_element(notification(remote, "Pending", "SentToVehicle"))
            )
        await pipeline.transitions.apply_event(
            parse_element(notification(finishing_remote, "Done", "Success"))
        )

        due = await Renderer(bot.services).due(limit=4)

        assert due[0] == finishing.id
        assert set(due[1:]) == {record.id for record, _ in progressing}


async def test_transition_queues_its_render_even_when_nothing_renders_it_yet(
    redis_url: str, key_prefix: str
) -> None:
    """An applied transition has queued its render by the time it returns, with no renderer running."""
    async with running_bot(redis_url, key_prefix, pipeline=False) as bot:
        record, remote = await seed_request(bot)
        transitions = Pipeline(bot.services).transitions
        result = await transitions.apply_event(parse_element(notification(remote, "Pending", "Accepted")))
        assert result.changed
        assert await Renderer(bot.services).due(limit=10) == [record.id]


async def test_a_final_state_written_outside_a_transition_queues_its_render_too(
    redis_url: str, key_prefix: str
) -> None:
    """A refusal stored by a replica that dies before rendering it is still queued for another to show."""
    async with running_bot(redis_url, key_prefix, pipeline=False) as bot:
        record, _ = await seed_request(bot, status=RequestStatus.SENDING)

        def refused(stored: RequestRecord) -> None:
            stored.status = RequestStatus.REFUSED
            stored.add_step("refused", detail="not supported")

        await bot.services.requests.update(record.id, refused)  # and the replica dies: no show_latest
        assert await Renderer(bot.services).due(limit=10) == [record.id]


@asynccontextmanager
async def _slack_that_never_answers() -> AsyncIterator[str]:
    """A Slack Web API address whose calls hang, like a replica that froze or died mid-render."""
    released = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await released.wait()
        return web.json_response({"ok": False, "error": "gone"})

    app = web.Application()
    app.router.add_post("/api/{method}", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/api/"
    finally:
        released.set()
        await runner.cleanup()


async def test_render_left_by_a_dead_renderer_is_taken_again_after_its_lease(
    redis_url: str, key_prefix: str
) -> None:
    """A renderer that dies mid chat.update does not take the request out of the queue for good."""
    async with running_bot(redis_url, key_prefix, pipeline=False) as bot, _slack_that_never_answers() as url:
        record, remote = await seed_request(bot)
        await Pipeline(bot.services).transitions.apply_event(
            parse_element(notification(remote, "Done", "Success"))
        )
        stuck_client = AsyncWebClient(token="xoxb-stuck", base_url=url, timeout=60)
        dying = Renderer(bot.services, client=stuck_client, lease_ms=300)
        stuck = asyncio.ensure_future(dying.render(record.id))
        survivor = Renderer(bot.services)
        try:
            await wait_until(lambda: _not_due(survivor, record.id), timeout=5)  # held by the dying one

            await wait_until(lambda: _due(survivor, record.id), timeout=5)  # its hold has ended

            async def rendered() -> bool:  # BUSY for the few ms the lease may outlive the hold
                return await survivor.render(record.id) is Rendered.SENT

            await wait_until(rendered, timeout=5)
            message = bot.slack.message(record.message_channel or "", record.message_ts or "")
            assert message is not None
            assert "Done" in str(message.edits[-1].blocks)
        finally:
            stuck.cancel()


async def _due(renderer: Renderer, request_id: str) -> bool:
    return request_id in await renderer.due(limit=10)


async def _not_due(renderer: Renderer, request_id: str) -> bool:
    return not await _due(renderer, request_id)

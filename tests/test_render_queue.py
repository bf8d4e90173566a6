"""The render queue: final states are rendered before progress updates that were queued earlier."""

from __future__ import annotations

from bot.pipeline import Pipeline
from bot.renderer import Renderer
from bot.vehicle.notifications import parse_element
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
    """The state change and its queued render are one step: a crash after it cannot leave a stale message."""
    async with running_bot(redis_url, key_prefix, pipeline=False) as bot:
        record, remote = await seed_request(bot)
        transitions = Pipeline(bot.services).transitions
        result = await transitions.apply_event(parse_element(notification(remote, "Pending", "Accepted")))
        assert result.changed
        assert await Renderer(bot.services).due(limit=10) == [record.id]

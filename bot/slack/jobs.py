"""Slack output's background jobs: the deferred renders and the deferred thread replies."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from bot.runtime.loops import keep_running
from bot.slack.parts import SlackParts
from bot.slack.replies import ReplyQueue
from bot.slack.updates import Renderer

SlackJob = Callable[[SlackParts], Coroutine[Any, Any, None]]


def render_job(poll_seconds: float = 0.2) -> SlackJob:
    """A background job rendering queued request messages under the Slack budget."""

    async def job(parts: SlackParts) -> None:
        renderer = Renderer(parts)
        await keep_running("renderer", lambda: renderer.run(poll_seconds=poll_seconds), every=1.0)

    return job


def reply_job(poll_seconds: float = 0.2) -> SlackJob:
    """A background job posting queued thread replies, at most one per channel per interval."""

    async def job(parts: SlackParts) -> None:
        replies = ReplyQueue(parts)
        await keep_running("replies", lambda: replies.run(poll_seconds=poll_seconds), every=1.0)

    return job


def output_jobs(poll_seconds: float = 0.2) -> list[SlackJob]:
    """Both jobs: what a notification batch could not show at once is shown by them."""
    return [render_job(poll_seconds), reply_job(poll_seconds)]

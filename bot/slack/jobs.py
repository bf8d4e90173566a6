"""Slack output's background jobs: the deferred renders and the deferred thread replies.

Each sleeps until its next due time (read from its queue), at most `idle_seconds`, and is woken early
when this process queues it work (bot/store/wakeups.py); busy, it looks again every `poll_seconds`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from bot.runtime.loops import keep_running
from bot.slack.batch_messages import BatchRenderer
from bot.slack.parts import SlackParts
from bot.slack.replies import ReplyQueue
from bot.slack.updates import Renderer
from bot.store.batch_renders import batch_render_bell
from bot.store.batches import BatchStore
from bot.store.wakeups import render_bell, reply_bell

SlackJob = Callable[[SlackParts], Coroutine[Any, Any, None]]

# The longest an idle job sleeps: what bounds the delay of work that another replica queued and could
# not do itself (it died), at two Redis round trips per look.
IDLE_SECONDS = 5.0


def render_job(poll_seconds: float = 0.2, idle_seconds: float = IDLE_SECONDS) -> SlackJob:
    """A background job rendering queued request messages under the Slack budget."""

    async def job(parts: SlackParts) -> None:
        renderer = Renderer(parts)

        async def one_round() -> float:
            return await renderer.one_round(pace=poll_seconds)

        await keep_running(
            "renderer",
            one_round,
            every=1.0,
            cap=idle_seconds,
            bell=render_bell(parts.keys),
            pace=poll_seconds,
        )

    return job


def reply_job(poll_seconds: float = 0.2, idle_seconds: float = IDLE_SECONDS) -> SlackJob:
    """A background job posting queued thread replies, at most one per channel per interval."""

    async def job(parts: SlackParts) -> None:
        replies = ReplyQueue(parts)

        async def one_round() -> float:
            return await replies.one_round(pace=poll_seconds)

        await keep_running(
            "replies", one_round, every=1.0, cap=idle_seconds, bell=reply_bell(parts.keys), pace=poll_seconds
        )

    return job


def batch_render_job(poll_seconds: float = 0.2, idle_seconds: float = IDLE_SECONDS) -> SlackJob:
    """A background job editing batch messages whose members changed, under the Slack budget."""

    async def job(parts: SlackParts) -> None:
        renderer = BatchRenderer(
            parts, BatchStore(parts.redis, parts.keys, ttl_seconds=parts.settings.mapping_ttl_seconds)
        )
        await keep_running(
            "batch messages", renderer.one_round, every=1.0, cap=idle_seconds,
            bell=batch_render_bell(parts.keys), pace=poll_seconds,
        )  # fmt: skip

    return job


def output_jobs(poll_seconds: float = 0.2, idle_seconds: float = IDLE_SECONDS) -> list[SlackJob]:
    """The three jobs: what a notification batch could not show at once is shown by them."""
    return [
        render_job(poll_seconds, idle_seconds),
        reply_job(poll_seconds, idle_seconds),
        batch_render_job(poll_seconds, idle_seconds),
    ]

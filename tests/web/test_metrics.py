"""Prometheus metrics: a scrape during a full flow shows what the bot did, on a port of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.processes import free_port
from bot.store.records import RequestStatus
from tests.app_support import CHANNEL, STRANGER, BotUnderTest, start_bot

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def scraped_bot(redis_url: str, key_prefix: str) -> AsyncIterator[tuple[BotUnderTest, str]]:
    """The served bot with its pipeline and /metrics on a free loopback port."""
    port = free_port()
    async for bot in start_bot(redis_url, key_prefix, metrics_port=port):
        yield bot, f"http://127.0.0.1:{port}/metrics"


async def _scrape(bot: BotUnderTest, url: str) -> Samples:
    async with bot.session.get(url) as answer:
        assert answer.status == 200
        text = await answer.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_a_scrape_during_a_full_flow_counts_commands_outcomes_notifications_and_calls(
    scraped_bot: tuple[BotUnderTest, str],
) -> None:
    """An unlock that ends in success, a typo and a denial are each counted; so are the notifications,
    the Slack and vendor calls and the acknowledgement latencies."""
    bot, url = scraped_bot
    await bot.command("unlock van-12")
    await bot.command("unlock van-12 sometime")
    await bot.command("lock van-12", user=STRANGER)
    await bot.last_private_answer(STRANGER)
    # The thread reply is posted once the request is final.
    await bot.slack.wait_for(lambda: [m for m in bot.slack.messages(CHANNEL) if m.thread_ts], timeout=15)
    samples = await _scrape(bot, url)

    assert _value(samples, "remote_bot_slack_requests_total", kind="command", action="unlock") == 1
    assert _value(samples, "remote_bot_slack_requests_total", kind="command", action="usage_error") == 1
    assert _value(samples, "remote_bot_audit_events_total", event="denied", action="lock") == 1
    assert _value(samples, "remote_bot_audit_events_total", event="requested", action="unlock") == 1
    assert (
        _value(
            samples,
            "remote_bot_remote_requests_finished_total",
            action="unlock",
            status=RequestStatus.SUCCESS,
        )
        == 1
    )
    assert _value(samples, "remote_bot_notifications_total", fate="accepted") >= 2  # Pending..., then Done
    assert _value(samples, "remote_bot_notifications_total", fate="applied") >= 1
    assert (
        _value(samples, "remote_bot_http_calls_total", peer="slack", call="chat.postMessage", result="200")
        >= 1
    )
    remote_call = "accounts/vehicles/{id}/channels/{id}/remotes"
    assert _value(samples, "remote_bot_http_calls_total", peer="vendor", call=remote_call, result="202") == 1
    assert _value(samples, "remote_bot_http_calls_total", peer="vendor_token", call="", result="200") >= 1
    assert _value(samples, "remote_bot_slack_ack_seconds_count") == 3
    assert _value(samples, "remote_bot_notification_to_update_seconds_count") >= 1


async def test_metrics_are_not_served_on_the_public_port(scraped_bot: tuple[BotUnderTest, str]) -> None:
    """/metrics lives only on METRICS_PORT: the port facing Slack and the vendor does not serve it."""
    bot, url = scraped_bot
    async with bot.session.get(bot.url + "/metrics") as public:
        assert public.status == 404
    await _scrape(bot, url)

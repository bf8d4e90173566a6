"""What the replica acknowledgement costs the vendor callback: accepted notifications with and without WAIT.

Run: `.venv/bin/python -m bench.replica_wait_bench [--seconds 4] [--rounds 3]`. A primary and its replica
(the embedded redis-server, loopback ports) serve a bot process (the endpoint alone, no worker) started
with REDIS_MIN_REPLICAS=0 and then =1, in interleaved rounds; a load process POSTs notifications back to
back, one at a time and 32 at once, single events and batches of 100. It prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import uuid
from typing import Any

from bench.pipeline_processes import TOKEN, Child, batch_requests, bot_process, run_load, single_requests
from bot.runtime.embedded_sentinel import ReplicatedRedis
from bot.slack_emulator import DEFAULT_BOT_TOKEN, SlackState, start_slack_emulator

REMOTES = 2500
LOADS = (  # label, events per POST, concurrent senders
    ("single events, 1 at a time", 1, 1),
    ("single events, 32 at once", 1, 32),
    ("batches of 100, 32 at once", 100, 32),
)


def _settings(redis_url: str, slack_api_url: str) -> dict[str, Any]:
    return {
        "slack_bot_token": DEFAULT_BOT_TOKEN, "slack_signing_secret": "bench-signing-secret",
        "slack_api_url": slack_api_url, "stellantis_api_url": "http://127.0.0.1:9/api",
        "stellantis_token_url": "http://127.0.0.1:9/token", "stellantis_client_id": "bench",
        "stellantis_scope": "remote", "stellantis_channel_id": "bench-channel",
        "callback_public_url": "http://127.0.0.1:9", "callback_tokens": TOKEN,
        "redis_url": redis_url,
    }  # fmt: skip


async def _accepted(
    settings: dict[str, Any], min_replicas: int, load: tuple[str, int, int], seconds: float, logs: str
) -> tuple[float, int]:
    """Accepted events per second and answers other than 200, against a fresh bot process."""
    settings = {
        **settings,
        "redis_min_replicas": min_replicas,
        "redis_key_prefix": f"bench:{uuid.uuid4().hex[:8]}:",
    }
    _label, per_post, concurrency = load
    log_file = os.path.join(logs, f"bot-{min_replicas}.log")
    bot = await asyncio.to_thread(Child, bot_process, settings, False, log_file, None, False)
    try:
        make = single_requests if per_post == 1 else batch_requests
        bodies = make([uuid.uuid4().hex for _ in range(REMOTES)])
        ok, failed = await run_load(bot.port, bodies, concurrency=concurrency, seconds=seconds)
    finally:
        await asyncio.to_thread(bot.stop)
    return ok * per_post / seconds, failed


async def main(seconds: float, rounds: int) -> None:
    """Start the primary and replica, run each load with and without WAIT in rounds, print the medians."""
    slack = await start_slack_emulator(SlackState())
    with ReplicatedRedis(sentinels=0, min_replicas_to_write=0) as pair, tempfile.TemporaryDirectory() as logs:
        settings = _settings(f"redis://127.0.0.1:{pair.data_ports[0]}/0", slack.api_url)
        print(
            f"primary :{pair.data_ports[0]}, replica :{pair.data_ports[1]}; {rounds} rounds of {seconds:g} s"
        )
        for load in LOADS:
            label, _per_post, concurrency = load
            rates: dict[int, list[float]] = {0: [], 1: []}
            refused = {0: 0, 1: 0}
            for _ in range(rounds):
                for min_replicas in (0, 1):
                    rate, failed = await _accepted(settings, min_replicas, load, seconds, logs)
                    rates[min_replicas].append(rate)
                    refused[min_replicas] += failed
            without, with_wait = statistics.median(rates[0]), statistics.median(rates[1])
            latency = (
                ""
                if concurrency > 1
                else f"; per answer {1000 / without:.2f} ms -> {1000 / with_wait:.2f} ms"
            )
            print(
                f"{label}: without WAIT {without:.0f} events/s, with WAIT 1 {with_wait:.0f} events/s "
                f"({with_wait / without:.2f}x){latency}; not 200: {refused[0]} / {refused[1]}",
                flush=True,
            )
    await slack.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.seconds, options.rounds))

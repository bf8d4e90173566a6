"""Schemathesis against the vendor's webhook templates, aimed at the bot's callback: never a server error.

Install the tool once: `.venv/bin/pip install -e '.[fuzz]'`. Run: `.venv/bin/python -m bench.fuzz_callback
[--examples 500]`. The vendor's templates (../shared/spec/stellantis/.../api-b2b-webhook-template-v3.yaml and
api-b2c-webhook-template.yaml) describe `/remote/webhook` and `/messages/webhook`, with 202/201 as success;
the bot serves one callback, so each template's operation is moved onto /stellantis/notifications, without
the templates' placeholder header parameters. Every generated body (valid ones, and invalid ones from
Schemathesis's negative mode) is sent twice: with the callback's bearer token and without any. An answer
outside 200, 400, 401 and 413 (a 5xx above all) is a failure, printed with a curl line to reproduce it.

The bot (`remote-bot serve`) and the simulator run as processes of their own on an embedded Redis (or
REDIS_URL), as in the other benches. Exits 0 with a message when the templates or Schemathesis are
absent, 1 when a request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import importlib.util
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bench.processes import served_bot
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.web.names import CALLBACK_PATH

if TYPE_CHECKING:
    from schemathesis import APIOperation, GenerationMode

SPEC_ROOT = Path(__file__).resolve().parents[2] / "shared" / "spec" / "stellantis"
TEMPLATES = {
    "/remote/webhook": SPEC_ROOT / "stellantis.github.io/assets/openapi/api-b2b-webhook-template-v3.yaml",
    "/messages/webhook": SPEC_ROOT / "stellantis.github.io/assets/openapi/api-b2c-webhook-template.yaml",
}
TOKEN = "bench-callback-token"  # bench.processes.bot_env's CALLBACK_TOKENS
ALLOWED = frozenset({200, 400, 401, 413})
SHOWN_FAILURES = 5


@dataclass
class Tally:
    """Answers by template, authentication and status, and the failures with their reproduction."""

    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def template_on_callback(path: str, source: Path) -> dict[str, Any]:
    """The template reduced to its POST `path`, moved onto the bot's callback path, parameters dropped."""
    # One vendor file has a stray Latin-1 byte and tabs in descriptions: neither matters here.
    text = source.read_bytes().decode("utf-8", errors="replace").replace("\t", " ")
    spec = yaml.safe_load(text)
    operation = copy.deepcopy(spec["paths"][path]["post"])
    operation.pop("parameters", None)  # `<header-attribute-key>`: placeholders for the registered attributes
    operation.pop("security", None)
    operation["responses"] = {"200": {"description": "stored"}}
    spec["paths"] = {CALLBACK_PATH: {"post": operation}}
    spec.pop("security", None)
    return dict(spec)


def fuzz(
    operation: APIOperation[Any, Any, Any, Any], template: str, base_url: str, examples: int, tally: Tally
) -> None:
    """Send `examples` generated cases of each mode (valid and invalid bodies), with and without the token."""
    from schemathesis import GenerationMode

    for mode in GenerationMode:
        fuzz_mode(operation, mode, f"{template} {mode.value}", base_url, examples, tally)


def fuzz_mode(
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    name: str,
    base_url: str,
    examples: int,
    tally: Tally,
) -> None:
    """Send `examples` cases of one generation mode, each with the bearer token and without."""
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        for auth, headers in (("bearer", {"Authorization": f"Bearer {TOKEN}"}), ("no token", {})):
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            tally.answers[(name, auth, response.status_code)] += 1
            if response.status_code not in ALLOWED:
                curl = case.as_curl_command(headers=headers, base_url=base_url)
                tally.failures.append(f"{response.status_code} ({name}, {auth}): {curl}")

    run()


def report(tally: Tally) -> None:
    """Print the answers by template, mode, authentication and status, then the failures."""
    for (template, auth, status), count in sorted(tally.answers.items()):
        print(f"  {template:<32} {auth:<9} HTTP {status}: {count}")
    total = sum(tally.answers.values())
    print(f"{total} requests, {len(tally.failures)} outside {sorted(ALLOWED)}")
    for failure in tally.failures[:SHOWN_FAILURES]:
        print("  " + failure)


async def main(examples: int) -> int:
    """Start the processes, fuzz each template in a thread (the Slack emulator runs on this loop)."""
    import schemathesis

    missing = [str(path) for path in TEMPLATES.values() if not path.is_file()]
    if missing:
        print(f"skipped: the vendor's webhook templates are absent ({', '.join(missing)})")
        return 0
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis().start()
    redis_url = os.environ.get("REDIS_URL") or (embedded.url if embedded else "")
    tally = Tally()
    try:
        async with served_bot(redis_url) as (_state, driver):
            base_url = driver.events_url.removesuffix("/slack/events")
            for template, source in TEMPLATES.items():
                schema = schemathesis.openapi.from_dict(template_on_callback(template, source))
                operation = schema[CALLBACK_PATH]["POST"]
                await asyncio.to_thread(fuzz, operation, template, base_url, examples, tally)
    finally:
        if embedded is not None:
            embedded.close()
    print(f"schemathesis {schemathesis.__version__}, {examples} examples per template and mode:")
    report(tally)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=500)
    arguments = parser.parse_args()
    if importlib.util.find_spec("schemathesis") is None:
        print("skipped: schemathesis is not installed (.venv/bin/pip install -e '.[fuzz]')")
        sys.exit(0)
    sys.exit(asyncio.run(main(arguments.examples)))

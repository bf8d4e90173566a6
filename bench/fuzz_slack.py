"""Hypothesis against `/slack/events`: what a served bot answers to varied shapes, signed and not.

Run: `.venv/bin/python -m bench.fuzz_slack [--examples 3500] [--log build/fuzz_slack.log]`. Each example is
one request: a slash command form, an interactivity payload (the bot's buttons and kinds it does not
use, with channels, users, actions and response URLs of every shape), an Events API envelope, a
`url_verification` or `ssl_check`, arbitrary JSON or bytes; under any content type; signed as Slack
signs, unsigned, with a wrong signature, or with a timestamp header that is stale, huge, signed,
fractional or not ASCII. It is a measurement and asserts nothing: it prints the answers by signing mode
and shape, the 5xx count, the slowest answer and the answers over a second, then what the bot's log
holds (lines, lines by level, tracebacks).

The bot (`remote-bot serve`) and the simulator run as processes of their own on an embedded Redis (or
REDIS_URL), as in the other benches; the bot's log goes to `--log`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bench.processes import CHANNEL, SIGNING_SECRET, USER, served_bot
from bot.runtime.embedded_redis import EmbeddedRedis
from bot.slack.blocks import ButtonId
from bot.slack_emulator.driver import SlackDriver
from bot.slack_emulator.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

FORM = "application/x-www-form-urlencoded"
SLOW_SECONDS = 1.0
LEVEL = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@dataclass(frozen=True)
class Shot:
    """One request: its shape's name, body, content type and how it is signed."""

    shape: str
    body: bytes
    content_type: str | None
    signing: str


@dataclass
class Tally:
    """Answers by signing mode, shape and status; the slowest answer; answers over SLOW_SECONDS."""

    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    slowest: float = 0.0
    slow: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)


# --- the shapes ---------------------------------------------------------------------------------------

text = st.text(max_size=40)
ids = st.one_of(st.sampled_from([USER, CHANNEL, "U0OTHER", "C0OTHER", "", "W123"]), text)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value (half the time), or a value of any other JSON type, or (None) the key left out."""
    return st.one_of(strategy, strategy, json_values, st.just(None))


def fields(**values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object from per-key strategies; a key whose draw is None is left out."""
    return st.fixed_dictionaries(values).map(lambda drawn: {k: v for k, v in drawn.items() if v is not None})


response_urls = st.sampled_from(
    [
        "http://127.0.0.1:1/response",  # an origin the bot does not answer to
        "https://hooks.slack.com/commands/T0/1/abc",
        "javascript:alert(1)",
        "",
    ]
)
action_ids = st.one_of(
    st.sampled_from(
        [
            *(ButtonId.CONFIRM, ButtonId.CANCEL, ButtonId.APPROVE, ButtonId.REJECT, ButtonId.RETRY),
            *(ButtonId.CARD, f"{ButtonId.CARD}_lock", f"{ButtonId.CARD}_"),
        ]
    ),
    text,
)
actions = fields(
    action_id=maybe(action_ids),
    value=maybe(st.one_of(text, st.builds(json.dumps, json_values))),
    block_id=maybe(text),
    type=maybe(st.sampled_from(["button", "static_select"])),
)
channels = st.one_of(fields(id=maybe(ids), name=maybe(text)), st.lists(ids, max_size=2), ids, st.none())
users = st.one_of(fields(id=maybe(ids), username=maybe(text)), ids, st.none())
payload_kinds = st.one_of(
    st.sampled_from(
        [
            "block_actions", "view_submission", "view_closed", "shortcut", "message_action",
            "workflow_step_edit", "interactive_message", "block_suggestion", "dialog_submission",
        ]
    ),
    text,
)  # fmt: skip
payloads = fields(
    type=maybe(payload_kinds),
    team=maybe(fields(id=maybe(ids))),
    user=users,
    channel=channels,
    actions=maybe(st.lists(actions, max_size=3)),
    response_url=maybe(response_urls),
    trigger_id=maybe(text),
    api_app_id=maybe(st.sampled_from(["A0EMULATOR", "A0OTHER"])),
    container=maybe(fields(type=maybe(text), message_ts=maybe(text), channel_id=maybe(ids))),
    message=maybe(fields(ts=maybe(text), text=maybe(text), blocks=maybe(st.lists(json_values, max_size=2)))),
    view=maybe(fields(id=maybe(text), callback_id=maybe(text), state=maybe(json_values))),
    callback_id=maybe(text),
    workflow_step=maybe(json_values),
)
command_texts = st.one_of(
    st.sampled_from(["help", "lock van-12", "status van-12", "horn van-12", "history 000012", "list", ""]),
    text,
    st.builds(lambda verb, rest: f"{verb} {rest}", st.sampled_from(["lock", "unlock", "locate"]), text),
)
commands = fields(
    command=maybe(st.sampled_from(["/vehicle", "/other", "vehicle", ""])),
    text=maybe(command_texts),
    user_id=maybe(ids),
    user_name=maybe(text),
    channel_id=maybe(ids),
    team_id=maybe(ids),
    response_url=maybe(response_urls),
    trigger_id=maybe(text),
    api_app_id=maybe(st.sampled_from(["A0EMULATOR", "A0OTHER"])),
)
events = fields(
    type=maybe(st.sampled_from(["event_callback", "app_rate_limited", "url_verification", "block_actions"])),
    token=maybe(text),
    challenge=maybe(text),
    team_id=maybe(ids),
    api_app_id=maybe(st.sampled_from(["A0EMULATOR", "A0OTHER"])),
    event=maybe(
        fields(
            type=maybe(st.sampled_from(["app_mention", "message", "app_home_opened", "tokens_revoked"])),
            user=maybe(ids),
            channel=maybe(ids),
            text=maybe(text),
        )
    ),
)


def form(values: dict[str, Any]) -> bytes:
    """A form body: strings as they are, anything else as JSON (as a confused sender would)."""
    return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}).encode()


content_types = st.sampled_from(
    [FORM, FORM, FORM, "application/json", "text/plain", "multipart/form-data; boundary=x", None]
)
json_types = st.sampled_from(["application/json", "application/json", FORM, None])


@st.composite
def shots(draw: st.DrawFn, live_urls: list[str]) -> Shot:
    """One request of any shape, signed one way or another; `live_urls` are the emulator's response URLs."""
    shapes = ["command", "payload", "events", "ssl_check", "json", "bytes", "our command", "our button"]
    shape = draw(st.sampled_from(shapes))
    if shape == "command":
        body, content_type = form(draw(commands)), draw(content_types)
    elif shape == "our command":  # the bot's own command as Slack sends it, with any text
        values = {
            "command": "/vehicle", "text": draw(command_texts), "user_id": USER, "channel_id": CHANNEL,
            "team_id": "T0EMULATOR", "api_app_id": "A0EMULATOR", "trigger_id": draw(text),
            "response_url": draw(st.sampled_from(live_urls)),
        }  # fmt: skip
        body, content_type = form(values), FORM
    elif shape in ("payload", "our button"):
        payload = draw(payloads)
        if shape == "our button":  # a click on one of the bot's buttons, its other fields of any shape
            payload.update(type="block_actions", actions=[draw(actions) | {"action_id": draw(action_ids)}])
            if draw(st.integers(0, 3)):  # three in four: the user, channel and team Slack would send
                well_formed = {"user": {"id": USER}, "channel": {"id": CHANNEL}, "team": {"id": "T0EMULATOR"}}
                payload.update(well_formed, response_url=draw(st.sampled_from(live_urls)))
            body, content_type = urlencode({"payload": json.dumps(payload)}).encode(), FORM
        else:
            raw = draw(st.one_of(st.just(json.dumps(payload)), st.just(json.dumps(payload)[:-1]), text))
            extra = draw(
                st.dictionaries(
                    st.sampled_from(["payload", "ssl_check", "command", "token"]), text, max_size=2
                )
            )
            body, content_type = urlencode({**extra, "payload": raw}).encode(), draw(content_types)
    elif shape == "events":
        body, content_type = json.dumps(draw(events)).encode(), draw(json_types)
    elif shape == "ssl_check":
        body = form(draw(fields(ssl_check=maybe(st.sampled_from(["1", "0"])), token=maybe(text))))
        content_type = draw(content_types)
    elif shape == "json":
        body, content_type = json.dumps(draw(json_values)).encode(), draw(json_types)
    else:
        body, content_type = draw(st.binary(max_size=300)), draw(content_types)
    signing = draw(
        st.sampled_from(
            ["signed"] * 6 + ["unsigned", "bad signature", "stale", "odd timestamp", "no timestamp"]
        )
    )
    return Shot(shape, body, content_type, signing)


odd_timestamps = st.one_of(
    st.sampled_from(
        ["-1", "1e9", "1.5", "0x10", " 1700000000", "\u0661\u0667" + "\u0660" * 8, "9" * 309, "9" * 4301, ""]
    ),
    st.integers(min_value=0, max_value=10**40).map(str),
    # aiohttp's client refuses to send a control character in a header (raw sockets would be another bench)
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
)


def headers_for(shot: Shot, odd_timestamp: str) -> dict[str, str]:
    """The request's headers under its signing mode."""
    headers = {} if shot.content_type is None else {"Content-Type": shot.content_type}
    if shot.signing == "unsigned":
        return headers
    signed = sign(SIGNING_SECRET, shot.body)
    if shot.signing == "bad signature":
        signed[SIGNATURE_HEADER] = "v0=" + "0" * 64
    elif shot.signing == "stale":
        signed = sign(SIGNING_SECRET, shot.body, int(time.time()) - 3600)
    elif shot.signing == "odd timestamp":
        signed[TIMESTAMP_HEADER] = odd_timestamp
    elif shot.signing == "no timestamp":
        del signed[TIMESTAMP_HEADER]
    return {**headers, **signed}


# --- sending ------------------------------------------------------------------------------------------


async def send(
    session: aiohttp.ClientSession, url: str, shot: Shot, odd_timestamp: str, tally: Tally
) -> None:
    """POST the shot; count its answer under (signing, shape, status), note the slow and the 5xx."""
    headers = headers_for(shot, odd_timestamp)
    if any(not value.isascii() or not value.isprintable() for value in headers.values()):
        headers = {k: v.encode("utf-8", "replace").decode("latin-1") for k, v in headers.items()}
    started = time.monotonic()
    try:
        async with session.post(
            url, data=shot.body, headers=headers, skip_auto_headers={"Content-Type"}
        ) as answer:
            await answer.read()
            status = answer.status
    except aiohttp.ClientError as error:
        tally.answers[(shot.signing, shot.shape, -1)] += 1
        tally.server_errors.append(f"no answer ({type(error).__name__}): {shot}")
        return
    took = time.monotonic() - started
    tally.answers[(shot.signing, shot.shape, status)] += 1
    tally.slowest = max(tally.slowest, took)
    if took > SLOW_SECONDS:
        tally.slow.append(f"{took:.1f} s, HTTP {status}: {shot}")
    if status >= 500:
        tally.server_errors.append(f"HTTP {status}: {shot}")


def fuzz(loop: asyncio.AbstractEventLoop, driver: SlackDriver, live_urls: list[str], examples: int) -> Tally:
    """Generate `examples` requests with Hypothesis (in this thread) and send each on `loop`."""
    tally = Tally()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(shot=shots(live_urls), odd_timestamp=odd_timestamps)
    def run(shot: Shot, odd_timestamp: str) -> None:
        sent = send(driver.session, driver.events_url, shot, odd_timestamp, tally)
        asyncio.run_coroutine_threadsafe(sent, loop).result(timeout=60)

    run()
    return tally


def read_log(path: Path) -> tuple[int, Counter[str], int, list[str]]:
    """The log's line count, lines by level, tracebacks, and the first few ERROR or traceback lines."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    levels = Counter(match.group(1) for line in lines if (match := LEVEL.match(line)))
    tracebacks = sum(1 for line in lines if line.startswith("Traceback"))
    shown = [line for line in lines if " ERROR " in line or line.startswith("Traceback")][:5]
    return len(lines), levels, tracebacks, shown


def report(tally: Tally, log: Path) -> None:
    """Print the answers and the log's figures."""
    for (signing, shape, status), count in sorted(tally.answers.items()):
        print(f"  {signing:<14} {shape:<12} HTTP {status}: {count}")
    by_status = Counter[int]()
    for (_signing, _shape, status), count in tally.answers.items():
        by_status[status] += count
    total = sum(by_status.values())
    print(f"{total} requests; by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(by_status.items())))
    print(f"5xx or no answer: {len(tally.server_errors)}; slowest answer {tally.slowest:.3f} s; "
          f"over {SLOW_SECONDS:.0f} s: {len(tally.slow)}")  # fmt: skip
    for line in (tally.server_errors + tally.slow)[:5]:
        print("  " + line[:400])
    lines, levels, tracebacks, shown = read_log(log)
    print(f"bot log {log}: {lines} lines ({', '.join(f'{k} {v}' for k, v in sorted(levels.items()))}), "
          f"{tracebacks} tracebacks")  # fmt: skip
    for line in shown:
        print("  " + line[:300])


async def main(examples: int, log: Path) -> int:
    """Start the processes, fuzz from a thread (the Slack emulator runs on this loop), report."""
    await asyncio.to_thread(log.parent.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(log.write_bytes, b"")
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis().start()
    redis_url = os.environ.get("REDIS_URL") or (embedded.url if embedded else "")
    started = time.monotonic()
    try:
        async with served_bot(redis_url, log=log) as (state, driver):
            live_urls = [state.new_response_url(CHANNEL, USER) for _ in range(50)]
            loop = asyncio.get_running_loop()
            tally = await asyncio.to_thread(fuzz, loop, driver, live_urls, examples)
    finally:
        if embedded is not None:
            embedded.close()
    print(f"{examples} Hypothesis examples, one request each, in {time.monotonic() - started:.0f} s:")
    report(tally, log)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=3500)
    parser.add_argument("--log", default="build/fuzz_slack.log", help="where the bot's log goes")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.examples, Path(arguments.log))))

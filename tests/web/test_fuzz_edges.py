"""Property tests at the edges: any text, any body, signed or not, gets an answer and never a 5xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalogue.command import Command, CommandError, parse
from bot.slack_emulator import sign
from tests.app_support import CALLBACK_TOKEN, CHANNEL, OPERATOR, SIGNING_SECRET, BotUnderTest
from tests.pipeline_support import post

WORDS = st.sampled_from(
    ["lock", "charge", "precondition", "at", "delete", "slot", "²", "٣", "07:30", "25:99", "21C", "mon,tue",
     "van-12", "payload", "--no-refresh", "on", "off", "suppress", "7d", "48.8,2.3", "-", "\u202e", "\x00"]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=8).map(" ".join))
EDGE = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=2000, deadline=None)
@given(TEXT)
def test_the_parser_answers_any_text_with_a_command_or_a_usage_error(text: str) -> None:
    """Whatever a user types, the parser returns a command (that survives JSON) or a usage error."""
    try:
        command = parse(text)
    except CommandError as error:
        problem, usage = error.problem, error.usage
        assert problem and usage
    else:
        assert Command.model_validate_json(command.model_dump_json()) == command


def _bodies() -> st.SearchStrategy[bytes]:
    payloads = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=20,
    )
    blocks = st.fixed_dictionaries(
        {"type": st.just("block_actions"), "user": payloads, "actions": payloads, "response_url": payloads}
    )
    names = st.sampled_from(["command", "text", "user_id", "channel_id", "response_url", "payload"])
    forms = st.dictionaries(names, st.text(max_size=30))
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        forms.map(lambda d: "&".join(f"{k}={v}" for k, v in d.items()).encode()),
        blocks.map(lambda p: b"payload=" + json.dumps(p).encode()),
    )


@EDGE
@given(
    body=_bodies(),
    signed=st.booleans(),
    content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json"]),
)
async def test_slack_events_never_answers_a_5xx(
    bot: BotUnderTest, body: bytes, signed: bool, content_type: str
) -> None:
    """Any body at /slack/events, signed or not, is a 2xx or a 4xx."""
    headers = {"Content-Type": content_type, **(sign(SIGNING_SECRET, body) if signed else {})}
    async with bot.session.post(bot.url + "/slack/events", data=body, headers=headers) as response:
        await response.read()
        assert response.status < 500, (response.status, body[:80])


@EDGE
@given(body=_bodies(), bearer=st.sampled_from([None, CALLBACK_TOKEN, "wrong"]))
async def test_the_callback_never_answers_a_5xx_while_redis_is_up(
    bot: BotUnderTest, body: bytes, bearer: str | None
) -> None:
    """Any body at the vendor callback is 200, 401 or 413 (500 is kept for Redis refusing to store)."""
    response = await post(
        bot, None, bearer=bearer, raw=body + (CALLBACK_TOKEN.encode() if bearer is None else b"")
    )
    assert response.status in (200, 401, 413), (response.status, body[:80])


async def test_a_click_by_someone_nobody_knows_is_answered(bot: BotUnderTest) -> None:
    """A signed click on a button the bot never showed (unknown action id) is a quick 404-free answer."""
    response = await bot.driver.click("rb_unknown", "x", OPERATOR, CHANNEL)
    assert response.status < 500

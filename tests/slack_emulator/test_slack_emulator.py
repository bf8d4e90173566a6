"""The Slack emulator behaves like the Slack Web API for slack_sdk, and its driver signs like Slack."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack_emulator import (
    DEFAULT_BOT_TOKEN,
    METHODS,
    RunningSlack,
    SlackDriver,
    SlackState,
    sign,
    start_slack_emulator,
)
from tests.paths import SHARED

SPEC_FILE = SHARED / "spec" / "slack" / "slack_web_openapi_v2_without_examples.json"
SECRET = "test-signing-secret"
USER = "U0ALICE"
OPS = "C0OPS"
CLOSED = "C0CLOSED"

JSON = dict[str, Any]


def button(action_id: str = "go", text: str = "Go", value: str = "v") -> JSON:
    """A Block Kit button element."""
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }


def actions(*elements: JSON) -> list[JSON]:
    """A one-block message holding these elements."""
    return [{"type": "actions", "block_id": "b1", "elements": list(elements)}]


def plain(text: str) -> JSON:
    """A plain_text object."""
    return {"type": "plain_text", "text": text}


def long(n: int) -> str:
    """A string of n characters."""
    return "x" * n


def confirm(title: str = "Sure?", text: str = "Really?", yes: str = "Yes", no: str = "No") -> JSON:
    """A confirmation dialog object."""
    return {"title": plain(title), "text": plain(text), "confirm": plain(yes), "deny": plain(no)}


@pytest.fixture
async def slack() -> AsyncIterator[RunningSlack]:
    """An emulator on a free port with one user, one channel the bot is in and one it is not."""
    state = SlackState()
    state.add_user(USER, "alice", real_name="Alice A", email="alice@example.com")
    state.add_channel(OPS, "ops")
    state.add_channel(CLOSED, "closed", bot_is_member=False)
    running = await start_slack_emulator(state)
    yield running
    await running.close()


@pytest.fixture
def client(slack: RunningSlack) -> AsyncWebClient:
    """A slack_sdk client pointed at the emulator with the right bot token."""
    return AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=slack.api_url)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP session for raw requests."""
    async with aiohttp.ClientSession() as http:
        yield http


async def api_error(call: Any) -> SlackApiError:
    """The SlackApiError a client call raises."""
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value


async def test_auth_test_checks_the_bot_token(slack: RunningSlack, client: AsyncWebClient) -> None:
    """auth.test answers the bot identity for the configured token and invalid_auth/not_authed otherwise."""
    me = await client.auth_test()
    assert (me["user_id"], me["team_id"], me["bot_id"]) == ("U0BOT", "T0EMULATOR", "B0BOT")
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert (await api_error(wrong.auth_test())).response["error"] == "invalid_auth"
    anonymous = AsyncWebClient(base_url=slack.api_url)
    assert (await api_error(anonymous.auth_test())).response["error"] == "not_authed"


async def test_post_update_and_thread_are_recorded(slack: RunningSlack, client: AsyncWebClient) -> None:
    """Posting, editing twice and replying in a thread leaves the message, its edit history and the reply."""
    posted = await client.chat_postMessage(channel=OPS, text="requested", blocks=actions(button()))
    ts = posted["ts"]
    await client.chat_update(channel=OPS, ts=ts, text="pending")
    await client.chat_update(channel=OPS, ts=ts, text="done", blocks=[])
    reply = await client.chat_postMessage(channel=OPS, text="detail", thread_ts=ts)

    message = slack.state.message(OPS, ts)
    assert message is not None
    assert (message.text, message.blocks) == ("done", None)
    assert [e.text for e in message.edits] == ["pending", "done"]
    assert message.edits[0].blocks == actions(button())  # blocks kept when an update omits them
    assert [m.ts for m in slack.state.replies(OPS, ts)] == [reply["ts"]]
    assert float(reply["ts"]) > float(ts)
    assert slack.state.call_count("chat.update") == 2


async def test_ts_values_are_unique_and_increasing(client: AsyncWebClient) -> None:
    """Many quick posts get strictly increasing ts values."""
    stamps = [(await client.chat_postMessage(channel=OPS, text=str(i)))["ts"] for i in range(20)]
    assert [float(t) for t in stamps] == sorted(float(t) for t in stamps)
    assert len(set(stamps)) == len(stamps)


async def test_channel_errors(client: AsyncWebClient) -> None:
    """Posting where the bot is absent gives not_in_channel; an unknown channel gives channel_not_found."""
    assert (await api_error(client.chat_postMessage(channel=CLOSED, text="x"))).response["error"] == (
        "not_in_channel"
    )
    unknown = await api_error(client.chat_postMessage(channel="C0NOPE", text="x"))
    assert unknown.response["error"] == "channel_not_found"


async def test_posting_to_a_user_id_opens_a_dm(slack: RunningSlack, client: AsyncWebClient) -> None:
    """chat.postMessage to a user id lands in the bot's DM with them, the one conversations.open gives."""
    posted = await client.chat_postMessage(channel=USER, text="hi")
    opened = await client.conversations_open(users=USER)
    assert posted["channel"] == opened["channel"]["id"]
    assert posted["channel"].startswith("D")
    assert slack.state.channels[posted["channel"]].is_im


async def test_ephemeral_cannot_be_updated(slack: RunningSlack, client: AsyncWebClient) -> None:
    """An ephemeral is stored for its user, and chat.update on it answers message_not_found."""
    sent = await client.chat_postEphemeral(channel=OPS, user=USER, text="only you")
    [ephemeral] = slack.state.ephemerals(OPS, USER)
    assert (ephemeral.ts, ephemeral.text) == (sent["message_ts"], "only you")
    refused = await api_error(client.chat_update(channel=OPS, ts=sent["message_ts"], text="edited"))
    assert refused.response["error"] == "message_not_found"
    assert ephemeral.edits == []


async def test_form_encoded_bodies_and_required_params(
    slack: RunningSlack, session: aiohttp.ClientSession
) -> None:
    """A form-encoded call with JSON-string blocks works; a missing channel gives invalid_arguments."""
    auth = {"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"}
    form = {"channel": OPS, "text": "form", "blocks": json.dumps(actions(button()))}
    async with session.post(f"{slack.api_url}chat.postMessage", data=form, headers=auth) as resp:
        body = await resp.json()
    assert body["ok"] is True
    assert slack.state.messages(OPS)[-1].blocks == actions(button())
    async with session.post(f"{slack.api_url}chat.postMessage", data={"text": "x"}, headers=auth) as resp:
        body = await resp.json()
    assert body["error"] == "invalid_arguments"
    assert "token" not in slack.state.calls("chat.postMessage")[0].params


async def test_lookups(slack: RunningSlack, client: AsyncWebClient) -> None:
    """users.info, usergroups.users.list and chat.getPermalink answer from the state."""
    slack.state.add_usergroup("S0OPS", "fleet-ops", [USER])
    assert (await client.users_info(user=USER))["user"]["profile"]["email"] == "alice@example.com"
    assert (await client.usergroups_users_list(usergroup="S0OPS"))["users"] == [USER]
    assert (await api_error(client.users_info(user="U0NOPE"))).response["error"] == "user_not_found"
    ts = (await client.chat_postMessage(channel=OPS, text="x"))["ts"]
    link = await client.chat_getPermalink(channel=OPS, message_ts=ts)
    assert link["permalink"].endswith(f"/archives/{OPS}/p{ts.replace('.', '')}")


async def test_response_url_replaces_its_ephemeral(slack: RunningSlack) -> None:
    """replace_original through an ephemeral's response_url edits that ephemeral; a plain post adds one."""
    state = slack.state
    ephemeral = state.add_ephemeral(OPS, USER, "confirm?", actions(button()))
    webhook = AsyncWebhookClient(state.new_response_url(OPS, USER, ephemeral_id=ephemeral.id))
    assert (await webhook.send(text="confirmed", replace_original=True)).status_code == 200
    assert (ephemeral.text, ephemeral.blocks, len(ephemeral.edits)) == ("confirmed", None, 1)
    await webhook.send(text="note")
    assert [e.text for e in state.ephemerals(OPS, USER)] == ["confirmed", "note"]
    await webhook.send(text="for all", response_type="in_channel")
    assert state.messages(OPS)[-1].text == "for all"
    await webhook.send(delete_original=True)
    assert [e.text for e in state.ephemerals(OPS, USER)] == ["note"]


async def test_response_url_five_uses_then_used_url(slack: RunningSlack) -> None:
    """A response_url accepts five posts; the sixth gets HTTP 404 used_url."""
    webhook = AsyncWebhookClient(slack.state.new_response_url(OPS, USER))
    statuses = [(await webhook.send(text=f"n{i}")).status_code for i in range(5)]
    sixth = await webhook.send(text="one too many")
    assert statuses == [200] * 5
    assert (sixth.status_code, json.loads(sixth.body)["error"]) == (404, "used_url")
    assert len(slack.state.ephemerals(OPS, USER)) == 5


async def test_response_url_expires() -> None:
    """After its 30 minutes a response_url answers HTTP 404 expired_url."""
    now = [1000.0]
    state = SlackState(clock=lambda: now[0])
    async with await start_slack_emulator(state):
        webhook = AsyncWebhookClient(state.new_response_url(OPS, USER))
        now[0] += 30 * 60 + 1
        late = await webhook.send(text="late")
    assert (late.status_code, json.loads(late.body)["error"]) == (404, "expired_url")


def _too_big(kind: str) -> tuple[str | None, list[JSON] | None]:
    cases: dict[str, tuple[str | None, list[JSON] | None]] = {
        "blocks": ("t", [{"type": "divider"}] * 51),
        "section": ("t", [{"type": "section", "text": {"type": "mrkdwn", "text": long(3001)}}]),
        "header": ("t", [{"type": "header", "text": plain(long(151))}]),
        "button_text": ("t", actions(button(text=long(76)))),
        "action_id": ("t", actions(button(action_id=long(256)))),
        "value": ("t", actions(button(value=long(2001)))),
        "confirm_title": ("t", actions({**button(), "confirm": confirm(title=long(101))})),
        "confirm_text": ("t", actions({**button(), "confirm": confirm(text=long(301))})),
        "confirm_yes": ("t", actions({**button(), "confirm": confirm(yes=long(31))})),
        "confirm_no": ("t", actions({**button(), "confirm": confirm(no=long(31))})),
    }
    return cases[kind]


def _at_limit() -> list[JSON]:
    return [
        {"type": "header", "text": plain(long(150))},
        {"type": "section", "text": {"type": "mrkdwn", "text": long(3000)}},
        *actions(
            {
                **button(action_id=long(255), text=long(75), value=long(2000)),
                "confirm": confirm(long(100), long(300), long(30), long(30)),
            }
        ),
        *([{"type": "divider"}] * 47),
    ]


@pytest.mark.parametrize(
    "kind",
    [
        "blocks",
        "section",
        "header",
        "button_text",
        "action_id",
        "value",
        "confirm_title",
        "confirm_text",
        "confirm_yes",
        "confirm_no",
    ],
)
async def test_block_limits_give_invalid_blocks(client: AsyncWebClient, kind: str) -> None:
    """Going one past a Block Kit limit is refused with invalid_blocks."""
    text, blocks = _too_big(kind)
    error = await api_error(client.chat_postMessage(channel=OPS, text=text, blocks=blocks))
    assert error.response["error"] == "invalid_blocks"


async def test_content_at_the_limits_is_accepted(slack: RunningSlack, client: AsyncWebClient) -> None:
    """Blocks and text exactly at every limit are accepted; past the text limit or empty are refused."""
    await client.chat_postMessage(channel=OPS, text="x" * 40_000, blocks=_at_limit())
    assert len(slack.state.messages(OPS)[-1].blocks or []) == 50
    too_long = await api_error(client.chat_postMessage(channel=OPS, text="x" * 40_001))
    assert too_long.response["error"] == "msg_too_long"
    with pytest.warns(UserWarning, match="text"):  # slack_sdk's own warning about a missing text
        empty = await api_error(client.chat_postMessage(channel=OPS, text=""))
    assert empty.response["error"] == "no_text"


async def test_injected_errors(slack: RunningSlack, client: AsyncWebClient) -> None:
    """fail_next answers the given error the given number of times, then the method works again."""
    slack.state.fail_next("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        error = await api_error(client.chat_postMessage(channel=OPS, text="x"))
        assert error.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel=OPS, text="x"))["ok"] is True
    assert [c.error for c in slack.state.calls("chat.postMessage")] == ["channel_not_found"] * 2 + [None]


async def test_rate_limit_and_server_error(slack: RunningSlack, client: AsyncWebClient) -> None:
    """rate_limit_next gives HTTP 429 with Retry-After; server_error_next gives the chosen 5xx."""
    slack.state.rate_limit_next("chat.update", retry_after=7)
    slack.state.server_error_next("chat.update", status=503)
    ts = (await client.chat_postMessage(channel=OPS, text="x"))["ts"]
    limited = await api_error(client.chat_update(channel=OPS, ts=ts, text="y"))
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "7"
    assert limited.response["error"] == "ratelimited"
    assert (await api_error(client.chat_update(channel=OPS, ts=ts, text="y"))).response.status_code == 503
    assert (await client.chat_update(channel=OPS, ts=ts, text="y"))["ok"] is True


async def test_wait_for_wakes_on_change(slack: RunningSlack, client: AsyncWebClient) -> None:
    """wait_for returns once the condition holds after a change, and times out when it never does."""
    waiter = asyncio.create_task(slack.state.wait_for(lambda: slack.state.messages(OPS), timeout=5))
    await client.chat_postMessage(channel=OPS, text="hello")
    assert [m.text for m in await waiter] == ["hello"]
    with pytest.raises(TimeoutError):
        await slack.state.wait_for(lambda: slack.state.call_count("chat.update") > 0, timeout=0.05)


@pytest.mark.parametrize("body", [b"", b"token=x&text=hello%20world", 'payload={"a": "é"}'.encode()])
def test_signature_matches_slack_sdk(body: bytes) -> None:
    """sign() produces the headers slack_sdk's SignatureVerifier generates and accepts."""
    headers = sign(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    ts = headers["X-Slack-Request-Timestamp"]
    assert headers["X-Slack-Signature"] == verifier.generate_signature(timestamp=ts, body=body)
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)


@asynccontextmanager
async def bolt_bot(
    slack: RunningSlack, setup: Callable[[AsyncApp], None]
) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    app = AsyncApp(
        client=AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=slack.api_url), signing_secret=SECRET
    )
    setup(app)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    async with aiohttp.ClientSession() as http:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", http
    await runner.cleanup()


async def test_driver_against_a_bolt_app(slack: RunningSlack) -> None:
    """A real Bolt app accepts the driver's slash command and click, and its replies land in the emulator."""

    def setup(app: AsyncApp) -> None:
        @app.command("/vehicle")
        async def command(ack: AsyncAck, body: JSON, client: AsyncWebClient) -> None:
            await ack()
            await client.chat_postMessage(
                channel=body["channel_id"], text=body["text"], blocks=actions(button())
            )

        @app.action("go")
        async def go(ack: AsyncAck, body: JSON, respond: AsyncRespond, client: AsyncWebClient) -> None:
            await ack()
            message = body["message"]
            await client.chat_update(
                channel=body["channel"]["id"], ts=message["ts"], text=f"by {body['user']['id']}"
            )
            await respond(text="done", replace_original=False)

    async with bolt_bot(slack, setup) as (bot_url, http):
        driver = SlackDriver(bot_url, SECRET, slack.state, http)
        assert (await driver.slash_command("/vehicle", "lock VIN1", USER, OPS)).status == 200
        posted = await slack.state.wait_for(lambda: slack.state.messages(OPS))
        assert posted[0].text == "lock VIN1"
        assert (await driver.click_button("go", USER)).status == 200
        await slack.state.wait_for(lambda: slack.state.ephemerals(OPS, USER))
    assert posted[0].edits[-1].text == f"by {USER}"
    assert slack.state.ephemerals(OPS, USER)[0].text == "done"


async def test_driver_bad_signature_and_stale_timestamp_are_refused(slack: RunningSlack) -> None:
    """Bolt answers 401 to a wrong signature and to a timestamp older than five minutes."""
    async with bolt_bot(slack, lambda app: None) as (bot_url, http):
        driver = SlackDriver(bot_url, SECRET, slack.state, http)
        bad = await driver.slash_command("/vehicle", "x", USER, OPS, signature="v0=" + "0" * 64)
        stale = await driver.slash_command("/vehicle", "x", USER, OPS, timestamp=int(time.time()) - 600)
        unsigned = await driver.slash_command("/vehicle", "x", USER, OPS, signed=False)
        assert (bad.status, stale.status, unsigned.status) == (401, 401, 401)
        with pytest.raises(LookupError):
            await driver.click_button("absent", USER)


def test_served_methods_match_the_spec() -> None:
    """Every emulated method exists in Slack's OpenAPI file and enforces exactly its required params."""
    if not SPEC_FILE.exists():
        pytest.skip(f"Slack OpenAPI file not found at {SPEC_FILE}")
    paths = json.loads(SPEC_FILE.read_text())["paths"]
    for name, spec in METHODS.items():
        assert f"/{name}" in paths, name
        [operation] = paths[f"/{name}"].values()
        required = {
            p["name"] for p in operation.get("parameters", []) if p.get("required") and p["name"] != "token"
        }
        assert required == set(spec.required), name


async def test_message_metadata_is_kept_and_shown_by_history_only_when_asked(client: AsyncWebClient) -> None:
    """chat.postMessage keeps `metadata`; conversations.history shows it with include_all_metadata, pages
    newest first by cursor, and refuses a conversation the bot is not in; malformed metadata is refused."""
    metadata = {"event_type": "remote_request", "event_payload": {"request_id": "r1"}}
    first = await client.chat_postMessage(channel=OPS, text="one", metadata=metadata)
    second = await client.chat_postMessage(channel=OPS, text="two")
    await client.chat_postMessage(channel=OPS, text="reply", thread_ts=second["ts"])
    plain_page = await client.conversations_history(channel=OPS)
    assert [m["ts"] for m in plain_page["messages"]] == [second["ts"], first["ts"]]  # no thread reply
    assert all("metadata" not in m for m in plain_page["messages"])
    page = await client.conversations_history(channel=OPS, include_all_metadata=True, limit=1)
    assert page["has_more"] and "metadata" not in page["messages"][0]
    cursor = page["response_metadata"]["next_cursor"]
    rest = await client.conversations_history(channel=OPS, include_all_metadata=True, limit=1, cursor=cursor)
    assert rest["messages"][0]["metadata"] == metadata and not rest["has_more"]
    later = await client.conversations_history(channel=OPS, oldest=first["ts"])  # oldest is exclusive
    assert [m["ts"] for m in later["messages"]] == [second["ts"]]
    assert (await api_error(client.conversations_history(channel=CLOSED))).response[
        "error"
    ] == "not_in_channel"
    bad = client.chat_postMessage(channel=OPS, text="x", metadata={"event_type": "t"})
    assert (await api_error(bad)).response["error"] == "invalid_metadata_format"

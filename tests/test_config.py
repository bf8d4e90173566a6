"""Settings are validated at start with one line naming the variable."""

from __future__ import annotations

import errno

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.catalogue.action import Action
from bot.cli.main import _why
from bot.config import SERVE_REQUIRED, ConfigError, Settings, load_settings
from bot.web.serving import PortInUse


def test_malformed_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-numeric PORT stops start-up with a line that names PORT."""
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ConfigError, match=r"^PORT: "):
        load_settings()


def test_callback_tokens_split_and_first_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """CALLBACK_TOKENS is comma-separated; the first entry is the registered one."""
    monkeypatch.setenv("CALLBACK_TOKENS", "new-secret, old-secret")
    settings = load_settings()
    assert settings.callback_token == "new-secret"
    assert len(settings.callback_tokens) == 2


def test_serve_requires_redis_url() -> None:
    """`serve` refuses to start without REDIS_URL instead of falling back to an embedded one."""
    settings = Settings(redis_url=None)
    with pytest.raises(ConfigError, match=r"^REDIS_URL: required"):
        settings.require(("REDIS_URL",))


def test_masked_configuration_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """check-config output never shows a secret value."""
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "very-secret-value")
    monkeypatch.setenv("CALLBACK_TOKENS", "cb-secret-1,cb-secret-2")
    monkeypatch.setenv("REDIS_URL", "redis://user:pa55word@db:6379/0")
    shown = "\n".join(f"{k}={v}" for k, v in load_settings().masked().items())
    for secret in ("very-secret-value", "cb-secret-1", "cb-secret-2", "pa55word"):
        assert secret not in shown


def test_per_action_timeouts_override_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """ACTION_TIMEOUTS=state=120 changes only the state action's timeout."""
    monkeypatch.setenv("ACTION_TIMEOUTS", "state=120")
    settings = load_settings()
    assert settings.timeout_for(Action.STATE) == 120
    assert settings.timeout_for(Action.LOCK) == settings.action_timeout_seconds


def test_a_timeout_for_an_action_the_catalogue_does_not_know_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ACTION_TIMEOUTS=lokc=60 (a typo) is refused at start, naming the word and the valid actions."""
    monkeypatch.setenv("ACTION_TIMEOUTS", "lokc=60")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message and "lokc" in message and "lock" in message


def test_serve_names_every_missing_setting_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newcomer with nothing set learns every variable `serve` needs at once, not one per attempt."""
    for name in SERVE_REQUIRED:
        monkeypatch.delenv(name, raising=False)  # CI sets REDIS_URL
    with pytest.raises(ConfigError) as caught:
        Settings().require(SERVE_REQUIRED)
    message = str(caught.value)
    assert "\n" not in message
    assert all(name in message for name in SERVE_REQUIRED)


def test_a_failed_start_is_one_line_naming_what_to_fix() -> None:
    """A revoked Slack token or an unreachable Redis stops `serve` with one line, not a traceback."""
    answer = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="auth.test",
        req_args={},
        data={"ok": False, "error": "invalid_auth"},
        headers={},
        status_code=200,
    )
    refused = SlackApiError("auth.test failed", answer)  # type: ignore[no-untyped-call]
    assert _why(refused) == "Slack refused SLACK_BOT_TOKEN (invalid_auth)"
    assert _why(RedisConnectionError("refused")) == "Redis at REDIS_URL did not answer (ConnectionError)"
    taken = PortInUse("METRICS_PORT", 9464)
    assert (
        _why(taken)
        == "METRICS_PORT=9464 is in use by another process: stop it or choose another METRICS_PORT"
    )
    in_use = OSError(errno.EADDRINUSE, "Address already in use")
    assert _why(in_use) == "a port is in use by another process (Address already in use)"


def test_metrics_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """METRICS_PORT=off serves no /metrics (a blank one keeps the default, like every blank setting)."""
    monkeypatch.setenv("METRICS_PORT", "off")
    assert load_settings().metrics_port is None
    monkeypatch.setenv("METRICS_PORT", "")
    assert load_settings().metrics_port == Settings().metrics_port


def test_a_blank_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """`.env.example` copied with its blanks: a blank required setting is reported missing, not malformed."""
    for name in SERVE_REQUIRED:
        monkeypatch.setenv(name, "")
    settings = load_settings()
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN, .*REDIS_URL: required by `remote-bot serve`"):
        settings.require(SERVE_REQUIRED)


def test_fleet_v3_needs_a_login_not_an_oauth2_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under STELLANTIS_API=fleet-v3, `serve` names the Basic login it lacks, not the token URL or scope."""
    monkeypatch.setenv("STELLANTIS_API", "fleet-v3")
    for name in ("STELLANTIS_LOGIN", "STELLANTIS_PASSWORD", "STELLANTIS_TOKEN_URL", "STELLANTIS_SCOPE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as caught:
        load_settings().require(load_settings().serve_required)
    message = str(caught.value)
    assert "STELLANTIS_LOGIN" in message and "STELLANTIS_PASSWORD" in message
    assert "STELLANTIS_TOKEN_URL" not in message and "STELLANTIS_SCOPE" not in message


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("STELLANTIS_FLEET_TIMEZONE", "Europe/Parsi", "STELLANTIS_FLEET_TIMEZONE"),
        ("CALLBACK_RETRY_NUMBER", "0", "CALLBACK_RETRY_NUMBER"),
        ("CALLBACK_BATCH_WINDOW_SECONDS", "4", "CALLBACK_BATCH_WINDOW_SECONDS"),
        ("CALLBACK_RETRY_DELAY_SECONDS", "100000", "3-day"),
    ],
)
def test_callback_settings_outside_the_vendors_bounds_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
) -> None:
    """A retry policy, batch window or time zone the vendor would refuse is one line at start."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "\n" not in str(caught.value) and named in str(caught.value)

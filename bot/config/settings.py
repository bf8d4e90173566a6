"""Settings: the only reader of the environment, validated once at start."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from bot.catalogue.action import Action
from bot.catalogue.table import REMOTE_ROWS
from bot.config.fleet_owner import VendorApiSettings
from bot.store.redis_url import is_sentinel_url, parse_sentinel_url, redacted_redis_url

Mode = Literal["serve", "demo", "test"]

SLACK_DEFAULT_API_URL = "https://slack.com/api/"

# Settings that `remote-bot serve` cannot run without: no silent fallback to the simulator
# or to an embedded Redis (each replica would get its own).
SLACK_RESPONSE_ORIGIN = "https://hooks.slack.com"
SERVE_REQUIRED = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "STELLANTIS_API_URL",
    "STELLANTIS_TOKEN_URL",
    "STELLANTIS_CLIENT_ID",
    "STELLANTIS_SCOPE",
    "CALLBACK_PUBLIC_URL",
    "CALLBACK_TOKENS",
    "REDIS_URL",
)
# Under STELLANTIS_API=fleet-v3 a Basic login replaces the OAuth2 token endpoint and scope.
_OAUTH2_ONLY = ("STELLANTIS_TOKEN_URL", "STELLANTIS_SCOPE")
SERVE_REQUIRED_FLEET_V3 = (
    *(name for name in SERVE_REQUIRED if name not in _OAUTH2_ONLY),
    "STELLANTIS_LOGIN",
    "STELLANTIS_PASSWORD",
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and the problem."""


class Settings(VendorApiSettings):
    """Every setting the product reads, with its documented default (the vendor API choice first)."""

    # An empty variable (a blank line of .env.example) counts as unset, not as an empty value.
    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, env_ignore_empty=True
    )

    # Slack
    slack_bot_token: SecretStr | None = Field(None, description="The Slack app's bot token (xoxb-…)")
    slack_signing_secret: SecretStr | None = Field(
        None, description="The Slack app's signing secret: every request to /slack/events is verified with it"
    )
    slack_app_token: SecretStr | None = Field(
        None,
        description=(
            "An app-level token (xapp-…): receive Slack traffic over Socket Mode (manifest.socket-mode.yml)"
        ),
    )
    slack_api_url: str = Field(SLACK_DEFAULT_API_URL, description="Slack's Web API base URL")
    slack_command: str = Field("/vehicle", description="The slash command the app registers")
    alert_channel: str | None = Field(
        None, description="Channel id for failures, dead letters, unconfirmed requests and timeouts"
    )
    slack_response_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (SLACK_RESPONSE_ORIGIN,),
        description=(
            "Where a request's response_url may point (exact scheme://host[:port], "
            "comma-separated); GovSlack: https://hooks.slack-gov.com"
        ),
    )

    # Stellantis (both APIs; the token and scope are connected-car-v1's)
    stellantis_api_url: str | None = Field(None, description="The vendor API's base URL (see STELLANTIS_API)")
    stellantis_token_url: str | None = Field(
        None, description="connected-car-v1: the OAuth2 client-credentials token endpoint"
    )
    stellantis_client_id: str | None = Field(None, description="The API client id (sent on every call)")
    stellantis_client_secret: SecretStr | None = Field(
        None,
        description=(
            "The client secret, when the token endpoint asks for one (it may "
            "authenticate by certificate only)"
        ),
    )
    stellantis_scope: str | None = Field(None, description="connected-car-v1: the OAuth2 scope to ask for")
    stellantis_cert_file: Path | None = Field(
        None, description="Client certificate for mutual TLS (PEM), with STELLANTIS_KEY_FILE"
    )
    stellantis_key_file: Path | None = Field(None, description="Private key of the client certificate (PEM)")
    stellantis_ca_file: Path | None = Field(
        None, description="CA bundle to verify the vendor with, when not the system's"
    )
    stellantis_channel_id: str | None = Field(
        None, description="Use this notification channel instead of ensuring one at start"
    )
    stellantis_channel_label: str = Field(
        "slack-remote-bot", description="Label of the notification channel the bot ensures at start"
    )
    stellantis_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one vendor call")
    vendor_sends_per_second: float = Field(
        10.0,
        gt=0,
        description=(
            "Sends to the vehicle cloud (batch members and typed commands) per second, shared by every "
            "replica (slower when the vendor's X-RateLimit-Remaining-* run low; paused by a 429)"
        ),
    )

    # Vendor callback
    callback_public_url: str | None = Field(
        None,
        description=("Public base URL of the bot: the vendor calls <url>/stellantis/notifications"),
    )
    callback_tokens: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (),
        description=(
            "Accepted callback secrets, comma-separated: the first is registered, "
            "the others keep a rotation working"
        ),
    )
    callback_max_elements: int = Field(
        100, ge=1, description="At most this many notifications in one callback body (more: 413)"
    )

    # Infrastructure
    redis_url: str | None = Field(
        None,
        description=(
            "redis://, rediss:// or unix:// URL of the Redis every replica shares, or "
            "redis+sentinel:// (rediss+sentinel:// with TLS) naming its Sentinels: see Redis Sentinel"
        ),
    )
    redis_min_replicas: int | None = Field(
        None,
        ge=0,
        description=(
            "A notification is answered 200 only once this many replicas hold it (WAIT; fewer when fewer "
            "are online, see REDIS_REPLICAS_INSIST), else 500 and the vendor redelivers; unset: 1 with a "
            "Sentinel URL, 0 otherwise"
        ),
    )
    redis_replicas_insist: bool = Field(
        False,
        description=(
            "With fewer replicas online than REDIS_MIN_REPLICAS, answer notifications 500 until enough are "
            "back (off: wait only for the replicas online, or answer from the primary alone)"
        ),
    )
    redis_replica_wait_ms: int = Field(
        200, ge=1, description="How long the callback waits for REDIS_MIN_REPLICAS to acknowledge an entry"
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description=(
            "Log lines: text (escaped, for a terminal) or json (one object per line with request id, "
            "remoteActionId, Slack user, channel, vehicle and action where they apply)"
        ),
    )
    redis_key_prefix: str = Field("rb:", description="Prefix of every Redis key (one per deployment)")
    # The connection pool: callers wait for a free connection rather than fail; every call is bounded.
    redis_max_connections: int = Field(100, ge=1, description="Redis connections per process")
    redis_pool_wait_seconds: float = Field(
        10.0,
        gt=0,
        description=(
            "How long a caller waits for a free Redis connection before the storage-unavailable answer"
        ),
    )
    redis_socket_timeout_seconds: float = Field(5.0, gt=0, description="Bound on one Redis read")
    redis_connect_timeout_seconds: float = Field(2.0, gt=0, description="Bound on connecting to Redis")
    redis_health_check_seconds: float = Field(
        30.0, ge=0, description="Idle Redis connections are checked after this long (0: never)"
    )
    redis_start_wait_seconds: float = Field(
        60.0, ge=0, description="How long a start waits for Redis to answer"
    )
    port: int = Field(
        3000,
        ge=0,
        le=65535,
        description="Port of /slack/events, /stellantis/notifications, /healthz and /readyz",
    )
    http_idle_timeout_seconds: float = Field(
        75.0,
        gt=0,
        description=(
            "A connection that has not sent a whole request head within this long (from its opening or "
            "its last answer) is closed; keep it above a load balancer's idle timeout (60 s on most)"
        ),
    )
    http_body_timeout_seconds: float = Field(
        10.0, gt=0, description="A request body not received whole within this long is answered 408"
    )
    metrics_port: int | None = Field(
        9464,
        ge=0,
        le=65535,
        description="Port of the Prometheus /metrics endpoint, apart from the public port (off: none)",
    )
    metrics_host: str = Field(
        "127.0.0.1", description="Address /metrics listens on (a container sets 0.0.0.0)"
    )
    policy_file: Path | None = Field(
        None, description="Authorization policy (YAML, deny by default, reloaded on change)"
    )
    fleet_file: Path | None = Field(None, description="Vehicle aliases and groups (YAML)")

    # Durations (seconds), all shortened by tests instead of sleeping
    confirmation_ttl_seconds: float = Field(
        300.0,
        gt=0,
        description="A dangerous action's confirmation lives this long (single use, its requester only)",
    )
    approval_ttl_seconds: float = Field(
        900.0, gt=0, description="A request waits this long for a second person's approval"
    )
    mapping_ttl_seconds: float = Field(
        7 * 24 * 3600.0,
        gt=0,
        description="remoteActionId to request mapping, and request records, live this long",
    )
    park_ttl_seconds: float = Field(
        3600.0, gt=0, description="Notifications for an unknown remoteActionId are kept this long"
    )
    reclaim_idle_seconds: float = Field(
        60.0, gt=0, description="An inbox entry idle this long on a dead consumer is taken over"
    )
    sending_reconcile_seconds: float = Field(
        30.0,
        gt=0,
        description=(
            "A request still sending after this long is looked up by its label, then shown as unconfirmed"
        ),
    )
    leftover_check_seconds: float = Field(
        60.0,
        gt=0,
        description=(
            "At start and this often, requests not final whose message is behind their stored state (or "
            "whose message's place was never stored) are found and their render queued"
        ),
    )
    action_timeout_seconds: float = Field(
        600.0,
        gt=0,
        description="A request without a final answer this long is checked with the vendor, then marked",
    )
    action_timeouts: Annotated[dict[Action, float], NoDecode] = Field(
        default_factory=dict,
        description="Per-action overrides of ACTION_TIMEOUT_SECONDS, e.g. state=120,navigate=300",
    )
    usergroup_cache_seconds: float = Field(
        300.0, gt=0, description="Slack user-group members are cached this long"
    )
    policy_reload_seconds: float = Field(
        5.0, gt=0, description="The policy file is checked for changes this often"
    )
    audit_retention_entries: int = Field(
        100_000,
        ge=1,
        description=(
            "Entries the audit stream keeps; once `remote-bot audit export` has run, entries not yet "
            "exported are kept beyond it and alerted about"
        ),
    )
    audit_vehicle_entries: int = Field(
        200, ge=20, description="Entries each vehicle's audit stream keeps (what `history` reads)"
    )
    audit_watch_seconds: float = Field(
        300.0, gt=0, description="How often a replica checks that the audit export keeps up (alerts if not)"
    )
    max_deliveries: int = Field(
        5, ge=1, description="An inbox entry failing this many times goes to the dead-letter stream"
    )

    # Protecting vehicles
    capability_cache_seconds: float = Field(
        24 * 3600.0,
        ge=0,
        description=(
            "A vehicle's capability is kept this long in Redis, shared by every replica, so commands and "
            "cards do not ask the vendor each time (0: asked every time)"
        ),
    )
    wakeup_allowance: int = Field(
        20,
        ge=0,
        description=(
            "Wake-ups allowed per vehicle and calendar month (UTC); once used, commands that always wake "
            "are refused unless the user holds `exceed-wakeups`"
        ),
    )
    state_fresh_seconds: float = Field(
        900.0,
        ge=0,
        description=(
            "`state <vehicle>` answers from the vehicle's last report, without waking it, when that report "
            "is at most this old; older, it wakes the vehicle (`--refresh` always wakes; 0: always wakes)"
        ),
    )
    deep_sleep_days: int = Field(
        7,
        ge=1,
        description=(
            "A vehicle silent for more than this many days is flagged as possibly in deep sleep (card, "
            "`state`, `list`), with the advice to drive it for 15 minutes"
        ),
    )

    # Commands for many vehicles
    batch_max_vehicles: int = Field(
        1000,
        ge=2,
        description="The most vehicles one command may name (a list or a group); more is refused",
    )

    # Slack update budget, shared by all replicas: at most RATE chat.update calls in any window of
    # SLACK_UPDATE_WINDOW_SECONDS (default 60, so the rate is per minute; tests shorten the window).
    slack_update_rate_per_minute: int = Field(
        50, ge=1, description="chat.update calls allowed per window, shared by every replica"
    )
    slack_update_window_seconds: float = Field(
        60.0, gt=0, description="The window SLACK_UPDATE_RATE_PER_MINUTE is counted over"
    )
    slack_reply_interval_seconds: float = Field(
        1.0, ge=0, description="At most one thread reply per channel in this many seconds, across replicas"
    )
    reply_lease_seconds: float = Field(
        60.0,
        gt=0,
        description=(
            "A thread reply is held this long by the replica posting it: one that died is posted by another "
            "after it (keep it above Slack's 10 s call timeout)"
        ),
    )

    # Simulator (demo and tests)
    simulator_delay_scale: float = Field(
        1.0, ge=0, description="Simulator only: scales its progress delays (0: instant)"
    )
    simulator_redelivery_seconds: float = Field(
        10.0, gt=0, description="Simulator only: redelivery interval of unanswered notifications"
    )
    test_exit_after_post: bool = Field(
        False,
        description=(
            "Tests only: the process exits right after chat.postMessage answers a request's post, before its "
            "ts is stored (a restarted replica finds the message again); never set it in production"
        ),
    )

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _metrics_off(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() == "off" else value

    @field_validator("callback_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            tokens = tuple(part.strip() for part in value.split(",") if part.strip())
            if not tokens:
                raise ValueError("give at least one token, comma-separated")
            return tokens
        return value

    @field_validator("slack_response_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())
        for origin in value:
            scheme, sep, host = str(origin).partition("://")
            if scheme not in ("http", "https") or not sep or not host or "/" in host:
                raise ValueError(f"expected origins like https://hooks.slack.com, got {origin!r}")
        if not value:
            raise ValueError("give at least one origin, comma-separated")
        return value

    @field_validator("action_timeouts", mode="before")
    @classmethod
    def _parse_action_timeouts(cls, value: Any) -> Any:
        # Written as "state=120,navigate=300": per-action overrides of ACTION_TIMEOUT_SECONDS.
        if isinstance(value, str):
            parsed: dict[str, float] = {}
            for item in filter(None, (part.strip() for part in value.split(","))):
                action, sep, seconds = item.partition("=")
                if not sep:
                    raise ValueError(f"expected action=seconds, got {item!r}")
                parsed[action.strip().lower()] = float(seconds)
            value = parsed
        remote_words = [row.action.value for row in REMOTE_ROWS]
        for action, seconds in dict(value).items():
            if action not in remote_words:
                raise ValueError(f"{action!r} is not a remote action (one of {', '.join(remote_words)})")
            if not float(seconds) > 0:
                raise ValueError(f"the timeout of {action} must be a number of seconds above 0")
        return value

    @field_validator("slack_api_url", "stellantis_api_url", "stellantis_token_url", "callback_public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and is_sentinel_url(value):
            parse_sentinel_url(value)
        elif value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                "must start with redis://, rediss://, unix://, redis+sentinel:// or rediss+sentinel://"
            )
        return value

    @field_validator("slack_command")
    @classmethod
    def _command(cls, value: str) -> str:
        if not value.startswith("/") or " " in value:
            raise ValueError("must be a slash command such as /vehicle")
        return value

    @model_validator(mode="after")
    def _files_exist(self) -> Settings:
        for name in (
            "stellantis_cert_file",
            "stellantis_key_file",
            "stellantis_ca_file",
            "policy_file",
            "fleet_file",
        ):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name.upper()}: file {path} does not exist")
        if (self.stellantis_cert_file is None) != (self.stellantis_key_file is None):
            raise ValueError("STELLANTIS_CERT_FILE and STELLANTIS_KEY_FILE go together: set both or neither")
        return self

    @property
    def min_replicas(self) -> int:
        """Replicas that must hold a notification before the callback answers 200 (0: no WAIT)."""
        if self.redis_min_replicas is not None:
            return self.redis_min_replicas
        return 1 if self.redis_url is not None and is_sentinel_url(self.redis_url) else 0

    def timeout_for(self, action: Action) -> float:
        """Seconds to wait for a final answer to `action` before the timeout path runs."""
        return self.action_timeouts.get(action, self.action_timeout_seconds)

    @property
    def callback_token(self) -> str:
        """The token registered with the vendor (the first of CALLBACK_TOKENS)."""
        if not self.callback_tokens:
            raise ConfigError("CALLBACK_TOKENS: not set")
        return self.callback_tokens[0].get_secret_value()

    @property
    def serve_required(self) -> tuple[str, ...]:
        """What `remote-bot serve` cannot run without, for the vendor API in use."""
        return SERVE_REQUIRED_FLEET_V3 if self.stellantis_api == "fleet-v3" else SERVE_REQUIRED

    def require(self, names: tuple[str, ...]) -> None:
        """Raise ConfigError naming, in one line, every one of `names` that is unset."""
        missing = [name for name in names if getattr(self, name.lower()) in (None, ())]
        if len(missing) == 1:
            raise ConfigError(f"{missing[0]}: required by `remote-bot serve` but not set")
        if missing:
            raise ConfigError(f"{', '.join(missing)}: required by `remote-bot serve` but not set")

    def masked(self) -> dict[str, str]:
        """The effective configuration as printable strings, secrets masked."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                text = "********"
            elif isinstance(value, tuple) and value and isinstance(value[0], SecretStr):
                text = ",".join("********" for _ in value)
            elif name == "redis_url" and value:
                text = redacted_redis_url(value)
            else:
                text = "" if value is None else str(value)
            shown[name.upper()] = text
        return shown


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the environment; raise ConfigError with one line on a bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"]).upper()
        message = first["msg"].removeprefix("Value error, ")
        if not location:
            raise ConfigError(message) from None
        raise ConfigError(f"{location}: {message}") from None

"""One reading of a failed Slack Web API call: rate limited, permanent for this message, or worth a retry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import aiohttp
from slack_sdk.errors import SlackApiError

# Failures of the call itself (no answer from Slack): the same call may be tried again later.
CALL_ERRORS = (SlackApiError, TimeoutError, OSError, aiohttp.ClientError)
RETRY_LATER_MS = 1_000
# Slack errors after which the same call can never succeed, whatever the message.
ALWAYS_PERMANENT = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive"}
)


class Verdict(Enum):
    """What to do after a failed call."""

    RATE_LIMITED = "rate_limited"  # wait Slack's Retry-After, then retry
    PERMANENT = "permanent"  # drop: trying again cannot succeed
    TRANSIENT = "transient"  # retry a little later


@dataclass(frozen=True)
class SlackFailure:
    """A failed call, classified: the verdict, Slack's error code (or the exception's name) and the wait."""

    verdict: Verdict
    reason: str
    retry_in_ms: int = RETRY_LATER_MS


def retry_after_seconds(error: SlackApiError) -> float:
    """The Retry-After of a Slack 429 answer, in seconds (1 when Slack gave none)."""
    headers = error.response.headers
    return float(headers.get("Retry-After", headers.get("retry-after", 1)))


def classify(error: BaseException, permanent: frozenset[str] = frozenset()) -> SlackFailure:
    """Read a failure of a call: `permanent` adds the error codes final for this kind of call."""
    if not isinstance(error, SlackApiError):
        return SlackFailure(Verdict.TRANSIENT, type(error).__name__)
    code = str(error.response.get("error", "")) or f"HTTP {error.response.status_code}"
    if error.response.status_code == 429:
        return SlackFailure(Verdict.RATE_LIMITED, code, int(retry_after_seconds(error) * 1000))
    if code in ALWAYS_PERMANENT or code in permanent:
        return SlackFailure(Verdict.PERMANENT, code)
    return SlackFailure(Verdict.TRANSIENT, code)

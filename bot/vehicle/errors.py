"""The vendor error tree, mapped once from an HTTP status and the error body (v1 `{name, debug, message}`,
v3 `{code, uuid, message}`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_SUPPORTED_NAMES = frozenset({"REMOTE_NOT_SUPPORTED", "FEATURE_NOT_SUPPORTED"})
CHANNEL_LIMIT_NAMES = frozenset({"CHANNEL_LIMIT_REACHED", "TOO_MANY_CHANNELS", "MAX_CHANNELS_REACHED"})
MAX_CHANNELS = 5


class VendorError(Exception):
    """Any failure talking to the vehicle cloud; `str()` is a sentence a person can read."""

    summary = "The vehicle cloud returned an error"

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        name: str | None = None,
        debug: str | None = None,
        vendor_message: str | None = None,
    ) -> None:
        self.status = status
        self.name = name
        self.debug = debug
        self.vendor_message = vendor_message
        super().__init__(message or self._compose())

    def _compose(self) -> str:
        parts = [self.summary]
        details = " ".join(str(part) for part in (self.status, self.name) if part)
        if details:
            parts[0] += f" ({details})"
        text = parts[0]
        if self.vendor_message:
            text += f": {self.vendor_message.rstrip('.')}"
        text += "."
        if self.debug:
            text += f" Vendor reference: {self.debug}."
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, name={self.name!r}, debug={self.debug!r})"


class BadRequestError(VendorError):
    """400: the vendor rejected the request as malformed."""

    summary = "The vehicle cloud rejected the request as invalid"


class ChannelLimitError(BadRequestError):
    """The account already has the maximum number of notification channels."""

    summary = f"The Stellantis account already has {MAX_CHANNELS} notification channels (the maximum)"


class AuthError(VendorError):
    """401: credentials missing, wrong or expired (also a refused token request)."""

    summary = "The vehicle cloud did not accept our credentials"


class ForbiddenError(VendorError):
    """403: authenticated but not allowed (scope, contract or vehicle not in the account)."""

    summary = "The vehicle cloud refused access to this resource"


class NotFoundError(VendorError):
    """404: the vehicle, channel or remote does not exist for this account."""

    summary = "The vehicle cloud does not know this resource"


class RateLimitedError(VendorError):
    """429: too many calls; `retry_after` is the number of seconds to wait (None when not given)."""

    summary = "The vehicle cloud is rate limiting us"

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)

    def _compose(self) -> str:
        text = super()._compose()
        if self.retry_after is not None:
            text += f" Retry in {self.retry_after:g} s."
        return text


class ServerError(VendorError):
    """5xx other than 501: the vendor failed; for a remote POST the outcome is unknown."""

    summary = "The vehicle cloud had an internal error"


class NotSupportedError(VendorError):
    """501 REMOTE_NOT_SUPPORTED / FEATURE_NOT_SUPPORTED: the vehicle cannot do this."""

    summary = "This vehicle does not support that action"


class VendorTimeoutError(VendorError):
    """No answer in time (or the connection dropped mid-request): the outcome is unknown."""

    summary = "The vehicle cloud did not answer in time"


class VendorConnectionError(VendorError):
    """The vendor could not be reached at all, so the request was not delivered."""

    summary = "The vehicle cloud could not be reached"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds; None when absent or not a number."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(seconds, 0.0)


def error_from_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> VendorError:
    """The one mapping from a non-success HTTP answer to the typed error tree."""
    payload = body if isinstance(body, Mapping) else {}
    raw_name = payload.get("name", payload.get("code"))
    name = None if raw_name is None else str(raw_name)
    debug = payload.get("debug", payload.get("uuid"))  # v1's debug, Fleet Owner v3's uuid: for support
    message = payload.get("message")
    fields: dict[str, Any] = {
        "status": status,
        "name": name,
        "debug": None if debug is None else str(debug),
        "vendor_message": None if message is None else str(message),
    }
    if status == 501 or (name or "").upper() in NOT_SUPPORTED_NAMES:
        return NotSupportedError(**fields)
    if status == 400:
        if (name or "").upper() in CHANNEL_LIMIT_NAMES:
            return ChannelLimitError(**fields)
        return BadRequestError(**fields)
    if status == 401:
        return AuthError(**fields)
    if status == 403:
        return ForbiddenError(**fields)
    if status == 404:
        return NotFoundError(**fields)
    if status == 429:
        retry_after = parse_retry_after((headers or {}).get("Retry-After"))
        return RateLimitedError(retry_after=retry_after, **fields)
    if status >= 500:
        return ServerError(**fields)
    return VendorError(**fields)

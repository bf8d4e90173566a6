"""OAuth2 client-credentials token for the vehicle cloud: cached, refreshed once for many callers."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.vehicle.errors import (
    AuthError,
    VendorConnectionError,
    VendorError,
    VendorTimeoutError,
    error_from_response,
)

DEFAULT_MARGIN_SECONDS = 60.0
DEFAULT_EXPIRES_IN = 300.0


def build_ssl_context(
    cert_file: Path | str | None, key_file: Path | str | None, ca_file: Path | str | None
) -> ssl.SSLContext | None:
    """A TLS context with our client certificate (mutual TLS) and/or a private CA; None when none is set."""
    if cert_file is None and key_file is None and ca_file is None:
        return None
    if (cert_file is None) != (key_file is None):
        raise ValueError("the client certificate and its key go together: give both or neither")
    context = ssl.create_default_context(cafile=None if ca_file is None else str(ca_file))
    if cert_file is not None and key_file is not None:
        context.load_cert_chain(certfile=str(cert_file), keyfile=str(key_file))
    return context


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and the monotonic time after which it must not be used."""

    value: str = field(repr=False)
    refresh_at: float

    def __repr__(self) -> str:
        return f"AccessToken(value='********', refresh_at={self.refresh_at:.1f})"


class TokenProvider:
    """Fetches client-credentials tokens from the token URL and caches them until shortly before expiry."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        token_url: str,
        client_id: str,
        scope: str | None = None,
        client_secret: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout_seconds: float = 10.0,
        margin_seconds: float = DEFAULT_MARGIN_SECONDS,
    ) -> None:
        self._session = session
        self._token_url = token_url
        self._client_id = client_id
        self._scope = scope
        self._client_secret = client_secret
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._timeout = timeout_seconds
        self._margin = margin_seconds
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()
        self.refresh_count = 0

    def __repr__(self) -> str:
        return f"TokenProvider(token_url={self._token_url!r}, client_id={self._client_id!r})"

    async def get(self) -> str:
        """A valid access token; at most one refresh runs at a time, whoever asks."""
        token = self._token
        if token is not None and time.monotonic() < token.refresh_at:
            return token.value
        async with self._lock:
            token = self._token
            if token is None or time.monotonic() >= token.refresh_at:
                token = await self._fetch()
                self._token = token
            return token.value

    def invalidate(self, value: str) -> None:
        """Forget `value` (refused with 401); a newer token fetched meanwhile is kept."""
        if self._token is not None and self._token.value == value:
            self._token = None

    async def _fetch(self) -> AccessToken:
        form = {"client_id": self._client_id, "grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        if self._client_secret:
            form["client_secret"] = self._client_secret
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        self.refresh_count += 1
        try:
            async with self._session.post(
                self._token_url,
                data=form,
                headers={"Accept": "application/json"},
                ssl=self._ssl,
                timeout=timeout,
            ) as response:
                body = await _json_or_none(response)
                if response.status != 200:
                    raise _token_error(response.status, body, response.headers)
        except TimeoutError:
            raise VendorTimeoutError(
                f"The token endpoint did not answer within {self._timeout:g} s."
            ) from None
        except aiohttp.ClientConnectionError as error:
            raise VendorConnectionError(
                f"The token endpoint could not be reached ({type(error).__name__})."
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise AuthError("The token endpoint answered without an access_token.", status=200)
        return AccessToken(body["access_token"], time.monotonic() + self._lifetime(body.get("expires_in")))

    def _lifetime(self, expires_in: Any) -> float:
        seconds = float(expires_in) if isinstance(expires_in, int | float) else DEFAULT_EXPIRES_IN
        # Short-lived tokens keep at least half of their life rather than being refreshed at once.
        return max(seconds - min(self._margin, seconds / 2), 0.0)


def _token_error(status: int, body: Any, headers: Any) -> VendorError:
    if status in (400, 401, 403) and isinstance(body, dict) and "error" in body:
        # RFC 6749 error body: {"error": "invalid_client", "error_description": "..."}
        description = body.get("error_description")
        detail = f"{body['error']}" + (f": {description}" if description else "")
        return AuthError(
            f"The token endpoint refused our client credentials ({status} {detail}).",
            status=status,
            name=str(body["error"]),
        )
    error = error_from_response(status, body, headers)
    if status in (400, 403):
        return AuthError(f"The token endpoint refused our client credentials: {error}", status=status)
    return error


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return None

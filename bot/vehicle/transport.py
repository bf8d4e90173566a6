"""One HTTP mechanism for every vendor API: auth header, client_id, mutual TLS, timeouts, errors, pages."""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qs, urljoin, urlsplit

import aiohttp

from bot.vehicle.errors import (
    VendorConnectionError,
    VendorError,
    VendorTimeoutError,
    error_from_response,
)
from bot.vehicle.token import TokenProvider
from bot.vehicle.wire import link_href

DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_PAGES = 1000  # a guard against a vendor that keeps answering with a `next` link
RATE_LIMIT_PREFIX = "x-ratelimit-"


class Credentials(Protocol):
    """How a vendor API authenticates a call."""

    async def header(self) -> str:
        """The Authorization header's value for the next call."""

    def refused(self, header: str) -> bool:
        """This header was answered 401; True when asking again with a fresh one may help."""


class BearerTokens:
    """OAuth2 client-credentials tokens (Connected Car v1): a refused token is dropped and fetched again."""

    def __init__(self, tokens: TokenProvider) -> None:
        self._tokens = tokens

    async def header(self) -> str:
        """`Bearer <token>`."""
        return f"Bearer {await self._tokens.get()}"

    def refused(self, header: str) -> bool:
        """Drop the refused token; the next call fetches another."""
        self._tokens.invalidate(header.removeprefix("Bearer "))
        return True


class BasicLogin:
    """HTTP Basic with the partner login (Fleet Owner v3): a refusal is final."""

    def __init__(self, login: str, password: str) -> None:
        self._value = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode("ascii")

    def __repr__(self) -> str:
        return "BasicLogin(***)"

    async def header(self) -> str:
        """`Basic base64(login:password)`."""
        return self._value

    def refused(self, header: str) -> bool:
        """The same login would be refused again."""
        return False


class VendorTransport:
    """Calls to one vendor API; every failure surfaces as a VendorError, a POST is never resent blindly."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_url: str,
        client_id: str,
        credentials: Credentials,
        ssl_context: ssl.SSLContext | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._session = session
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self._credentials = credentials
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self.timeout = timeout_seconds
        self.rate_limits: dict[str, str] = {}  # the X-RateLimit-* headers of the latest answer

    async def paged(
        self,
        path: str,
        embedded_key: str,
        *,
        params: Mapping[str, str] | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """The items under `_embedded.<embedded_key>` of every page, following the HAL `next` links."""
        query: dict[str, str] = dict(params or {})
        if page_size is not None:
            query["pageSize"] = str(page_size)
        url = self.api_url + path
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            body = await self.request("GET", url, params=query, absolute=True)
            if not isinstance(body, dict):
                return
            embedded = body.get("_embedded")
            items = embedded.get(embedded_key) if isinstance(embedded, dict) else None
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict):
                    yield item
            next_href = link_href(body.get("_links"), "next")
            if not next_href or next_href in seen:
                return
            seen.add(next_href)
            url, query = self._next_page(url, next_href, query)

    def _next_page(self, url: str, next_href: str, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        # Prefer re-issuing the same call with the page token (pageSize must not be sent with it);
        # otherwise follow the link itself, resolved against the API base.
        tokens = parse_qs(urlsplit(next_href).query).get("pageToken")
        if tokens:
            kept = {k: v for k, v in query.items() if k not in ("pageSize", "pageToken", "indexRange")}
            return url, {**kept, "pageToken": tokens[0]}
        resolved = urljoin(self.api_url + "/", next_href)
        split = urlsplit(resolved)
        flat = {k: v[0] for k, v in parse_qs(split.query).items() if k != "client_id"}
        return split._replace(query="").geturl(), flat

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        absolute: bool = False,
    ) -> Any:
        """One call; the JSON answer of a 2xx, else the typed VendorError of its status and body."""
        url = path if absolute else self.api_url + path
        auth_retried = False
        connection_retried = False
        while True:
            header = await self._credentials.header()
            try:
                status, body, headers = await self._send(method, url, header, params, json_body)
            except aiohttp.ClientConnectorError as error:
                # Not connected at all: nothing reached the vendor, so even a POST may be retried once.
                if not connection_retried:
                    connection_retried = True
                    continue
                raise VendorConnectionError(
                    f"The vehicle cloud could not be reached ({type(error).__name__}) "
                    f"for {method} {_shown(url)}."
                ) from None
            except TimeoutError:
                raise VendorTimeoutError(
                    f"The vehicle cloud did not answer {method} {_shown(url)} within {self.timeout:g} s"
                    + ("" if idempotent else "; the action may or may not have been taken")
                    + "."
                ) from None
            except aiohttp.ClientError as error:
                if idempotent and not connection_retried:
                    connection_retried = True
                    continue
                raise VendorTimeoutError(
                    f"The connection to the vehicle cloud broke during {method} {_shown(url)} "
                    f"({type(error).__name__}); the outcome is unknown."
                ) from None
            if status == 401 and not auth_retried and self._credentials.refused(header):
                auth_retried = True
                continue
            if 200 <= status < 300:
                return body
            raise _with_context(error_from_response(status, body, headers), method, url)

    async def _send(
        self, method: str, url: str, header: str, params: Mapping[str, str] | None, json_body: Any
    ) -> tuple[int, Any, Mapping[str, str]]:
        query = {**(params or {}), "client_id": self.client_id}
        headers = {"Authorization": header, "Accept": "application/hal+json, application/json"}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with self._session.request(
            method, url, params=query, json=json_body, headers=headers, ssl=self._ssl, timeout=timeout
        ) as response:
            text = await response.text()
            limits = {
                key.lower(): value
                for key, value in response.headers.items()
                if key.lower().startswith(RATE_LIMIT_PREFIX)
            }
            if limits:
                self.rate_limits = limits
            try:
                body: Any = json.loads(text) if text else None
            except ValueError:
                body = None if response.status < 300 else {"message": text[:200]}
            return response.status, body, response.headers


class TransportClient:
    """The base of a vendor API client: its calls go through one VendorTransport."""

    def __init__(self, transport: VendorTransport) -> None:
        self._transport = transport
        self._request = transport.request
        self._paged = transport.paged

    @property
    def rate_limits(self) -> dict[str, str]:
        """The X-RateLimit-* headers of the API's latest answer that had any (names in lower case)."""
        return dict(self._transport.rate_limits)

    def __repr__(self) -> str:
        transport = self._transport
        return f"{type(self).__name__}(api_url={transport.api_url!r}, client_id={transport.client_id!r})"


def _shown(url: str) -> str:
    return urlsplit(url).path


def _with_context(error: VendorError, method: str, url: str) -> VendorError:
    error.args = (f"{error.args[0]} (request: {method} {_shown(url)})",)
    return error

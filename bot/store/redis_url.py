"""REDIS_URL's Sentinel form, which redis-py cannot read: parsed into a typed value, shown without secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

SENTINEL_SCHEMES = {"redis+sentinel": False, "rediss+sentinel": True}  # scheme -> TLS
SENTINEL_DEFAULT_PORT = 26379
_QUERY_KEYS = ("sentinel_password", "ssl_ca_certs")
_MASK = "********"


@dataclass(frozen=True)
class SentinelUrl:
    """Where the Sentinels are, which service they watch, and how to log in to them and to the data nodes."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sentinel_password: str | None = field(default=None, repr=False)
    tls: bool = False
    ssl_ca_certs: str | None = None


def is_sentinel_url(url: str) -> bool:
    """Whether `url` names Redis through Sentinels (redis+sentinel:// or rediss+sentinel://)."""
    return url.partition("://")[0].lower() in SENTINEL_SCHEMES


def parse_sentinel_url(url: str) -> SentinelUrl:
    """The parts of `redis[s]+sentinel://[user:password@]host[:port],.../service[/db][?query]`.

    Raises ValueError with a message that never contains a password.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in SENTINEL_SCHEMES:
        raise ValueError("a Sentinel URL starts with redis+sentinel:// or rediss+sentinel://")
    tls = SENTINEL_SCHEMES[scheme.lower()]
    rest, _, query = rest.partition("?")
    rest = rest.partition("#")[0]
    location, _, path = rest.partition("/")
    userinfo, at, hosts = location.rpartition("@")
    username, password = _credentials(userinfo) if at else (None, None)
    options = _query(query, tls)
    service, db = _service_and_db(path)
    return SentinelUrl(
        sentinels=tuple(_host_port(item) for item in _host_list(hosts)),
        service=service,
        db=db,
        username=username,
        password=password,
        sentinel_password=options.get("sentinel_password"),
        tls=tls,
        ssl_ca_certs=options.get("ssl_ca_certs"),
    )


def redacted_redis_url(url: str) -> str:
    """`url` with its password and sentinel_password replaced by asterisks, for check-config and logs."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    rest, question, query = rest.partition("?")
    location, slash, path = rest.partition("/")
    if "@" in location:
        location = f"{_MASK}@{location.rpartition('@')[2]}"
    if question:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = "&".join(f"{key}={_MASK if 'password' in key else value}" for key, value in pairs)
    return f"{scheme}://{location}{slash}{path}{question}{query}"


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    user, colon, password = userinfo.partition(":")
    if not colon:  # redis://secret@host: a lone word is the password, as redis-py reads it
        user, password = "", user
    return (unquote(user) or None), (unquote(password) or None)


def _host_list(hosts: str) -> list[str]:
    items = [item.strip() for item in hosts.split(",")]
    if not hosts or any(not item for item in items):
        raise ValueError("name at least one Sentinel as host:port, comma-separated")
    return items


def _host_port(item: str) -> tuple[str, int]:
    if item.startswith("["):  # [IPv6]:port
        host, bracket, port = item[1:].partition("]")
        if not bracket or (port and not port.startswith(":")):
            raise ValueError("a Sentinel address in brackets is written [IPv6]:port")
        port = port[1:]
    else:
        host, _, port = item.rpartition(":") if ":" in item else (item, "", "")
    if not host:
        raise ValueError("a Sentinel address has no host")
    if not port:
        return host, SENTINEL_DEFAULT_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"Sentinel port {port[:10]!r} of {host[:100]!r} is not a port number")
    return host, int(port)


def _service_and_db(path: str) -> tuple[str, int]:
    parts = path.split("/") if path else []
    if not parts or not parts[0]:
        raise ValueError("name the Sentinel service after the hosts: redis+sentinel://host:port/<service>")
    if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
        raise ValueError("after the service only a database number may follow: /<service>/<db>")
    return unquote(parts[0]), int(parts[1]) if len(parts) == 2 else 0


def _query(query: str, tls: bool) -> dict[str, str]:
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in _QUERY_KEYS:
            raise ValueError(f"unknown parameter {key[:40]!r} (known: {', '.join(_QUERY_KEYS)})")
        if key == "ssl_ca_certs" and not tls:
            raise ValueError("ssl_ca_certs needs the TLS form rediss+sentinel://")
        if value:
            options[key] = value
    return options

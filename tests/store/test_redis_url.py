"""REDIS_URL's Sentinel form: read into its parts, refused with one clear line, never shown with secrets."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.store.redis_url import SentinelUrl, parse_sentinel_url

SECRET = "s3cr%40t-pw"  # "s3cr@t-pw" once decoded
SENTINEL_SECRET = "sentinel-pw-9"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "redis+sentinel://h1:26380,h2:26381/mymaster",
            SentinelUrl(sentinels=(("h1", 26380), ("h2", 26381)), service="mymaster"),
        ),
        (
            "redis+sentinel://h1/mymaster/3",
            SentinelUrl(sentinels=(("h1", 26379),), service="mymaster", db=3),
        ),
        (
            f"redis+sentinel://bot:{SECRET}@h1:1,[::1]:2/svc/1?sentinel_password={SENTINEL_SECRET}",
            SentinelUrl(
                sentinels=(("h1", 1), ("::1", 2)),
                service="svc",
                db=1,
                username="bot",
                password="s3cr@t-pw",
                sentinel_password=SENTINEL_SECRET,
            ),
        ),
        (
            "rediss+sentinel://:only-password@h1:1/svc?ssl_ca_certs=/etc/ca.pem",
            SentinelUrl(
                sentinels=(("h1", 1),),
                service="svc",
                password="only-password",
                tls=True,
                ssl_ca_certs="/etc/ca.pem",
            ),
        ),
    ],
)
def test_sentinel_url_parts(url: str, expected: SentinelUrl) -> None:
    """Hosts (default port 26379, IPv6 in brackets), service, db, both passwords and TLS are read."""
    assert parse_sentinel_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"redis+sentinel://u:{SECRET}@h1:1", "name the Sentinel service"),
        (f"redis+sentinel://u:{SECRET}@/svc", "name at least one Sentinel"),
        (f"redis+sentinel://u:{SECRET}@h1:1,,h2:2/svc", "name at least one Sentinel"),
        (f"redis+sentinel://u:{SECRET}@h1:port/svc", "is not a port number"),
        (f"redis+sentinel://u:{SECRET}@h1:99999/svc", "is not a port number"),
        (f"redis+sentinel://u:{SECRET}@h1:1/svc/zero", "only a database number"),
        (f"redis+sentinel://u:{SECRET}@h1:1/svc?sentinel_pasword={SENTINEL_SECRET}", "unknown parameter"),
        (f"redis+sentinel://u:{SECRET}@h1:1/svc?ssl_ca_certs=/ca.pem", "needs the TLS form"),
        (f"sentinel://u:{SECRET}@h1:1/svc", "must start with redis://"),
    ],
)
def test_bad_sentinel_url_is_one_line_naming_redis_url_without_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    """Each malformed form stops start-up with one REDIS_URL line saying what is wrong, with no secret."""
    monkeypatch.setenv("REDIS_URL", url)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("REDIS_URL: ")
    assert problem in message
    assert "\n" not in message
    for secret in (SECRET, "s3cr@t", SENTINEL_SECRET):
        assert secret not in message


def test_check_config_masks_both_sentinel_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """check-config shows where the Sentinels are, never the data nodes' or the Sentinels' password."""
    monkeypatch.setenv(
        "REDIS_URL", f"redis+sentinel://bot:{SECRET}@h1:1,h2:2/svc/2?sentinel_password={SENTINEL_SECRET}"
    )
    shown = load_settings().masked()["REDIS_URL"]
    assert shown == "redis+sentinel://********@h1:1,h2:2/svc/2?sentinel_password=********"
    assert repr(parse_sentinel_url(load_settings().redis_url or "")).count("s3cr") == 0


def test_replica_acknowledgement_defaults_on_with_sentinel_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Sentinel URL asks one replica to hold each notification, a single Redis none; both can be set."""
    monkeypatch.setenv("REDIS_URL", "redis+sentinel://h1:1/svc")
    assert load_settings().min_replicas == 1
    monkeypatch.setenv("REDIS_MIN_REPLICAS", "0")
    assert load_settings().min_replicas == 0
    monkeypatch.setenv("REDIS_URL", "redis://h1:6379/0")
    monkeypatch.delenv("REDIS_MIN_REPLICAS")
    assert load_settings().min_replicas == 0

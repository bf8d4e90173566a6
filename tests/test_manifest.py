"""The Slack app manifests match what the app serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings
from bot.web import SLACK_PATH

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / name).read_text())
    assert isinstance(data, dict)
    return data


def test_http_manifest_points_command_and_interactivity_at_the_served_path() -> None:
    """The HTTP manifest's command and interactivity URLs end with the path the app serves."""
    manifest = _load("manifest.yml")
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == Settings().slack_command
    assert command["url"].endswith(SLACK_PATH)
    assert manifest["settings"]["interactivity"]["request_url"].endswith(SLACK_PATH)
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_urls_and_the_same_command_and_scopes() -> None:
    """The Socket Mode variant enables Socket Mode, has no URLs, and asks for the same scopes."""
    http, socket = _load("manifest.yml"), _load("manifest.socket-mode.yml")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in socket["features"]["slash_commands"][0]
    assert "request_url" not in socket["settings"]["interactivity"]
    assert socket["oauth_config"] == http["oauth_config"]
    assert (
        socket["features"]["slash_commands"][0]["command"] == http["features"]["slash_commands"][0]["command"]
    )

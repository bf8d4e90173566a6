"""The Slack app manifests match what the app serves."""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest
import yaml

from bot.config import Settings
from bot.web.names import SLACK_PATH
from tests.paths import ROOT


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


SLACK_SPEC = ROOT.parent / "shared" / "spec" / "slack" / "slack_web_openapi_v2_without_examples.json"
# Slack's spec still names the legacy scopes; a bot token asks for today's names.
LEGACY_SCOPES = {"chat:write:bot": "chat:write"}
# Methods the spec lets several scopes authorize: the ones this bot's use needs (it opens DMs only; it
# reads the history of public and private channels and of DMs to find a request message again).
CHOSEN_SCOPES = {
    "conversations.open": {"im:write"},
    "conversations.history": {"channels:history", "groups:history", "im:history"},
}
# Scopes that come from features rather than Web API methods.
FEATURE_SCOPES = {"commands", "chat:write.public"}  # the slash command; posting where not invited


def _methods_called(spec_paths: set[str]) -> set[str]:
    """Slack Web API methods the production code calls (`client.chat_postMessage()` is chat.postMessage,
    and so is `api.call("chat.postMessage", ...)`)."""
    called = set()
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]):
        if "simulator" in path.parts or "slack_emulator" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr.replace("_", ".")
                first = node.args[0] if node.args else None
                if (
                    node.func.attr == "call"
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    method = first.value
                if f"/{method}" in spec_paths:
                    called.add(method)
    return called


def _bot_scope(method: str, spec: dict[str, Any]) -> set[str]:
    if method in CHOSEN_SCOPES:
        return CHOSEN_SCOPES[method]
    (operation,) = spec["paths"][f"/{method}"].values()
    scopes = {scope for rule in operation.get("security", []) for scope in rule.get("slackAuth", [])}
    bot = {LEGACY_SCOPES.get(scope, scope) for scope in scopes if not scope.endswith(":user")} - {"none"}
    assert len(bot) <= 1, f"{method}: choose among {sorted(bot)} in CHOSEN_SCOPES"
    return bot


def test_manifests_ask_for_exactly_the_scopes_the_code_needs() -> None:
    """Scopes derived from the Web API methods the code calls, plus the feature scopes: no more, no less."""
    if not SLACK_SPEC.is_file():
        pytest.skip(f"Slack's spec {SLACK_SPEC} not found (the repo expects ../shared/spec beside it)")
    spec = json.loads(SLACK_SPEC.read_text())
    called = _methods_called(set(spec["paths"]))
    assert {"chat.postMessage", "chat.update", "usergroups.users.list"} <= called  # the scan sees them
    needed = FEATURE_SCOPES.union(*(_bot_scope(method, spec) for method in called))
    for name in ("manifest.yml", "manifest.socket-mode.yml"):
        assert set(_load(name)["oauth_config"]["scopes"]["bot"]) == needed, name

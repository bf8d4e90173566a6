"""The simulator's channel and remote-action records, and their JSON views."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.simulator.payloads import now_iso
from bot.simulator.remote_reader import ParsedRemote

_CHANNEL_VARIABLES = re.compile(r"\$(vin|channelid|channellabel)\b", re.IGNORECASE)
_REMOTE_VARIABLES = re.compile(r"\$(remotetype|remotestatus|remotelabel)\b", re.IGNORECASE)


@dataclass
class SimChannel:
    """A notification channel of the simulated account."""

    id: str
    subscribe: dict[str, Any]
    status: str = "Running"
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)

    @property
    def label(self) -> str:
        """The channel label ("" when none)."""
        label = self.subscribe.get("label")
        return label if isinstance(label, str) else ""

    @property
    def webhook(self) -> dict[str, Any]:
        """The webhook settings (target, name, attributes)."""
        webhook = self.subscribe.get("channel", {}).get("webhook")
        return webhook if isinstance(webhook, dict) else {}

    @property
    def target(self) -> str:
        """The URL notifications are posted to."""
        return str(self.webhook.get("target", ""))

    def render_attributes(
        self, vin: str, overrides: list[dict[str, str]]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and query parameters for one notification, variables substituted."""
        merged: dict[tuple[str, str], dict[str, str]] = {}
        for attribute in [*self.webhook.get("attributes", []), *overrides]:
            merged[(attribute["type"], attribute["key"].lower())] = attribute
        values = {"vin": vin, "channelid": self.id, "channellabel": self.label}
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        for attribute in merged.values():
            value = _CHANNEL_VARIABLES.sub(lambda m: values[m.group(1).lower()], str(attribute["value"]))
            (headers if attribute["type"] == "Header" else query)[attribute["key"]] = value
        return headers, query

    def to_json(self, api_url: str) -> dict[str, Any]:
        """The channel as GET returns it."""
        return {
            "_links": {"self": {"href": f"{api_url}/accounts/channels/{self.id}"}},
            "id": self.id,
            "subscribe": self.subscribe,
            "status": self.status,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def ref_json(self, api_url: str) -> dict[str, Any]:
        """The ChannelRef answered by POST/PUT."""
        return {
            "_links": {"channel": {"href": f"{api_url}/accounts/channels/{self.id}"}},
            "channelId": self.id,
            "status": self.status,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass
class SimRemote:
    """One remote action accepted by the simulator, with its latest status."""

    remote_action_id: str
    vin: str
    channel_id: str
    body: dict[str, Any]
    parsed: ParsedRemote
    notification_type: str
    duplicate: bool = False
    was_asleep: bool = False
    api: str = "v1"  # "v3": sent through a Fleet Owner v3 callback (`channel_id` is the callback id)
    status: str = "Accepted"
    failure_cause: str | None = None
    done: bool = False

    @property
    def response_type(self) -> str:
        """The RemoteType of the 202 answer (Locking, Wakeup, Tan.suppress, ...)."""
        return self.parsed.remote_type

    def body_attributes(self, status: str) -> list[dict[str, str]]:
        """The remote's Body attributes as they appear in a notification, variables substituted."""
        values = {
            "remotetype": self.notification_type,
            "remotestatus": status,
            "remotelabel": self.parsed.label or "",
        }
        return [
            {"key": key, "value": _REMOTE_VARIABLES.sub(lambda m: values[m.group(1).lower()], value)}
            for key, value in self.parsed.attributes.items()
        ]

    def links(self, api_url: str) -> dict[str, Any]:
        """HAL links to the channel and to this remote."""
        base = f"{api_url}/accounts/vehicles/{self.vin}/channels/{self.channel_id}/remotes"
        return {
            "channel": {"href": f"{api_url}/accounts/channels/{self.channel_id}"},
            "remote": {"href": f"{base}/{self.remote_action_id}"},
            "self": {"href": f"{base}/{self.remote_action_id}"},
        }

    def post_json(self, api_url: str) -> dict[str, Any]:
        """The 202 RemotePostResponse."""
        links = self.links(api_url)
        return {
            "_links": {"channel": links["channel"], "remote": links["remote"]},
            "remoteActionId": self.remote_action_id,
            "type": self.response_type,
        }

    def to_json(self, api_url: str) -> dict[str, Any]:
        """The RemoteAction as GET returns it."""
        links = self.links(api_url)
        item: dict[str, Any] = {
            "_links": {"channel": links["channel"], "self": links["self"]},
            "remoteActionId": self.remote_action_id,
            "type": self.response_type,
            "remote": self.body,
            "status": self.status,
        }
        if self.failure_cause:
            item["failureCause"] = self.failure_cause
        return item

"""The process's Prometheus instruments: counted in memory, so counting costs no Redis command."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Latency buckets from a fast acknowledgement to Slack's 3 s limit and a slow vendor call.
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Every instrument of one bot process, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.slack_requests = Counter(
            "remote_bot_slack_requests",
            "Slack commands (by action, or usage_error) and clicks (by button)",
            ["kind", "action"],
            registry=registry,
        )
        self.ack_seconds = Histogram(
            "remote_bot_slack_ack_seconds",
            "Time from a Slack request's arrival to its acknowledgement (HTTP mode)",
            buckets=SECONDS,
            registry=registry,
        )
        self.audit_events = Counter(
            "remote_bot_audit_events",
            "Audit trail entries: requested, denied, refused-wakeups, confirmed, cancelled, approved, "
            "rejected, expired, refused, outcome..., by action",
            ["event", "action"],
            registry=registry,
        )
        self.remote_finished = Counter(
            "remote_bot_remote_requests_finished",
            "Remote requests that reached a final status, by action and status",
            ["action", "status"],
            registry=registry,
        )
        self.failure_causes = Counter(
            "remote_bot_remote_failures",
            "Failed remote requests by the vehicle cloud's failure cause",
            ["cause"],
            registry=registry,
        )
        self.notifications = Counter(
            "remote_bot_notifications",
            "Vendor notifications by fate: accepted, applied, duplicate, parked, missing, quarantined, "
            "dead_lettered, unauthenticated, oversized, unreplicated (stored with fewer replicas than asked)",
            ["fate"],
            registry=registry,
        )
        self.notification_to_update_seconds = Histogram(
            "remote_bot_notification_to_update_seconds",
            "From a notification's storage in the inbox to its effects (message updated when it changed)",
            buckets=SECONDS,
            registry=registry,
        )
        self.inbox_length = Gauge(
            "remote_bot_inbox_length", "Entries in the notification inbox stream", registry=registry
        )
        self.inbox_lag = Gauge(
            "remote_bot_inbox_consumer_lag",
            "Inbox entries not yet read by the consumer group",
            registry=registry,
        )
        self.inbox_pending = Gauge(
            "remote_bot_inbox_pending",
            "Inbox entries read but not yet acknowledged",
            registry=registry,
        )
        self.slack_budget_waits = Counter(
            "remote_bot_slack_budget_waits",
            "Slack updates deferred because the shared Slack budget was empty",
            registry=registry,
        )
        self.batch_edits = Counter(
            "remote_bot_batch_message_edits",
            "chat.update calls spent on batch messages (each batch coalesces its members' changes)",
            registry=registry,
        )
        self.http_calls = Counter(
            "remote_bot_http_calls",
            "Calls to Slack's Web API and the vehicle cloud, by peer, call and HTTP status (or error)",
            ["peer", "call", "result"],
            registry=registry,
        )
        self.http_call_seconds = Histogram(
            "remote_bot_http_call_seconds",
            "Duration of calls to Slack's Web API and the vehicle cloud",
            ["peer", "call"],
            buckets=SECONDS,
            registry=registry,
        )

    def count_notifications(self, fate: str, amount: int = 1) -> None:
        """Count `amount` notifications that met `fate`."""
        self.notifications.labels(fate).inc(amount)

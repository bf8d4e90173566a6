"""The typed, frozen bundle of everything listeners and workers need, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis

from bot.config import Settings
from bot.runtime.ingest_gate import IngestGate
from bot.runtime.metrics import Metrics
from bot.runtime.work import WorkTracker
from bot.slack.alerts import SlackOperatorAlerts
from bot.slack.batch_messages import SlackBatchMessages
from bot.slack.messenger import Messenger
from bot.slack.parts import OutputParts
from bot.slack.request_messages import SlackRequestMessages
from bot.store.audit import AuditLog
from bot.store.batch_renders import BatchRenders
from bot.store.batches import BatchStore
from bot.store.capabilities import CapabilityCache
from bot.store.inbox import InboxWriter, ReplicaAck
from bot.store.keys import Keys
from bot.store.last_reports import LastReports
from bot.store.leases import Leases
from bot.store.parking import ParkedEvents
from bot.store.requests import RequestStore
from bot.store.send_pace import SendPace
from bot.store.tickets import TicketStore
from bot.store.wakeup_budget import WakeUpLedger
from bot.usecases.authz import Authorizer
from bot.usecases.fleet import Fleet
from bot.usecases.ports import BatchMessages, OperatorAlerts, RequestMessages
from bot.usecases.vehicle_cloud import VehicleCloud


@dataclass(frozen=True)
class Services:
    """Shared dependencies; `simulator` is True when the vehicle cloud is the built-in simulator."""

    settings: Settings
    redis: Redis
    keys: Keys
    requests: RequestStore
    confirmations: TicketStore
    approvals: TicketStore
    audit: AuditLog
    inbox_writer: InboxWriter
    parked: ParkedEvents
    wakeups: WakeUpLedger
    send_pace: SendPace  # the vendor send schedule every replica shares (batch sends)
    last_reports: LastReports
    authorizer: Authorizer
    fleet: Fleet
    vehicles: VehicleCloud
    capabilities: CapabilityCache
    messenger: Messenger
    messages: RequestMessages
    batches: BatchStore
    batch_renders: BatchRenders
    batch_messages: BatchMessages
    leases: Leases
    alerts: OperatorAlerts
    simulator: bool
    metrics: Metrics
    work: WorkTracker = field(default_factory=WorkTracker)
    ingest: IngestGate = field(default_factory=IngestGate)  # callbacks being received, for the consumers

    @classmethod
    def assemble(
        cls,
        settings: Settings,
        redis: Redis,
        *,
        authorizer: Authorizer,
        fleet: Fleet,
        vehicles: VehicleCloud,
        messenger: Messenger,
        simulator: bool,
        metrics: Metrics | None = None,
    ) -> Services:
        """Build the stores on one Redis connection pool, and the ports the use cases talk through."""
        keys = Keys(settings.redis_key_prefix)
        metrics = metrics or Metrics()
        longest_timeout = max(settings.action_timeout_seconds, *settings.action_timeouts.values(), 0)
        requests = RequestStore(
            redis, keys, mapping_ttl=settings.mapping_ttl_seconds, inflight_ttl=longest_timeout * 2
        )
        parked = ParkedEvents(redis, keys, ttl_seconds=settings.park_ttl_seconds)
        output = OutputParts(settings, redis, keys, messenger, metrics)
        batches = BatchStore(redis, keys, ttl_seconds=settings.mapping_ttl_seconds)
        return cls(
            settings=settings,
            redis=redis,
            keys=keys,
            requests=requests,
            confirmations=TicketStore(redis, keys.confirmation, settings.confirmation_ttl_seconds),
            approvals=TicketStore(redis, keys.approval, settings.approval_ttl_seconds),
            audit=AuditLog(
                redis, keys, settings.audit_retention_entries, settings.audit_vehicle_entries, metrics=metrics
            ),
            inbox_writer=InboxWriter(
                redis,
                keys,
                ReplicaAck(
                    settings.min_replicas, settings.redis_replica_wait_ms, settings.redis_replicas_insist
                ),
            ),
            parked=parked,
            wakeups=WakeUpLedger(redis, keys, settings.wakeup_allowance),
            send_pace=SendPace(redis, keys, settings.vendor_sends_per_second),
            last_reports=LastReports(redis, keys),
            authorizer=authorizer,
            fleet=fleet,
            vehicles=vehicles,
            capabilities=CapabilityCache(redis, keys, settings.capability_cache_seconds),
            messenger=messenger,
            messages=SlackRequestMessages(output),
            batches=batches,
            batch_renders=BatchRenders(redis, keys),
            batch_messages=SlackBatchMessages(output),
            leases=Leases(redis, keys),
            alerts=SlackOperatorAlerts(output),
            simulator=simulator,
            metrics=metrics,
        )

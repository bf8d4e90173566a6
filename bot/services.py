"""The typed bundle of everything listeners and workers need, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from bot.config import Settings
from bot.notifications.ingest_gate import IngestGate
from bot.runtime.work import WorkTracker
from bot.slack.messenger import Messenger
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from bot.store.requests import RequestStore
from bot.store.tickets import TicketStore
from bot.usecases.authz import Authorizer
from bot.usecases.fleet import Fleet
from bot.vehicle.client import StellantisClient


@dataclass
class Services:
    """Shared dependencies; `simulator` is True when the vehicle cloud is the built-in simulator."""

    settings: Settings
    redis: Redis
    keys: Keys
    requests: RequestStore
    confirmations: TicketStore
    approvals: TicketStore
    audit: AuditLog
    authorizer: Authorizer
    fleet: Fleet
    vehicles: StellantisClient
    messenger: Messenger
    channel_id: str
    simulator: bool
    work: WorkTracker
    bolt: Any = None  # the Bolt app, set by the wiring module once listeners are registered
    socket_mode: Any = None  # the Socket Mode handler when SLACK_APP_TOKEN is set and it is connecting
    ingest: IngestGate = field(default_factory=IngestGate)  # callbacks being received, for the consumers

    @classmethod
    def assemble(
        cls,
        settings: Settings,
        redis: Redis,
        *,
        authorizer: Authorizer,
        fleet: Fleet,
        vehicles: StellantisClient,
        messenger: Messenger,
        channel_id: str,
        simulator: bool,
    ) -> Services:
        """Build the stores on top of one Redis connection pool."""
        keys = Keys(settings.redis_key_prefix)
        return cls(
            settings=settings,
            redis=redis,
            keys=keys,
            requests=RequestStore(
                redis,
                keys,
                mapping_ttl=settings.mapping_ttl_seconds,
                inflight_ttl=max(settings.action_timeout_seconds, *settings.action_timeouts.values(), 0) * 2,
            ),
            confirmations=TicketStore(redis, keys.confirmation, settings.confirmation_ttl_seconds),
            approvals=TicketStore(redis, keys.approval, settings.approval_ttl_seconds),
            audit=AuditLog(redis, keys),
            authorizer=authorizer,
            fleet=fleet,
            vehicles=vehicles,
            messenger=messenger,
            channel_id=channel_id,
            simulator=simulator,
            work=WorkTracker(),
        )

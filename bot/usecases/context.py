"""What the use cases work with: stores, authorization, the fleet, and the vehicle cloud and Slack ports."""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from bot.config import Settings
from bot.runtime.work import WorkTracker
from bot.store.audit import AuditLog
from bot.store.batch_renders import BatchRenders
from bot.store.batches import BatchStore
from bot.store.capabilities import CapabilityCache
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


class UseCaseContext(Protocol):
    """The process's dependencies as the use cases see them (the wiring's Services provides them)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def redis(self) -> Redis: ...
    @property
    def requests(self) -> RequestStore: ...
    @property
    def confirmations(self) -> TicketStore: ...
    @property
    def approvals(self) -> TicketStore: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def parked(self) -> ParkedEvents: ...
    @property
    def wakeups(self) -> WakeUpLedger: ...
    @property
    def last_reports(self) -> LastReports: ...
    @property
    def authorizer(self) -> Authorizer: ...
    @property
    def fleet(self) -> Fleet: ...
    @property
    def vehicles(self) -> VehicleCloud: ...
    @property
    def capabilities(self) -> CapabilityCache: ...
    @property
    def messages(self) -> RequestMessages: ...
    @property
    def batches(self) -> BatchStore: ...
    @property
    def batch_renders(self) -> BatchRenders: ...
    @property
    def batch_messages(self) -> BatchMessages: ...
    @property
    def send_pace(self) -> SendPace: ...
    @property
    def leases(self) -> Leases: ...
    @property
    def alerts(self) -> OperatorAlerts: ...
    @property
    def simulator(self) -> bool: ...
    @property
    def work(self) -> WorkTracker: ...

"""What the notification side works with: the use cases' context plus the inbox, metrics and alerts."""

from __future__ import annotations

from typing import Protocol

from bot.runtime.ingest_gate import IngestGate
from bot.runtime.metrics import Metrics
from bot.store.inbox import InboxWriter
from bot.store.keys import Keys
from bot.usecases.context import UseCaseContext
from bot.usecases.ports import OperatorAlerts


class NotificationContext(UseCaseContext, Protocol):
    """The process's dependencies as the notification side sees them (the wiring's Services has them)."""

    @property
    def keys(self) -> Keys: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def alerts(self) -> OperatorAlerts: ...
    @property
    def inbox_writer(self) -> InboxWriter: ...
    @property
    def ingest(self) -> IngestGate: ...

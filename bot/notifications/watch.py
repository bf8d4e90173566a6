"""The notification side of sending: a request's deadline starts, and early events are replayed."""

from __future__ import annotations

import time

from bot.config import Settings
from bot.store.parking import ParkedEvents
from bot.store.records import RequestRecord
from bot.store.requests import RequestStore


class NotificationWatch:
    """The use cases' RemoteWatch: what follows the vendor's remoteActionId."""

    def __init__(self, settings: Settings, requests: RequestStore, parked: ParkedEvents) -> None:
        self._settings = settings
        self._requests = requests
        self._parked = parked

    async def remote_attached(self, record: RequestRecord) -> None:
        """Start the deadline of the final answer and replay what arrived before the mapping."""
        if record.remote_action_id is None:
            return
        if not record.status.is_final:
            due = time.time() + self._settings.timeout_for(record.action)
            await self._requests.set_deadline(record.id, due)
        await self._parked.replay(record.remote_action_id)
